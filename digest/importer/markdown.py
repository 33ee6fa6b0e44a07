"""Extracted text to Markdown: the element tree an extractor gives (paragraphs, headings,
lists, quotes, tables, links, emphasis) and plain lines alike, escaped so that the text
reads back as it was."""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import urljoin

_INLINE_SPECIALS = re.compile(r"([\\`*_\[\]<>])")
_LINE_START = re.compile(r"^(\s*)([#>+=-]|\d+[.)])(\s|$)")


def escape(text: str) -> str:
    """Plain text as Markdown that shows exactly that text."""
    text = _INLINE_SPECIALS.sub(r"\\\1", " ".join(text.split()))
    return _LINE_START.sub(lambda m: m.group(1) + "\\" + m.group(2) + m.group(3), text)


def link_target(url: str) -> str:
    """A URL as a Markdown link's target, whatever it holds: spaces, parentheses and angle
    brackets are percent-encoded, so that "Foo_(bar)" does not end the link early."""
    return url.replace(" ", "%20").replace("(", "%28").replace(")", "%29") \
        .replace("<", "%3C").replace(">", "%3E")


@dataclass(frozen=True)
class Block:
    """One block of the body: its Markdown, and its words alone for the chrome checks."""

    markdown: str
    text: str
    kind: str  # "p", "h", "list", "quote", "table", "code"


def blocks_from_xml(root, base_url: str = "") -> list[Block]:
    """The blocks of an extractor's XML (<p>, <head>, <list>, <quote>, <table>, ...)."""
    found: list[Block] = []
    for element in root:
        _block(element, base_url, found)
    return found


def _block(element, base: str, out: list[Block]) -> None:
    tag = element.tag
    if tag in ("p", "ab"):
        text = _inline(element, base).strip()
        if text:
            out.append(Block(text, _plain(element), "p"))
    elif tag == "head":
        level = {"h1": 2, "h2": 2, "h3": 3, "h4": 4}.get(element.get("rend", ""), 3)
        text = _inline(element, base).strip()
        if text:
            out.append(Block("#" * level + " " + text, _plain(element), "h"))
    elif tag == "list":
        ordered = element.get("rend") == "ol"
        lines = []
        for number, item in enumerate((i for i in element if i.tag == "item"), start=1):
            text = _inline(item, base).strip()
            if text:
                lines.append(f"{number}. {text}" if ordered else f"- {text}")
        if lines:
            out.append(Block("\n".join(lines), _plain(element), "list"))
    elif tag == "quote":
        inner: list[Block] = []
        if len(element) and all(child.tag in ("p", "list", "head") for child in element):
            for child in element:
                _block(child, base, inner)
        else:
            text = _inline(element, base).strip()
            inner = [Block(text, _plain(element), "p")] if text else []
        if inner:
            quoted = "\n>\n".join("\n".join("> " + line for line in b.markdown.split("\n"))
                                  for b in inner)
            out.append(Block(quoted, " ".join(b.text for b in inner), "quote"))
    elif tag == "table":
        table = _table(element, base)
        if table:
            out.append(Block(table, _plain(element), "table"))
    elif tag == "code":
        code = "".join(element.itertext()).strip("\n")
        if code.strip():
            out.append(Block("```\n" + code + "\n```", code, "code"))
    elif tag == "graphic":  # a picture in the story, after its lead image
        src = urljoin(base, element.get("src", "")) if base else element.get("src", "")
        if src.startswith(("http://", "https://")):
            alt = escape(element.get("alt") or element.get("title") or "")
            out.append(Block(f"![{alt}]({link_target(src)})", "", "image"))
    elif tag in ("div", "main", "section"):
        for child in element:
            _block(child, base, out)


def _plain(element) -> str:
    return " ".join("".join(element.itertext()).split())


def _inline(element, base: str) -> str:
    """An element's text and inline children as Markdown on one line."""
    parts = [escape(element.text or "") if element.text and element.text.strip() else
             (" " if element.text else "")]
    for child in element:
        parts.append(_inline_child(child, base))
        if child.tail:
            parts.append(escape(child.tail) if child.tail.strip() else " ")
    return _tidy("".join(parts))


def _inline_child(child, base: str) -> str:
    tag = child.tag
    if tag == "lb":
        return "  \n"
    inner = _inline(child, base).strip()
    if tag == "hi":
        rend = child.get("rend", "")
        if not inner:
            return ""
        if "#b" in rend or "#strong" in rend:
            return f" **{inner}** "
        if "#i" in rend or "#em" in rend:
            return f" *{inner}* "
        return f" {inner} "
    if tag == "ref":
        target = child.get("target", "").strip()
        if target and base:
            target = urljoin(base, target)
        if not inner:
            return ""
        if not target.startswith(("http://", "https://", "mailto:", "/", "#")):
            return f" {inner} "
        return f" [{inner}]({link_target(target)}) "
    if tag == "code":
        return f" `{''.join(child.itertext())}` "
    if tag == "del":
        return f" ~~{inner}~~ " if inner else ""
    if tag == "graphic":
        return ""
    return f" {inner} " if inner else ""


