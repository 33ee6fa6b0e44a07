"""Saved web pages: the story's text by trafilatura, its metadata from what the page
declares (JSON-LD, OpenGraph, <meta>, <time>, bylines, figures), most precise first."""

from __future__ import annotations

import json
import re
from html import unescape
from pathlib import Path
from urllib.parse import urljoin, urlsplit

from .chrome import byline_names, split_names, words
from .clipping import Clipping, Refused
from .dates import Moment, find_moment, parse_moment
from .figures import (caption_of, figure_of, first_text, image_keys, lead_image, name_of,
                      same_image, text_of)
from .markdown import Block, blocks_from_xml, escape, join_blocks
from .story import normal, sort_story, stamps, trim_edges

_BLOCKS = ("p", "div", "span", "time", "li", "dd", "small", "header", "address", "h2", "h3",
           "h4", "h5", "h6")
def read_page(html: str, origin: str, page_url: str = "", folder: Path | None = None) -> Clipping:
    """The story of a saved page; `page_url` is where it came from (for relative links),
    `folder` where it was saved (for a "Web page, complete" folder's images)."""
    import lxml.html
    import trafilatura

    html = re.sub(r"^\s*<\?xml[^>]*\?>", "", html)  # lxml takes no encoding in a str
    try:
        tree = lxml.html.document_fromstring(html)
    except Exception as err:  # noqa: BLE001 - lxml refuses empty or binary documents
        raise Refused(f"not an HTML page ({err})") from None
    meta = _metadata(tree)
    ld = _json_ld(tree)
    saved = _SAVED_FROM.search(html[:3000])  # the address a browser notes in a saved page
    page_url = page_url or (saved.group(1) if saved else "")
    canonical = first_text(_link(tree, "canonical"), meta.get("og:url"), text_of(ld.get("url")),
                           page_url if page_url.startswith("http") else "")
    canonical = urljoin(page_url, canonical) if page_url.startswith("http") else canonical
    canonical = canonical if canonical.startswith(("http://", "https://")) else ""
    base = page_url or canonical
    site = first_text(name_of(ld.get("publisher")), meta.get("og:site_name"),
                      meta.get("application-name"), urlsplit(canonical).hostname or "")
    title = _title(tree, meta, ld, site, urlsplit(canonical).hostname or "")
    xml = trafilatura.extract(html, url=base or None, output_format="xml",
                              include_formatting=True, include_links=True,
                              include_tables=True, include_images=True,
                              include_comments=False)
    if not xml:
        raise Refused("no article text found in this page: is it a story, or a list of them?")
    from lxml import etree

    root = etree.fromstring(xml.encode("utf-8"))
    body_root = root.find("main")
    blocks = blocks_from_xml(body_root if body_root is not None else root, base)
    image = lead_image(tree, meta, ld, base, folder)
    # the lead image is in the front matter; the story's other pictures stay in its body
    # (so is a picture before the story's first paragraph: the lead in another size)
    leads = (image.src, str(image.local or "")) if image else ()
    blocks = [b for i, b in enumerate(blocks) if b.kind != "image" or not image or not (
        any(same_image(_image_src(b), lead) for lead in leads)
        or not any(x.kind == "p" for x in blocks[:i]))]
    blocks = _with_captions(blocks, tree)
    topic = first_text(meta.get("article:section"), text_of(ld.get("articleSection")),
                       *(a.text_content() for a in tree.xpath('//a[contains(@rel, "category")]')))
    summary = first_text(meta.get("description"), meta.get("og:description"),
                         text_of(ld.get("description")))
    known = {title, topic} | _decks(tree)
    if image:
        known |= {image.caption, image.credit, f"{image.caption} {image.credit}"}
    story = sort_story(blocks, known)
    prose = sum(words(b.text) for b in story.blocks if b.kind in ("p", "quote"))
    sentences = [b for b in story.blocks if b.kind in ("p", "quote") and words(b.text) >= 12
                 and re.search(r"[.!?…:\"“”’»«)]$", b.text)]
    if prose < 40 or not sentences or _link_share(tree) > 0.5 and _linked(story.blocks) > 0.3:
        raise Refused("no article text found in this page: is it a story, or a list of them?")

    published, updated = _dates(tree, meta, ld)
    published = _better(published, story.published)
    updated = _better(updated, story.updated)
    if published is None and updated is None:
        published = _htmldate(html, base)
    authors = (_ld_authors(ld) or _meta_authors(tree, meta) or tuple(story.authors)
               or tuple(story.bio_authors))
    summary = summary or first_text(*sorted(_decks(tree) - {topic}, key=len, reverse=True))
    tags = _tags(meta, ld, tree)
    body = trim_edges(story.blocks, set(authors))
    return Clipping(
        origin=origin, title=title, body=join_blocks(body), date=published,
        updated=updated, authors=tuple(dict.fromkeys(authors)), note=" ".join(story.notes),
        source_name=site if canonical else "", source_url=canonical, summary=summary,
        topic=topic, tags=tags, image=image,
        sections=tuple(sorted(text for text in _decks(tree) if words(text) <= 3)))


