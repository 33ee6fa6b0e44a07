"""RSS 2.0, as the W3C feed validator wants it."""

from __future__ import annotations

import html
from datetime import datetime
from email.utils import format_datetime

from .model import Feed, FeedItem
from .text import xml_text

# Media RSS: the one way to name an image in RSS 2.0 without knowing its size in bytes,
# which <enclosure> requires.
MEDIA_RSS = "http://search.yahoo.com/mrss/"


def rfc822(moment: datetime) -> str:
    return format_datetime(moment)


def html_text(text: str) -> str:
    """Plain text for an element that RSS readers take as HTML (<description>)."""
    return xml_text(html.escape(text, quote=False))


def content_html(item: FeedItem) -> str:
    """The article's HTML, closed by a paragraph that names its source. RSS has no element
    for the story an item is based on (<source> names the feed an item came from)."""
    if not item.source_url:
        return item.content
    link = (f'<a href="{html.escape(item.source_url)}">'
            f"{html.escape(item.source_name, quote=False)}</a>")
    return f"{item.content}\n<p>Source: {link}</p>"


def rss_feed(feed: Feed) -> bytes:
    """Summary in <description>; the full article, when there is one, in content:encoded;
    the lead image as Media RSS."""
    home, self_url = xml_text(feed.home), xml_text(feed.urls["RSS"])
    out = [
        '<?xml version="1.0" encoding="utf-8"?>\n',
        f'<?xml-stylesheet type="text/xsl" href="{xml_text(feed.stylesheet)}"?>\n',
        '<rss version="2.0" xmlns:atom="http://www.w3.org/2005/Atom" '
        'xmlns:content="http://purl.org/rss/1.0/modules/content/" '
        'xmlns:dc="http://purl.org/dc/elements/1.1/" '
        f'xmlns:media="{MEDIA_RSS}">\n<channel>\n',
        f"<title>{xml_text(feed.title)}</title>\n",
        f"<link>{home}</link>\n",
        f"<description>{html_text(feed.description)}</description>\n",
        f"<language>{xml_text(feed.language)}</language>\n",
        f'<atom:link href="{self_url}" rel="self" type="application/rss+xml"/>\n',
        "<generator>digest</generator>\n",
    ]
    if feed.items:
        out.append(f"<lastBuildDate>{rfc822(feed.updated)}</lastBuildDate>\n")
    for item in feed.items:
        url = xml_text(item.url)
        out.append("<item>\n")
        out.append(f"<title>{xml_text(item.title)}</title>\n")
        out.append(f"<link>{url}</link>\n")
        out.append(f'<guid isPermaLink="true">{url}</guid>\n')
        out.append(f"<pubDate>{rfc822(item.published)}</pubDate>\n")
        for author in item.authors:
            out.append(f"<dc:creator>{xml_text(author)}</dc:creator>\n")
        for category in item.categories:
            out.append(f"<category>{xml_text(category)}</category>\n")
        out.append(f"<description>{html_text(item.summary)}</description>\n")
        if item.content:
            out.append(f"<content:encoded>{xml_text(content_html(item))}</content:encoded>\n")
        if item.image:
            kind = f' type="{xml_text(item.image_type)}"' if item.image_type else ""
            notes = "".join((
                f'<media:description type="plain">{xml_text(item.image_caption)}'
                "</media:description>" if item.image_caption else "",
                f"<media:credit>{xml_text(item.image_credit)}</media:credit>"
                if item.image_credit else ""))
            out.append(f'<media:content url="{xml_text(item.image)}" medium="image"{kind}'
                       + (f">{notes}</media:content>\n" if notes else "/>\n"))
        out.append("</item>\n")
    out.append("</channel>\n</rss>\n")
    return "".join(out).encode("utf-8")
