"""RSS 2.0 feeds and the sitemap: model in, XML bytes out."""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import datetime
from email.utils import format_datetime
from urllib.parse import quote

from .config import Config
from .model import Article
from .pages import FeedLink, Page, site_feed, topic_feed
from .site import Site

_INVALID_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
_ROOT_LINK = re.compile(r'(<(?:a|img)\b[^>]*?\s(?:href|src)=")/(?!/)')
_FRAGMENT_LINK = re.compile(r'(<a\b[^>]*?\shref=")#')


def feed_files(config: Config, site: Site, pages: list[Page]) -> dict[str, bytes]:
    """Every feed of the site and the sitemap, by path in the output."""
    main = site_feed(config)
    files = {"feed.xml": rss_feed(config, main, config.base_path, config.description,
                                  site.articles)}
    for topic in site.topics:
        feed = topic_feed(config, topic)
        files[feed.url.removeprefix(config.base_path)] = rss_feed(
            config, feed, topic.url, topic.description or f"{topic.name} from {config.title}",
            topic.articles)
    files["sitemap.xml"] = sitemap(config, pages)
    return files


def xml_text(text: str) -> str:
    text = _INVALID_XML.sub("", text)
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace(
        '"', "&quot;")


def absolute_url(config: Config, url: str) -> str:
    """An absolute, ASCII-only URL (feeds and sitemaps want URIs, not IRIs)."""
    if not url.startswith(("http://", "https://")):
        url = config.site_root + url
    return quote(url, safe=":/?#[]@!$&'()*+,;=%~")


def absolute_html(config: Config, html: str, page_url: str) -> str:
    """Article HTML for use outside the site: site-root and in-page links made absolute."""
    html = _ROOT_LINK.sub(lambda m: m.group(1) + config.site_root + "/", html)
    return _FRAGMENT_LINK.sub(lambda m: m.group(1) + page_url + "#", html)


def rfc822(moment: datetime) -> str:
    return format_datetime(moment)


def rss_feed(config: Config, feed: FeedLink, link: str, description: str,
             articles: Iterable[Article]) -> bytes:
    """The newest `feed_items` articles as RSS 2.0 with full content."""
    items = list(articles)[:config.feed_items]
    out = [
        '<?xml version="1.0" encoding="utf-8"?>\n',
        '<rss version="2.0" xmlns:atom="http://www.w3.org/2005/Atom" '
        'xmlns:content="http://purl.org/rss/1.0/modules/content/" '
        'xmlns:dc="http://purl.org/dc/elements/1.1/">\n<channel>\n',
        f"<title>{xml_text(feed.title)}</title>\n",
        f"<link>{absolute_url(config, link)}</link>\n",
        f"<description>{xml_text(description or feed.title)}</description>\n",
        f"<language>{xml_text(config.language)}</language>\n",
        f'<atom:link href="{absolute_url(config, feed.url)}" rel="self" '
        'type="application/rss+xml"/>\n',
        "<generator>digest</generator>\n",
    ]
    if items:
        newest = max(max(a.date, a.updated or a.date) for a in items)
        out.append(f"<lastBuildDate>{rfc822(newest)}</lastBuildDate>\n")
    for article in items:
        url = absolute_url(config, article.url)
        out.append("<item>\n")
        out.append(f"<title>{xml_text(article.title)}</title>\n")
        out.append(f"<link>{url}</link>\n")
        out.append(f'<guid isPermaLink="true">{url}</guid>\n')
        out.append(f"<pubDate>{rfc822(article.date)}</pubDate>\n")
        for author in article.authors:
            out.append(f"<dc:creator>{xml_text(author)}</dc:creator>\n")
        for label in (article.topic, *article.tags):
            out.append(f"<category>{xml_text(label.name)}</category>\n")
        out.append(f"<description>{xml_text(article.summary)}</description>\n")
        body = absolute_html(config, article.body, url)
        out.append(f"<content:encoded>{xml_text(body)}</content:encoded>\n")
        out.append("</item>\n")
    out.append("</channel>\n</rss>\n")
    return "".join(out).encode("utf-8")


def sitemap(config: Config, pages: Iterable[Page]) -> bytes:
    out = ['<?xml version="1.0" encoding="utf-8"?>\n'
           '<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">\n']
    for page in pages:
        if page.template == "404.html":
            continue
        out.append(f"<url><loc>{xml_text(absolute_url(config, page.url))}</loc>")
        article = page.context.get("article")
        if article is not None:
            out.append(f"<lastmod>{(article.updated or article.date).isoformat()}</lastmod>")
        out.append("</url>\n")
    out.append("</urlset>\n")
    return "".join(out).encode("utf-8")
