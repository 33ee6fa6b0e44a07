"""Feeds and sitemaps: the model in, file bytes out.

Every feed (the site's, each topic's, each tag's) is made once as a `Feed` of
`FeedItem`s, then written as RSS 2.0, Atom 1.0 and JSON Feed 1.1 from that one
model, so the three formats always agree.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from ..config import Config
from ..model import Article
from ..pages import Page, site_feeds, tag_feeds, topic_feeds
from ..site import Site
from .atom import atom_feed
from .jsonfeed import json_feed
from .model import NO_TIME, FeedItem, feed_item, make_feed
from .rss import rss_feed
from .sitemaps import news_sitemap, robots_txt, sitemap

_WRITERS = {"RSS": rss_feed, "Atom": atom_feed, "JSON Feed": json_feed}


def feed_files(config: Config, site: Site, pages: list[Page], now: datetime | None = None,
               fingerprint: Callable[..., str] | None = None,
               reuse: Callable[[str, str], object] | None = None,
               keys: dict[str, str] | None = None,
               sitemap_memo: dict | None = None) -> dict[str, object]:
    """Every feed in every format, the sitemaps and robots.txt, by path in the output.

    `now` is the build time, which decides what the news sitemap holds; without it,
    the time of the newest article. With `fingerprint`, each feed file's fingerprint goes
    into `keys` (by path), and `reuse(path, fingerprint)` may give what to write instead of
    making the feed again (the bytes or the file from the last build).
    """
    items: dict[str, FeedItem] = {}  # by URL: an article is in several feeds

    def item_of(article: Article) -> FeedItem:
        if article.url not in items:
            items[article.url] = feed_item(config, article)
        return items[article.url]

    sources = [(site_feeds(config), config.base_path, config.description, site.articles)]
    for topic in site.topics:
        sources.append((topic_feeds(config, topic), topic.url,
                        topic.description or f"{topic.name} from {config.title}",
                        topic.articles))
    for tag in site.tags:
        sources.append((tag_feeds(config, tag), tag.url,
                        f"Articles tagged “{tag.name}” in {config.title}", tag.articles))
    files: dict[str, object] = {}
    for links, home, description, articles in sources:
        newest = articles[:config.feed_items]
        key = fingerprint("feed", links, home, description, newest) if fingerprint else ""
        feed = None
        for link in links:
            name = link.url.removeprefix(config.base_path)
            data = reuse(name, key) if key and reuse else None
            if data is None:
                feed = feed or make_feed(config, links, home, description,
                                         [item_of(a) for a in newest])
                data = _WRITERS[link.format](feed)
            files[name] = data
            if key and keys is not None:
                keys[name] = key
    if now is None:
        now = site.articles[0].date if site.articles else NO_TIME
    files["sitemap.xml"] = sitemap(config, pages, sitemap_memo)
    files["news-sitemap.xml"] = news_sitemap(config, site.articles, now)
    files["robots.txt"] = robots_txt(config)
    return files
