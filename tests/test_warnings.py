"""Mistakes that build: said once as `path:line: warning: ...`, errors under --strict; and
YAML mistakes explained in plain words, with the line shown."""

from __future__ import annotations

import pytest

from conftest import SiteDir, article, assert_refused_and_untouched

GOOD = {"content/good.md": article("Good article")}

# name: (front matter lines after `---`, the message line, the line shown, the caret line)
YAML_CASES = {
    "a colon in an unquoted title": (
        "title: Minister says: we will win\ndate: 2025-01-01\n",
        "content/bad.md:2: invalid YAML: the title has ': ' in it, which YAML reads as the "
        "start of another key; put the title in quotes: title: \"Minister says: we will win\"",
        " 2 | title: Minister says: we will win",
        "   |                     ^"),
    "an unclosed quote, at its own line": (
        "date: 2025-01-01\ntitle: \"Minister says we will win\ntopic: World\nsummary: x\n",
        "content/bad.md:3: invalid YAML: the quote \" that starts the title is never closed: "
        "end it with \" on the same line: title: \"Minister says we will win\"",
        " 3 | title: \"Minister says we will win",
        "   |        ^"),
    "an apostrophe inside single quotes": (
        "title: 'Minister's plan'\ndate: 2025-01-01\n",
        "content/bad.md:2: invalid YAML: the quote ' in the title ends it, and text follows; "
        "write the title in other quotes: title: \"Minister's plan\"",
        " 2 | title: 'Minister's plan'",
        "   |                 ^"),
    "text after a closing quote": (
        "date: 2025-01-01\nsummary: \"Minister\" says\ntitle: x\n",
        "content/bad.md:3: invalid YAML: the quote \" in the summary ends it, and text "
        "follows; write the summary in other quotes: summary: '\"Minister\" says'",
        " 3 | summary: \"Minister\" says",
        "   |                   ^"),
}


@pytest.mark.parametrize("name", YAML_CASES)
def test_yaml_mistakes_are_explained_with_the_line_shown(site: SiteDir, name: str) -> None:
    front, message, shown, caret = YAML_CASES[name]
    assert_refused_and_untouched(site, GOOD, {"content/bad.md": f"---\n{front}---\nBody.\n"},
                                 message)
    lines = site.digest("build").errors.splitlines()
    assert lines[lines.index(message) + 1:lines.index(message) + 3] == [shown, caret]


def test_site_yaml_gets_the_same_hint(site: SiteDir) -> None:
    site.write({**GOOD, "site.yaml": "title: Evening Brief: the day\n"})
    run = site.digest("check")
    assert run.exit_code == 1
    assert ("site.yaml:1: invalid YAML: the title has ': ' in it, which YAML reads as the "
            "start of another key; put the title in quotes: title: \"Evening Brief: the day\""
            ) in run.errors.splitlines()
    assert " 1 | title: Evening Brief: the day" in run.errors.splitlines()
