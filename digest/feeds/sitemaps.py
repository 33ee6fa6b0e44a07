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


# What the sitemaps protocol lets one file hold; search engines refuse a larger one. A site
# with more pages has sitemap.xml list the sitemaps that hold them (a sitemap index).
SITEMAP_URLS = 50_000
SITEMAP_BYTES = 50 * 1024 * 1024
_URLSET = ('<?xml version="1.0" encoding="utf-8"?>\n'
           '<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">\n')


def sitemap_files(config: Config, pages: list[Page], entries: list[str] | None = None,
                  urls: int | None = None, size: int | None = None) -> dict[str, bytes]:
    """sitemap.xml: every page but 404.html, with the article's last change where there is
    one. Beyond `urls` pages or `size` bytes, sitemap.xml is an index of sitemap-1.xml,
    sitemap-2.xml and on, which hold the pages in order: `urls` each, the last fewer, and
    any that would pass `size` cut in halves until each fits.
    `entries`: each page's `sitemap_entry`, when they are known already. `urls` and `size`
    are the protocol's limits unless given."""
    urls, size = urls or SITEMAP_URLS, size or SITEMAP_BYTES
    if entries is None:
        entries = [sitemap_entry(config, page) for page in pages]
    entries = [entry for entry in entries if entry]
    runs = [data for start in range(0, len(entries) or 1, urls)
            for data in _fitting(entries[start:start + urls], size)]
    if len(runs) == 1:
        return {"sitemap.xml": runs[0]}
    files = {f"sitemap-{number}.xml": data for number, data in enumerate(runs, start=1)}
    listed = "".join(f"<sitemap><loc>{xml_text(absolute_url(config, config.base_path + name))}"
                     "</loc></sitemap>\n" for name in files)
    index = ('<?xml version="1.0" encoding="utf-8"?>\n'
             '<sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">\n'
             f"{listed}</sitemapindex>\n").encode("utf-8")
    return {"sitemap.xml": index, **files}


def _urlset(entries: list[str]) -> bytes:
    return "".join([_URLSET, *entries, "</urlset>\n"]).encode("utf-8")


def _fitting(entries: list[str], size: int) -> list[bytes]:
    """The sitemaps of `entries`, in order: one, or halves of them until each is at most
    `size` bytes (an entry alone, or none, always makes a sitemap)."""
    data = _urlset(entries)
    if len(data) <= size or len(entries) <= 1:
        return [data]
    half = len(entries) // 2
    return _fitting(entries[:half], size) + _fitting(entries[half:], size)


def sitemap_entry(config: Config, page: Page) -> str:
    if page.template == "404.html" or not page.output.endswith(".html"):
        return ""  # the 404 page, and the feeds' stylesheet
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
