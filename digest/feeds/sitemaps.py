"""sitemap.xml, the Google News sitemap and robots.txt."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta

from ..config import Config
from ..model import Article
from ..pages import Page
from .text import absolute_url, xml_text

# Google News wants the articles of the last two days, at most 1,000 of them.
NEWS_WINDOW = timedelta(days=2)
NEWS_LIMIT = 1000


def sitemap(config: Config, pages: list[Page], memo: dict | None = None) -> bytes:
    """Every page but 404.html, with the article's last change where there is one.

    With `memo` (by page identity, kept between the dev server's rebuilds), the entry of a
    page seen before is not made again."""
    known = memo if memo is not None else {}
    out = ['<?xml version="1.0" encoding="utf-8"?>\n'
           '<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">\n']
    for page in pages:
        entry = known.get(id(page))
        if entry is None or entry[0] is not page:
            entry = known[id(page)] = (page, _entry(config, page))
        out.append(entry[1])
    out.append("</urlset>\n")
    if len(known) > 2 * len(pages) + 1000:  # forget the pages gone
        current = {id(page): known[id(page)] for page in pages}
        known.clear()
        known.update(current)
    return "".join(out).encode("utf-8")


def _entry(config: Config, page: Page) -> str:
    if page.template == "404.html":
        return ""
    article = page.context.get("article")
    lastmod = ("" if article is None else
               f"<lastmod>{(article.updated or article.date).isoformat()}</lastmod>")
    return f"<url><loc>{xml_text(absolute_url(config, page.url))}</loc>{lastmod}</url>\n"


def news_sitemap(config: Config, articles: Iterable[Article], now: datetime) -> bytes:
    """The articles published in the two days up to `now` (the build time), newest first,
    from `articles` sorted newest first."""
    name, language = xml_text(config.title), xml_text(news_language(config.language))
    start, end = (now - NEWS_WINDOW).timestamp(), now.timestamp()
    recent = []
    for article in articles:
        if article.stamp < start or len(recent) == NEWS_LIMIT:
            break  # older ones follow
        if article.stamp <= end:
            recent.append(article)
    out = ['<?xml version="1.0" encoding="utf-8"?>\n'
           '<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9" '
           'xmlns:news="http://www.google.com/schemas/sitemap-news/0.9">\n']
    for article in recent:
        out.append(
            f"<url><loc>{xml_text(absolute_url(config, article.url))}</loc>"
            "<news:news><news:publication>"
            f"<news:name>{name}</news:name><news:language>{language}</news:language>"
            "</news:publication>"
            f"<news:publication_date>{article.date.isoformat()}</news:publication_date>"
            f"<news:title>{xml_text(article.title)}</news:title>"
            "</news:news></url>\n")
    out.append("</urlset>\n")
    return "".join(out).encode("utf-8")


def news_language(tag: str) -> str:
    """Google News wants an ISO 639 code: 'en' for en-GB, but zh-cn and zh-tw as they are."""
    tag = tag.lower()
    if tag.startswith("zh-"):
        return "zh-tw" if tag.split("-")[1] in ("tw", "hk", "hant", "mo") else "zh-cn"
    return tag.split("-")[0]


def robots_txt(config: Config) -> bytes:
    """Everything may be crawled; both sitemaps are named."""
    return (
        "User-agent: *\n"
        "Allow: /\n"
        "\n"
        f"Sitemap: {absolute_url(config, config.base_path + 'sitemap.xml')}\n"
        f"Sitemap: {absolute_url(config, config.base_path + 'news-sitemap.xml')}\n"
    ).encode("utf-8")
