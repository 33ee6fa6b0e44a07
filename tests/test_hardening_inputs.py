"""Hostile and broken input that once crashed digest or stalled it: each case gives a clear
`path:line: message`, exit status 1, and leaves the previous output as it was."""

from __future__ import annotations

import os
import time

import pytest

from conftest import SiteDir, article, assert_refused_and_untouched, front
from digest.articles import parse_article
from digest.config import Config
from digest.errors import DigestError, Problem
from digest.limits import MAX_ARTICLE_BYTES
from digest.markup import Renderer

GOOD = {"content/good.md": article("Good article")}


# name: (files added to a good site, the line that must appear on stderr)
CASES: dict[str, tuple[dict[str, str | bytes], str]] = {
    "an explicit YAML tag its value cannot hold": (
        {"content/bad.md": front("extra: !!timestamp 2024-13-45")},
        "content/bad.md:4: invalid YAML: '2024-13-45' is not a valid timestamp"),
    "an explicit !!int tag on text": (
        {"content/bad.md": front("extra: [1, !!int abc]")},
        "content/bad.md:4: invalid YAML: 'abc' is not a valid int"),
    "an explicit !!bool tag on text": (
        {"content/bad.md": front("draft: !!bool maybe")},
        "content/bad.md:4: invalid YAML: 'maybe' is not a valid bool"),
    "an empty explicit !!int": (
        {"content/bad.md": front("extra: !!int")},
        "content/bad.md:4: invalid YAML: '' is not a valid int"),
    "a number of 5,000 digits": (
        {"content/bad.md": "---\ntitle: " + "7" * 5000 + "\ndate: 2025-01-01\n---\n"},
        "content/bad.md:2: invalid YAML: '7777777777777777777777777777777777777...' is a "
        "number of more than 4300 digits; quote it to keep it as text"),
    "a date that leaves the calendar in UTC": (
        {"content/bad.md": "---\ntitle: T\ndate: 9999-12-31T23:00:00-05:00\n---\n"},
        "content/bad.md:3: date: '9999-12-31T23:00:00-05:00' is out of range: in the "
        "site's timezone it falls outside the years 1 to 9999"),
    "a date before the year 1 in UTC": (
        {"content/bad.md": "---\ntitle: T\ndate: 0001-01-01T00:00:00+05:00\n---\n"},
        "content/bad.md:3: date: '0001-01-01T00:00:00+05:00' is out of range: in the "
        "site's timezone it falls outside the years 1 to 9999"),
    "an RFC 822 date after 9999": (
        {"content/bad.md": "---\ntitle: T\ndate: 'Fri, 31 Dec 9999 23:00:00 -0500'\n---\n"},
        "content/bad.md:3: date: 'Fri, 31 Dec 9999 23:00:00 -0500' is out of range: in the "
        "site's timezone it falls outside the years 1 to 9999"),
    "a tag too long for a folder name": (
        {"content/bad.md": front("tags: [" + "a" * 300 + "]")},
        "content/bad.md:4: tags: '" + "a" * 40 + "...': its URL slug would be 300 bytes "
        "long; the limit is 200: shorten it"),
    "a topic too long for a folder name": (
        {"content/bad.md": front("topic: " + "Ω" * 150)},
        "content/bad.md:4: topic: its URL slug would be 300 bytes long; the limit is 200: "
        "shorten it"),
    "a file name whose slug grows too long": (  # NFKC turns each of these into 18 letters
        {"content/" + "\ufdfa" * 20 + ".md": front()},
        "content/" + "\ufdfa" * 20 + ".md:1: slug: its URL slug would be 660 bytes long; "
        "the limit is 200: shorten it"),
    "lists nested hundreds deep": (
        {"content/bad.md": front(body="".join("    " * i + "- x\n" for i in range(400)))},
        "content/bad.md:404: text nested 399 levels deep in lists, quotes or indented code: "
        "Markdown would take too long to read this; nest it less"),
    "thousands of unclosed link brackets": (
        {"content/bad.md": front(body="Intro.\n\n" + '["' * 8000 + "\n")},
        "content/bad.md:7: too many '[' not closed by a ']' (or nested): Markdown would take "
        "too long to read this; close them, or write '\\[' for a literal '['"),
    "thousands of unclosed link targets": (
        {"content/bad.md": front(body="[a](b " * 8000 + "\n")},
        "content/bad.md:5: too many '](' not closed by a ')' (or nested): Markdown would "
        "take too long to read this; close them, or write '\\(' for a literal '('"),
    "thousands of unclosed autolinks": (
        {"content/bad.md": front(body="<http://" * 8000 + "\n")},
        "content/bad.md:5: too many '<' not closed by a '>' (or nested): Markdown would "
        "take too long to read this; close them, or write '\\<' for a literal '<'"),
    "a megabyte paragraph with markup on every line": (
        {"content/bad.md": front(body="".join(f"Line {i} with *some* words.\n"
                                              for i in range(40_000)))},
        "content/bad.md:5: a paragraph of 1161 kB with 80000 marks of inline markup in it: "
        "Markdown would take too long to read this; put blank lines between its paragraphs"),
    "megabytes nested a hundred levels deep": (
        {"content/bad.md": front(body="".join("    " * i + "- x\n" for i in range(100))
                                 + ("    " * 100 + "text\n") * 3000)},
        "content/bad.md:105: text nested 100 levels deep in lists, quotes or indented code: "
        "Markdown would take too long to read this; nest it less"),
    "control characters in a value": (
        {"content/bad.md": "---\ntitle: T\ndate: \"\\e]0;owned\\a\\nnext\"\n---\n"},
        "content/bad.md:3: date: '\\x1b]0;owned\\x07\\x0anext' is not a date: write "
        "2024-03-22, 2024-03-22 15:16 or 2024-03-22T15:16:00-04:00"),
}


