"""Feed files: every item of an RSS, Atom (by feedparser) or JSON Feed becomes a story."""

from __future__ import annotations

import json
import re

from .chrome import split_names, words
from .clipping import Clipping, LeadImage, Refused
from .dates import Moment, parse_moment
from .markdown import blocks_from_html, join_blocks
from .story import sort_story, trim_edges


def looks_like_feed(text: str) -> bool:
    head = text.lstrip()[:2000]
    if head.startswith("{"):
        return "jsonfeed.org/version" in head
    return bool(re.search(r"<(?:rss|feed|rdf:RDF)\b", head))


def read_feed(text: str, origin: str) -> list[Clipping | Refused]:
    """One story per item; an item that gives none is a Refused in its place."""
    if text.lstrip().startswith("{"):
        return _json_feed(text, origin)
    import feedparser

    parsed = feedparser.parse(text)
    if not parsed.entries and parsed.get("bozo"):
        raise Refused(f"not a feed that can be read ({parsed.get('bozo_exception')})")
    site = " ".join(parsed.feed.get("title", "").split())
    feed_author = parsed.feed.get("author", "")
    captions = _media_descriptions(text, len(parsed.entries))
    found: list[Clipping | Refused] = []
    for number, entry in enumerate(parsed.entries, start=1):
        html = ""
        if entry.get("content"):
            best = max(entry.content, key=lambda c: len(c.get("value", "")))
            html = best.get("value", "")
            if best.get("type") == "text/plain":  # paragraphs between blank lines
                html = "".join(f"<p>{_html_escape(part)}</p>" for part in html.split("\n\n"))
        summary_html = entry.get("summary", "")
        html = html or summary_html
        image = _entry_image(entry, captions[number - 1])
        authors = [a.get("name", "") for a in entry.get("authors", []) if a.get("name")]
        if not authors and entry.get("author"):
            authors = [entry.author]
        authors = authors or ([feed_author] if feed_author else [])
        found.append(_item(
            origin=f"{origin} (item {number})", title=entry.get("title", ""), html=html,
            summary_html=summary_html if html != summary_html else "",
            # dict.get: feedparser's own get answers "updated" with the published date
            published=dict.get(entry, "published") or dict.get(entry, "created"),
            updated=dict.get(entry, "updated"), authors=authors, link=entry.get("link", ""),
            site=site, tags=[t.get("term", "") for t in entry.get("tags", [])], image=image))
    return found


def _media_descriptions(text: str, count: int) -> list[str]:
    """Each item's Media RSS <media:description> (the image's caption), which feedparser
    does not keep; "" for items without one."""
    found = [""] * count
    if "search.yahoo.com/mrss" not in text:
        return found
    from lxml import etree

    try:
        root = etree.fromstring(text.encode("utf-8"), etree.XMLParser(
            recover=True, resolve_entities=False, no_network=True))
    except etree.XMLSyntaxError:
        return found
    if root is None:
        return found
    items = [e for e in root.iter() if isinstance(e.tag, str)
             and etree.QName(e).localname in ("item", "entry")]
    if len(items) != count:
        return found
    for index, item in enumerate(items):
        for element in item.iter("{http://search.yahoo.com/mrss/}description"):
            found[index] = " ".join("".join(element.itertext()).split())
            break
    return found


def _entry_image(entry, caption: str = "") -> LeadImage | None:
    credit = ""
    for item in entry.get("media_credit", []) or []:
        credit = credit or " ".join((item.get("content") or "").split())
    for item in (entry.get("media_content", []) or []) + (entry.get("media_thumbnail", []) or []):
        url = item.get("url", "")
        if url.startswith(("http://", "https://")) and item.get("medium", "image") == "image":
            return LeadImage(url, caption, caption, credit)
    for link in entry.get("links", []):
        if link.get("rel") == "enclosure" and link.get("type", "").startswith("image/"):
            return LeadImage(link.get("href", ""), caption, caption, credit)
    return None


def _json_feed(text: str, origin: str) -> list[Clipping | Refused]:
    try:
        data = json.loads(text)
    except ValueError as err:
        raise Refused(f"not a JSON Feed ({err})") from None
    if not isinstance(data, dict) or not isinstance(data.get("items"), list):
        raise Refused("not a JSON Feed: it has no items")
    site = str(data.get("title", ""))
    found: list[Clipping | Refused] = []
    for number, item in enumerate(data["items"], start=1):
        if not isinstance(item, dict):
            found.append(Refused("not an item", f"{origin} (item {number})"))
            continue
        html = item.get("content_html") or ""
        if not html and item.get("content_text"):
            html = "".join(f"<p>{_html_escape(p)}</p>"
                           for p in str(item["content_text"]).split("\n\n"))
        authors = [a.get("name", "") for a in item.get("authors", []) or []
                   if isinstance(a, dict)] or ([item["author"].get("name", "")]
                                               if isinstance(item.get("author"), dict) else [])
        notes = item.get("_image") if isinstance(item.get("_image"), dict) else {}
        image = LeadImage(item["image"], "", str(notes.get("caption", "")),
                          str(notes.get("credit", ""))) \
            if str(item.get("image", "")).startswith(("http://", "https://")) else None
        found.append(_item(
            origin=f"{origin} (item {number})", title=str(item.get("title", "")), html=html,
            summary_html=_html_escape(str(item.get("summary", ""))),
            published=item.get("date_published"), updated=item.get("date_modified"),
            authors=authors, link=str(item.get("external_url") or item.get("url") or ""),
            site=site, tags=[str(t) for t in item.get("tags", []) or []], image=image))
    return found


def _html_escape(text: str) -> str:
    from html import escape as html_escape

    return html_escape(text)


def _item(origin: str, title: str, html: str, summary_html: str, published, updated,
          authors: list[str], link: str, site: str, tags: list[str],
          image: LeadImage | None) -> Clipping | Refused:
    import lxml.html

    title = " ".join(title.split())
    blocks = blocks_from_html(html, link) if html.strip() else []
    story = sort_story(blocks, {title})
    if not title:
        return Refused("the item has no title", origin)
    if not story.blocks:
        return Refused("the item has no text", origin)
    summary = ""
    if summary_html.strip():
        try:
            summary = " ".join(lxml.html.fragment_fromstring(
                summary_html, create_parent="div").text_content().split())
        except Exception:  # noqa: BLE001 - a summary that is not HTML is left out
            summary = ""
    names: list[str] = []
    for author in authors:  # "ana@example.org (Ana Ruiz)" in RSS, a plain name elsewhere
        match = re.search(r"\(([^)]+)\)", author)
        author = match.group(1) if match else author
        names.extend(split_names(author) or ([author.strip()] if author.strip()
                                             and "@" not in author else []))
    date = _moment(published)
    return Clipping(
        origin=origin, title=title, body=join_blocks(trim_edges(story.blocks, set(names))),
        date=date or story.published,
        updated=_moment(updated), authors=tuple(dict.fromkeys(names or story.authors)),
        note=" ".join(story.notes), source_name=site if link else "",
        source_url=link if link.startswith(("http://", "https://")) else "",
        summary=summary if words(summary) <= 80 else "",
        tags=tuple(dict.fromkeys(" ".join(t.split()) for t in tags if t.strip())), image=image)


def _moment(value) -> Moment | None:
    return parse_moment(value) if isinstance(value, str) and value.strip() else None
