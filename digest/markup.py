"""Markdown to safe HTML, and HTML to plain text for summaries."""

from __future__ import annotations

import html
import re
from html.parser import HTMLParser
from xml.etree.ElementTree import Element

import markdown
import nh3
from markdown.extensions.tables import TableExtension
from markdown.extensions.toc import remove_fnrefs, render_inner_html, strip_tags, unique
from markdown.treeprocessors import InlineProcessor, Treeprocessor
from markdown.util import AtomicString

from .config import Config
from .slugs import slugify
from .typography import PlainText, TypographyExtension

MORE = "<!--more-->"

_TAGS = set(nh3.ALLOWED_TAGS) - {"center", "strike", "tt", "acronym"} | {"figure", "figcaption"}
_ATTRIBUTES = {
    "*": {"id", "title", "lang", "dir"},
    "a": {"href", "hreflang", "rel"},
    "img": {"src", "alt", "width", "height", "loading"},
    "td": {"style", "colspan", "rowspan"},
    "th": {"style", "colspan", "rowspan", "scope"},
    "ol": {"start", "reversed"},
    "li": {"value"},
    "blockquote": {"cite"},
    "q": {"cite"},
    "time": {"datetime"},
    "abbr": {"title"},
}
# The classes Python-Markdown's footnotes write, so the theme can style them.
_CLASSES = {
    "div": {"footnote"},
    "sup": {"footnote-ref"},
    "a": {"footnote-ref", "footnote-backref"},
}


# Every inline pattern in use needs one of these characters (or "  \n", a line break).
_INLINE_TRIGGERS = re.compile(r"[`\\\[<&*_\u0002]|  \n")


class _SkipPlainText(Treeprocessor):
    """Mark text without any inline markup, so the inline pass does not try 15 patterns on it.

    The inline pass costs most of a conversion, and most of a news article's paragraphs are
    plain sentences. The typography pass still sees this text.
    """

    def run(self, root: Element) -> None:
        for element in root.iter():
            text = element.text
            if text and not isinstance(text, AtomicString) and not _INLINE_TRIGGERS.search(text):
                element.text = PlainText(text)


class _HeadingIds(Treeprocessor):
    """An id on every heading that has none, from its text, unique in the page: what the
    `toc` extension does, without the table of contents it also builds and serializes (and
    searches every paragraph for a [TOC] marker to put it in), which no page uses."""

    _HEADING = re.compile("[Hh][123456]")

    def run(self, root: Element) -> None:
        used = {element.attrib["id"] for element in root.iter() if "id" in element.attrib}
        for element in root.iter():
            if isinstance(element.tag, str) and self._HEADING.match(element.tag):
                if not element.attrib.get("id"):  # none, or an empty one from {#}
                    name = strip_tags(render_inner_html(remove_fnrefs(element), self.md))
                    element.attrib["id"] = unique(slugify(html.unescape(name)) or "section",
                                                  used)
                element.attrib.pop("data-toc-label", None)


class _HeadingIdsExtension(markdown.Extension):
    def extendMarkdown(self, md: markdown.Markdown) -> None:  # noqa: N802 - Markdown's API
        md.treeprocessors.register(_HeadingIds(md), "digest_heading_ids", 5)  # toc's place


class _SkipPlainTextExtension(markdown.Extension):
    def extendMarkdown(self, md: markdown.Markdown) -> None:  # noqa: N802 - Markdown's API
        md.treeprocessors.register(_SkipPlainText(md), "digest_skip_plain_text", 25)


class _QuickInlineExtension(markdown.Extension):
    def extendMarkdown(self, md: markdown.Markdown) -> None:  # noqa: N802 - Markdown's API
        if _QuickInline.fits():
            md.treeprocessors.register(_QuickInline(md), "inline", 20)  # the inline pass's


def _needs() -> dict[str, re.Pattern]:
    """What the text must hold for each of Python-Markdown's inline patterns to match, by the
    pattern's regular expression: a piece that every match has at or after its start."""
    from markdown import inlinepatterns as known

    needed = {
        known.BACKTICK_RE: "`", known.ESCAPE_RE: r"\\", known.REFERENCE_RE: r"\[",
        known.LINK_RE: r"\[", known.IMAGE_LINK_RE: r"!\[", known.IMAGE_REFERENCE_RE: r"!\[",
        known.AUTOLINK_RE: "<", known.AUTOMAIL_RE: "<", known.HTML_RE: "<",
        known.LINE_BREAK_RE: "  \n", known.ENTITY_RE: "&",
        r"\[\^([^\]]*)\]": r"\[\^",  # a footnote's mark (the footnotes extension)
        r"\*|_": r"\*|_", r"\*": r"\*", "_": "_",  # emphasis, in one pattern or two
    }
    return {pattern: re.compile(piece) for pattern, piece in needed.items()}