@pytest.mark.parametrize("name", CASES)
def test_hostile_input_gives_its_message_and_keeps_the_previous_output(site: SiteDir,
                                                                        name: str) -> None:
    files, message = CASES[name]
    assert_refused_and_untouched(site, GOOD, files, message)


def test_an_article_over_the_size_limit_is_refused_unread(site: SiteDir) -> None:
    site.write(GOOD)
    big = site.root / "content/big.md"
    with open(big, "wb") as stream:  # sparse: the test does not need to write 3 MB
        stream.write(b"---\ntitle: Big\ndate: 2025-01-01\n---\n")
        stream.truncate(MAX_ARTICLE_BYTES + 1024 * 1024)
    run = site.digest("build")
    assert run.exit_code == 1
    assert "content/big.md:1: article is 3 MB; the limit is 2 MB: split it into several " \
           "articles" in run.errors.splitlines()


def test_the_size_limit_applies_to_text_handed_to_the_parser() -> None:
    from digest.articles import decode

    with pytest.raises(DigestError) as raised:
        decode(b"x" * (MAX_ARTICLE_BYTES + 1), "content/x.md")
    assert str(raised.value) == "content/x.md:1: article is 2 MB; the limit is 2 MB: split " \
                                "it into several articles"


def test_a_file_name_that_is_not_utf8_prints_escaped(site: SiteDir) -> None:
    site.write(GOOD)
    name = os.fsencode(site.root / "content") + b"/caf\xe9.md"
    with open(name, "wb") as stream:
        stream.write(b"---\ntitle: x\n---\n")
    run = site.digest("build")
    assert run.exit_code == 1
    assert "content/caf\\xe9.md:1: missing date: add 'date: 2024-03-22T15:16:00-04:00'" in \
        run.errors.splitlines()


def test_problems_never_print_control_characters() -> None:
    shown = str(Problem("content/\x1b[31mred.md", 2, "title: '\x07\u2028\x9b'"))
    assert shown == "content/\\x1b[31mred.md:2: title: '\\x07\\u2028\\x9b'"
    assert shown.isprintable()


def test_markdown_that_is_merely_large_is_not_refused() -> None:
    """The work bound counts the searches that go wrong, not links that close."""
    links = "".join(f"See [report {i}](https://example.org/{i}) (and notes). <b>Bold</b>\n"
                    for i in range(5000))
    body = links + "\n\nA stray [ bracket, a stray ( parenthesis and a stray <b tag.\n"
    result = parse_article(front(body=body), "content/x.md", Config(), Renderer(Config()))
    assert result.body.count("<a href") == 5000


def test_a_paragraph_just_under_the_markdown_bound_converts_in_seconds() -> None:
    started = time.perf_counter()
    parse_article(front(body="[" * 3000 + "\n"), "content/x.md", Config(), Renderer(Config()))
    assert time.perf_counter() - started < 10


def test_emphasis_thousands_deep_is_a_page() -> None:
    started = time.perf_counter()
    result = parse_article(front(body="*" * 5000 + "x" + "*" * 5000 + "\n"), "content/x.md",
                           Config(), Renderer(Config()))
    assert time.perf_counter() - started < 10
    assert result.body.startswith("<p><strong>") and ">x<" in result.body


@pytest.mark.parametrize("heading", ["# Heading {id}", "# Heading {#}", '# Heading {id=""}'])
def test_a_heading_with_an_empty_or_bare_id_gets_one_from_its_text(heading: str) -> None:
    """Python-Markdown's own heading ids failed on these (a TypeError)."""
    result = parse_article(front(body=heading + "\n"), "content/x.md", Config(),
                           Renderer(Config()))
    assert result.body == '<h1 id="heading">Heading</h1>'