_SPACES = re.compile(r"[ \t]+")
_PUNCT_GAP = re.compile(r" +([,.;:!?’”)])")
_OPEN_GAP = re.compile(r"([(“‘]) +")


def _tidy(text: str) -> str:
    lines = [_SPACES.sub(" ", line).strip() for line in text.split("  \n")]
    lines = [_OPEN_GAP.sub(r"\1", _PUNCT_GAP.sub(r"\1", line)) for line in lines]
    return "  \n".join(line for line in lines if line)


def _table(element, base: str) -> str:
    rows = []
    for row in element.iter("row"):
        cells = [_inline(cell, base).replace("|", "\\|").strip() for cell in row
                 if cell.tag == "cell"]
        if cells:
            rows.append(cells)
    if not rows:
        return ""
    width = max(len(row) for row in rows)
    rows = [row + [""] * (width - len(row)) for row in rows]
    lines = ["| " + " | ".join(rows[0]) + " |", "|" + " --- |" * width]
    lines += ["| " + " | ".join(row) + " |" for row in rows[1:]]
    return "\n".join(lines)


def join_blocks(blocks: list[Block]) -> str:
    """The body's Markdown. Its headings are renumbered from ## on without gaps: the
    article's page gives the title the only <h1>, and a page that went from <h1> to <h3>
    fails the HTML checker."""
    levels = sorted({len(b.markdown) - len(b.markdown.lstrip("#")) for b in blocks
                     if b.kind == "h"})
    new_level = {level: min(2 + rank, 6) for rank, level in enumerate(levels)}
    parts = []
    for block in blocks:
        text = block.markdown
        if block.kind == "h":
            level = len(text) - len(text.lstrip("#"))
            text = "#" * new_level[level] + text[level:]
        parts.append(text)
    return "\n\n".join(parts) + "\n"


_HTML_TO_XML = {"p": "p", "li": "item", "blockquote": "quote", "table": "table", "tr": "row",
                "td": "cell", "th": "cell", "a": "ref", "em": "hi", "i": "hi", "strong": "hi",
                "b": "hi", "br": "lb", "pre": "code", "code": "code", "del": "del", "s": "del"}


def blocks_from_html(fragment: str, base_url: str = "") -> list[Block]:
    """The blocks of clean HTML, as a feed item's content is: no extractor needed."""
    import lxml.html
    from lxml import etree

    try:
        tree = lxml.html.fragment_fromstring(fragment, create_parent="div")
    except Exception:  # noqa: BLE001 - lxml refuses what is not HTML at all
        return []
    for bad in tree.xpath("//script|//style|//iframe|//form|//button|//nav|//figure"):
        bad.drop_tree()
    root = etree.Element("main")
    _convert(tree, root)
    return blocks_from_xml(root, base_url)


def _convert(source, target) -> None:
    from lxml import etree

    if source.text:
        _append_text(target, source.text)
    for child in source:
        if not isinstance(child.tag, str):
            if child.tail:
                _append_text(target, child.tail)
            continue
        tag = child.tag.lower()
        if tag in ("h1", "h2", "h3", "h4", "h5", "h6"):
            new = etree.SubElement(target, "head", rend=tag)
        elif tag in ("ul", "ol"):
            new = etree.SubElement(target, "list", rend=tag)
        elif tag in _HTML_TO_XML:
            new = etree.SubElement(target, _HTML_TO_XML[tag])
            if tag in ("em", "i"):
                new.set("rend", "#i")
            elif tag in ("strong", "b"):
                new.set("rend", "#b")
            elif tag == "a":
                new.set("target", child.get("href", ""))
            elif tag == "th":
                new.set("role", "head")
        elif tag in ("div", "section", "article", "main", "span", "thead", "tbody", "tfoot",
                     "header", "footer", "aside", "u", "small", "sup", "sub", "abbr", "cite",
                     "time", "mark", "q", "font"):
            block = tag in ("div", "section", "article", "main", "header", "footer", "aside")
            if block and target.tag not in ("main", "quote", "item", "cell"):
                block = False
            if block:
                _convert(child, target)
            else:
                holder = etree.SubElement(target, "hi", rend="")
                _convert(child, holder)
            if child.tail:
                _append_text(target, child.tail)
            continue
        else:
            if child.tail:
                _append_text(target, child.tail)
            continue
        _convert(child, new)
        if child.tail:
            _append_text(new.getparent(), child.tail, after=new)


def _append_text(parent, text: str, after=None) -> None:
    """Text in `parent` (after the element `after`); loose text in a container becomes a
    paragraph of its own."""
    from lxml import etree

    if parent.tag in ("main", "quote") and text.strip():
        etree.SubElement(parent, "p").text = text
        return
    if after is not None:
        after.tail = (after.tail or "") + text
    elif len(parent):
        parent[-1].tail = (parent[-1].tail or "") + text
    else:
        parent.text = (parent.text or "") + text