class _QuickInline(InlineProcessor):
    """Python-Markdown's inline pass, passing over the patterns that cannot match.

    The pass tries each of its fifteen patterns on every text with markup in it, and most
    such texts hold the characters of two or three (a link's "[", emphasis's "*"). A pattern
    whose regular expression needs a character the rest of the text lacks finds nothing
    there: it is passed over as if it had been tried, which is most of the pass's cost.
    Patterns not in _needs are always tried. The loop is Python-Markdown's own
    (InlineProcessor.__handleInline); the results are the same as its
    (tests/test_properties.py)."""

    NEEDS = _needs()

    @staticmethod
    def fits() -> bool:
        """Whether this Python-Markdown's inline pass is the one this one follows."""
        return all(hasattr(InlineProcessor, f"_InlineProcessor__{name}")
                   for name in ("handleInline", "applyPattern"))

    def run(self, tree: Element, ancestors: list[str] | None = None) -> Element:
        self._patterns = list(self.inlinePatterns)
        self._needed = [self.NEEDS.get(getattr(getattr(pattern, "compiled_re", None),
                                               "pattern", None))
                        for pattern in self._patterns]
        return super().run(tree, ancestors)

    def _InlineProcessor__handleInline(self, data: str, patternIndex: int = 0  # noqa: N802, N803
                                       ) -> str:
        if isinstance(data, AtomicString):
            return data
        apply = self._InlineProcessor__applyPattern
        patterns, needed = self._patterns, self._needed
        start = 0
        while patternIndex < len(patterns):
            need = needed[patternIndex]
            if need is not None and need.search(data, start) is None:
                matched, start = False, 0  # as the pattern would have found
            else:
                data, matched, start = apply(patterns[patternIndex], data, patternIndex, start)
            if not matched:
                patternIndex += 1
        return data


class Renderer:
    """One configured Markdown converter; reuse it for every article of a build.

    It reads only the Markdown options of `config`; site-root links are left as written,
    and get the base path when the article is placed in a site."""

    def __init__(self, config: Config):
        options = config.markdown
        extensions: list = [
            "fenced_code",
            "footnotes",
            "attr_list",
            "sane_lists",
            TableExtension(),
            _SkipPlainTextExtension(),
            _QuickInlineExtension(),
        ]
        if options.heading_anchors:
            extensions.append(_HeadingIdsExtension())
        if options.smart_quotes:
            extensions.append(TypographyExtension())
        self._markdown = markdown.Markdown(extensions=extensions, output_format="html")
        self._cleaner = None if options.unsafe_html else nh3.Cleaner(
            tags=_TAGS,
            attributes=_ATTRIBUTES,
            allowed_classes=_CLASSES,
            url_schemes={"http", "https", "mailto"},
            link_rel=None,
            strip_comments=True,
            clean_content_tags={"script", "style"},
            filter_style_properties={"text-align"},  # table column alignment only
        )

    def to_html(self, text: str) -> str:
        body = self._markdown.reset().convert(text)
        return self._cleaner.clean(body) if self._cleaner else body


def split_more(text: str) -> str | None:
    """The Markdown before <!--more-->, or None without the marker."""
    before, marker, _ = text.partition(MORE)
    return before if marker else None


_FIRST_PARAGRAPH = re.compile(r"<p\b[^>]*>(.*?)</p>", re.S)


def first_paragraph(body_html: str) -> str:
    match = _FIRST_PARAGRAPH.search(body_html)
    return match.group(1) if match else ""


class _TextOnly(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self._skip = 0

    def handle_starttag(self, tag: str, attrs) -> None:
        if tag in ("sup", "script", "style") or self._skip:
            self._skip += 1  # footnote markers are noise in a summary

    def handle_endtag(self, tag: str) -> None:
        if self._skip:
            self._skip -= 1

    def handle_data(self, data: str) -> None:
        if not self._skip:
            self.parts.append(data)


def plain_text(fragment: str, limit: int = 300) -> str:
    """The text of an HTML fragment on one line, cut at a word near `limit` characters."""
    parser = _TextOnly()
    parser.feed(fragment)
    parser.close()
    text = " ".join("".join(parser.parts).split())
    if len(text) > limit:
        text = text[:limit].rsplit(" ", 1)[0].rstrip(",;:") + "…"
    return text