def _htmldate(html: str, url: str) -> Moment | None:
    """htmldate's reading of the page's date, a day alone. Its extensive search, which
    falls back on a copyright year as 1 January, is left out: a guess is no date."""
    import htmldate

    try:
        day = htmldate.find_date(html, url=url or None, extensive_search=False,
                                 original_date=True, outputformat="%Y-%m-%d")
    except Exception:  # noqa: BLE001 - htmldate's own failure on odd markup: no date
        return None
    moment = parse_moment(day) if day else None
    return Moment(moment.when, False) if moment else None


_SAVED_FROM = re.compile(r"<!--\s*saved from url=\(\d+\)(https?://[^\s>]+?)\s*-->")
# Classes of the lines around a headline: the kicker above it, the deck (standfirst) below.
_DECK = re.compile(r"\b(?:dek|deck|standfirst|sub-?title|subhead(?:line)?|strapline|kicker|"
                   r"eyebrow|overline|teaser|lede-?sub|article-?summary)\b", re.IGNORECASE)


def _with_captions(blocks: list[Block], tree) -> list[Block]:
    """The story's pictures with the captions the extractor leaves out, as a line in
    italics under each."""
    figures = {}
    for element in tree.iter("img"):
        figure = figure_of(element)
        if figure is not None:
            for key in image_keys(element.get("src") or element.get("data-src") or ""):
                figures.setdefault(key, figure)
    found: list[Block] = []
    shown: set[str] = set()  # captions given under a picture: not again as a paragraph
    for block in blocks:
        if block.kind == "p" and normal(block.text) in shown:
            continue
        found.append(block)
        keys = image_keys(_image_src(block)) if block.kind == "image" else frozenset()
        figure = next((figures[key] for key in sorted(keys) if key in figures), None)
        if figure is not None:
            caption, credit = caption_of(figure)
            line = " ".join(part for part in (caption, f"({credit})" if credit else "") if part)
            if line:
                found.append(Block(f"*{escape(line)}*", line, "caption"))
                shown |= {normal(caption), normal(credit), normal(f"{caption} {credit}")} - {""}
    return found


def _image_src(block) -> str:
    match = re.search(r"\]\(([^)]+)\)$", block.markdown)
    return match.group(1) if match else ""


def _decks(tree) -> set[str]:
    """The texts of the page's kicker and deck: shown with the headline, not the story."""
    found = set()
    for element in tree.iter(*_BLOCKS, "h2", "h3"):
        if _DECK.search(element.get("class") or ""):
            text = " ".join(element.text_content().split())
            if text and words(text) <= 60:
                found.add(text)
    return found


_LINK = re.compile(r"\[([^\]]*)\]\([^)]*\)")


def _linked(blocks: list[Block]) -> float:
    """How much of the extracted text is links."""
    text = " ".join(b.markdown for b in blocks)
    total = words(_LINK.sub(r"\1", text))
    return sum(words(m.group(1)) for m in _LINK.finditer(text)) / total if total else 1.0


