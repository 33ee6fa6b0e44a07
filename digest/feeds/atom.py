"""Atom 1.0 (RFC 4287)."""

from __future__ import annotations

from .model import Feed
from .text import xml_text


def atom_feed(feed: Feed) -> bytes:
    home, self_url = xml_text(feed.home), xml_text(feed.urls["Atom"])
    out = [
        '<?xml version="1.0" encoding="utf-8"?>\n',
        f'<?xml-stylesheet type="text/xsl" href="{xml_text(feed.stylesheet)}"?>\n',
        f'<feed xmlns="http://www.w3.org/2005/Atom" xml:lang="{xml_text(feed.language)}">\n',
        f"<id>{self_url}</id>\n",
        f"<title>{xml_text(feed.title)}</title>\n",
        f"<subtitle>{xml_text(feed.description)}</subtitle>\n",
        f'<link rel="self" type="application/atom+xml" href="{self_url}"/>\n',
        f'<link rel="alternate" type="text/html" href="{home}"/>\n',
        f"<updated>{feed.updated.isoformat()}</updated>\n",
        f"<author><name>{xml_text(feed.author)}</name></author>\n",
        "<generator>digest</generator>\n",
    ]
    for item in feed.items:
        url = xml_text(item.url)
        out.append("<entry>\n")
        out.append(f"<id>{url}</id>\n")
        out.append(f"<title>{xml_text(item.title)}</title>\n")
        out.append(f'<link rel="alternate" type="text/html" href="{url}"/>\n')
        if item.image:
            kind = f' type="{xml_text(item.image_type)}"' if item.image_type else ""
            out.append(f'<link rel="enclosure"{kind} href="{xml_text(item.image)}"/>\n')
        if item.source_url:
            out.append(f'<link rel="via" href="{xml_text(item.source_url)}"/>\n')
        out.append(f"<published>{item.published.isoformat()}</published>\n")
        out.append(f"<updated>{item.updated.isoformat()}</updated>\n")
        for author in item.authors:
            out.append(f"<author><name>{xml_text(author)}</name></author>\n")
        for category in item.categories:
            out.append(f'<category term="{xml_text(category)}"/>\n')
        if item.summary:
            out.append(f"<summary>{xml_text(item.summary)}</summary>\n")
        if item.content:
            out.append(f'<content type="html">{xml_text(item.content)}</content>\n')
        out.append("</entry>\n")
    out.append("</feed>\n")
    return "".join(out).encode("utf-8")
