"""Properties: any input gives an article or a clear error, never a crash."""

from __future__ import annotations

import os

from hypothesis import given, settings
from hypothesis import strategies as st

from digest.articles import decode, parse_article
from digest.config import Config
from digest.errors import DigestError
from digest.markup import Renderer
from digest.slugs import is_valid_slug, match_key, slugify

CONFIG = Config()
RENDERER = Renderer(CONFIG)

yaml_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=20),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner,
                                                                max_size=3),
    max_leaves=8)
keys = st.sampled_from(["title", "date", "topic", "tags", "author", "authors", "summary",
                        "source", "image", "slug", "updated", "draft", "other"])


def check_article_or_error(text: str) -> None:
    try:
        result = parse_article(text, "content/x.md", CONFIG, RENDERER)
    except DigestError as err:
        assert err.problems
        for problem in err.problems:
            assert problem.path == "content/x.md"
            assert problem.line >= 0 and problem.message
        return
    assert result.title and result.slug and result.url.endswith(f"/{result.slug}/")
    assert ".." not in result.url


@settings(max_examples=300)
@given(st.text(max_size=300))
def test_any_text_gives_an_article_or_an_error(text: str) -> None:
    check_article_or_error(text)


@settings(max_examples=300)
@given(st.binary(max_size=200))
def test_any_bytes_give_text_or_an_error(data: bytes) -> None:
    try:
        text = decode(data, "content/x.md")
    except DigestError as err:
        assert "not UTF-8" in str(err)
        return
    check_article_or_error(text)


@settings(max_examples=300)
@given(st.dictionaries(keys, yaml_values, max_size=8), st.text(max_size=100))
def test_any_front_matter_mapping_gives_an_article_or_an_error(fields, body) -> None:
    import yaml

    front = yaml.safe_dump(fields, allow_unicode=True) if fields else ""
    check_article_or_error(f"---\n{front}---\n{body}")


@given(st.text(max_size=60), st.datetimes(), st.text(max_size=30))
def test_well_formed_articles_always_parse(title, moment, tag) -> None:
    import yaml

    fields = {"title": title, "date": moment.isoformat(), "tags": [tag]}
    text = f"---\n{yaml.safe_dump(fields, allow_unicode=True)}---\nbody\n"
    try:
        result = parse_article(text, "content/2025-01-01-a.md", CONFIG, RENDERER)
    except DigestError as err:  # only empty titles or tags without a letter may be refused
        messages = " ".join(p.message for p in err.problems)
        assert not " ".join(title.split()) or not slugify(tag), messages
        return
    assert result.title == " ".join(title.split())
    assert result.slug == "a"


@given(st.text())
def test_slugs_are_stable_safe_and_idempotent(text: str) -> None:
    slug = slugify(text)
    assert slugify(slug) == slug
    assert "/" not in slug and "\\" not in slug and slug not in (".", "..")
    assert not slug.startswith("-") and not slug.endswith("-") and "--" not in slug
    assert slug == "" or is_valid_slug(slug)
    assert slug == slug.casefold() or not slug.isascii()


@given(st.text(max_size=30))
def test_names_matching_ignores_case_and_spacing(name: str) -> None:
    assert match_key(name) == match_key(f"  {name.upper()}  ") or name.upper().casefold() != \
        name.casefold()
    assert match_key(name) == match_key(name.replace(" ", "  "))


# Markup characters, and letters enough for <http://a.b> and <a@b.h> links
MARKDOWNISH = st.text(alphabet=st.sampled_from(list("ab1htp@/ '\"-.!?,;:([{*_`\\<>&#^]\n")),
                      max_size=80)


@settings(max_examples=int(os.environ.get("DIGEST_EXAMPLES", "300")))
@given(MARKDOWNISH)
def test_fast_markdown_reads_exactly_like_python_markdown_with_smarty(text: str) -> None:
    """Typography in one pass, plain text skipping the inline patterns, and the inline
    patterns that cannot match passed over, change nothing."""
    import html

    import markdown
    from markdown.extensions.tables import TableExtension
    from markdown.extensions.toc import TocExtension

    from digest.config import MarkdownConfig

    ours = Renderer(Config(markdown=MarkdownConfig(unsafe_html=True))).to_html(text)
    reference = markdown.markdown(text, output_format="html", extensions=[
        "fenced_code", "footnotes", "attr_list", "sane_lists", TableExtension(),
        TocExtension(slugify=lambda value, _: slugify(value) or "section"), "smarty"])
    assert html.unescape(ours) == html.unescape(reference)