def _link_share(tree) -> float:
    """How much of the page's text is links: most of it on a list of stories, little in
    a story."""
    total = linked = 0
    for element in tree.iter("p", "li", "a", "td", "dd", "h2", "h3", "div", "span"):
        if any(parent.tag in ("nav", "header", "footer", "script", "style")
               for parent in element.iterancestors()):
            continue
        own = words(" ".join([element.text or ""]))
        total += own
        if element.tag == "a" or any(parent.tag == "a" for parent in element.iterancestors()):
            linked += own
        for child in element:
            total += words(child.tail or "")
    return linked / total if total else 1.0





def _metadata(tree) -> dict[str, str]:
    found: dict[str, str] = {}
    for element in tree.iter("meta"):
        key = (element.get("property") or element.get("name") or element.get("itemprop")
               or "").strip().lower()
        value = element.get("content")
        if key and value and value.strip():
            if key == "article:tag":
                found[key] = found.get(key, "") + "\n" + value.strip()
            else:
                found.setdefault(key, value.strip())
    return found


def _link(tree, rel: str) -> str:
    for element in tree.iter("link"):
        if rel in (element.get("rel") or "").lower().split() and element.get("href"):
            return element.get("href").strip()
    return ""


def _json_ld(tree) -> dict:
    """The page's article in JSON-LD (NewsArticle, Article, BlogPosting, ...), or {}."""
    for script in tree.iter("script"):
        if "ld+json" not in (script.get("type") or ""):
            continue
        try:
            data = json.loads(script.text or "")
        except ValueError:
            continue
        stack = [data]
        while stack:
            item = stack.pop(0)
            if isinstance(item, list):
                stack.extend(item)
            elif isinstance(item, dict):
                kind = item.get("@type")
                kinds = kind if isinstance(kind, list) else [kind]
                if any(isinstance(k, str) and (k.endswith("Article") or k in (
                        "BlogPosting", "Report", "LiveBlogPosting")) for k in kinds):
                    return item
                stack.extend(v for v in item.values() if isinstance(v, (list, dict)))
    return {}


def _title(tree, meta: dict, ld: dict, site: str, host: str) -> str:
    heading = tree.find(".//h1")
    page = tree.find(".//title")
    title = first_text(text_of(ld.get("headline")), meta.get("og:title"),
                       meta.get("twitter:title"),
                       heading.text_content() if heading is not None else "",
                       page.text_content() if page is not None else "")
    # "Headline : Site", "Headline | Site", "Site - Headline", "Headline | DW | 19.01.2020"
    host = host.casefold().removeprefix("www.")
    names = {site.casefold(), site.casefold().split(".")[0], host, host.split(".")[0]} - {""}
    for sep in (" : ", " | ", " – ", " — ", " - "):
        parts = title.split(sep)
        while len(parts) > 1 and _is_furniture(parts[-1], names):
            parts.pop()
        while len(parts) > 1 and parts[0].strip().casefold() in names:
            parts.pop(0)
        title = sep.join(parts)
    if re.search(r"&(?:#\d+|#x[0-9a-f]+|[a-z]+);", title, re.IGNORECASE):
        title = unescape(title)  # encoded twice by the page: "&#8216;" in og:title
    return " ".join(title.split())


def _is_furniture(part: str, names: set[str]) -> bool:
    """A piece of a page's <title> that names the site or the day, not the story."""
    part = part.strip()
    moment = find_moment(part)
    return part.casefold() in names or bool(moment) and words(part) <= 4


def _better(first: Moment | None, second: Moment | None) -> Moment | None:
    """Of two readings of one date, the one that knows more (a time, an offset)."""
    def rank(moment: Moment | None) -> int:
        if moment is None:
            return -1
        return moment.has_time + (moment.when.tzinfo is not None)
    if second is not None and first is not None and second.when.date() != first.when.date():
        return first  # another day is another story's: a teaser, a related link
    return second if rank(second) > rank(first) else first


def _dates(tree, meta: dict, ld: dict) -> tuple[Moment | None, Moment | None]:
    published = updated = None
    for value in (text_of(ld.get("datePublished")), meta.get("article:published_time"),
                  meta.get("og:article:published_time"), meta.get("datepublished"),
                  meta.get("pubdate"), meta.get("date"), meta.get("dc.date"),
                  meta.get("dc.date.issued"), meta.get("publish-date"),
                  meta.get("parsely-pub-date"), meta.get("sailthru.date")):
        if value and published is None:
            published = parse_moment(value)
    for value in (text_of(ld.get("dateModified")), meta.get("article:modified_time"),
                  meta.get("og:updated_time"), meta.get("datemodified"),
                  meta.get("last-modified")):
        if value and updated is None:
            updated = parse_moment(value)
    for element in tree.iter("time"):
        moment = parse_moment(element.get("datetime") or "") if element.get("datetime") else None
        if moment is None:
            continue
        label = " ".join([element.text_content(), element.getparent().text_content()
                          if element.getparent() is not None else ""])
        classes = element.get("class") or ""
        if re.search(r"\b(?:updated|modified)\b", classes, re.IGNORECASE) or (
                re.search(r"\b(?:updated|modified)\b", label, re.IGNORECASE)
                and "published" not in classes):
            updated = _better(updated, moment)
        elif published is None or published.when.date() == moment.when.date():
            published = _better(published, moment)
    for element in tree.iter(*_BLOCKS):  # "Updated March 10, 2026 at 4:12 PM ET"
        text = element.text_content()
        if not text or len(text) > 160:
            continue
        for kind, moment in stamps(text):
            # "Updated" in a box around a bare time: <div>Updated <span>11:34 AM ...</span>
            context = " ".join(a.text_content() for a in list(element.iterancestors())[:2]
                               if len(a.text_content()) < 200)
            if not re.match(r"\s*(?:published|posted)", text, re.I) and re.search(
                    r"\b(?:updated|modified)\b", context, re.IGNORECASE):
                kind = "updated"
            if kind == "updated":
                updated = _better(updated, moment)
            else:
                published = _better(published, moment)
    if updated and published and updated.when.date() < published.when.date():
        updated = None
    # A page gives its times in one zone: a time without one takes the other's.
    if published and updated and (published.when.tzinfo is None) != (updated.when.tzinfo is None):
        zone = published.when.tzinfo or updated.when.tzinfo
        published, updated = (Moment(m.when if m.when.tzinfo else m.when.replace(tzinfo=zone),
                                     m.has_time) for m in (published, updated))
    return published, updated


def _ld_authors(ld: dict) -> tuple[str, ...]:
    value = ld.get("author") or ld.get("creator")
    values = value if isinstance(value, list) else [value] if value else []
    names = []
    for item in values:
        name = name_of(item)
        if name and not (isinstance(item, dict) and item.get("@type") == "Organization"):
            names.extend(split_names(name) or [name])
    return tuple(names)


def _meta_authors(tree, meta: dict) -> tuple[str, ...]:
    for element in tree.xpath('//*[@rel="author" or @itemprop="author" or contains(@class, '
                              '"byline") or contains(@class, "author-name")]'):
        text = " ".join(element.text_content().split())
        names = byline_names(text) or (split_names(text) if words(text) <= 8 else ())
        if names:
            return names
    name = meta.get("author") or meta.get("article:author") or ""
    if not name or name.startswith("http"):
        return ()
    return byline_names(name) or split_names(name)


def _tags(meta: dict, ld: dict, tree) -> tuple[str, ...]:
    tags = [t for t in meta.get("article:tag", "").split("\n") if t.strip()]
    if not tags:
        keywords = ld.get("keywords") or meta.get("news_keywords") or meta.get("keywords") or ""
        tags = keywords if isinstance(keywords, list) else keywords.split(",")
    if not any(isinstance(t, str) and t.strip() for t in tags):
        tags = [a.text_content() for a in tree.xpath('//a[contains(concat(" ", @rel, " "), '
                                                     '" tag ") and not(contains(@rel, '
                                                     '"category"))]')]
    return tuple(dict.fromkeys(" ".join(t.split()) for t in tags
                               if isinstance(t, str) and t.strip() and len(t) < 60))
