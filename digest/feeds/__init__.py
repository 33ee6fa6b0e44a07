"""Feeds and sitemaps: the model in, file bytes out.

Every feed (the site's, each topic's, each tag's) is made once as a `Feed` of
`FeedItem`s, then written as RSS 2.0, Atom 1.0 and JSON Feed 1.1 from that one
model, so the three formats always agree.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from ..config import Config
from ..i18n import site_text
from ..model import Article
from ..pages import FeedLink, Page, site_feeds, tag_feeds, topic_feeds
from ..site import Site
from .atom import atom_feed
from .jsonfeed import json_feed
from .model import NO_TIME, FeedItem, feed_item, make_feed
from .rss import rss_feed
from .sitemaps import news_sitemap, robots_txt, sitemap_files

_WRITERS = {"RSS": rss_feed, "Atom": atom_feed, "JSON Feed": json_feed}


@dataclass(frozen=True)
class FeedSource:
    """What one feed holds, before it is written in each format."""

    links: tuple[FeedLink, ...]  # the feed in each format
    home: str  # the page the feed stands for
    description: str
    articles: tuple[Article, ...]  # the newest, as many as the feed carries
    full: bool = True  # whether its items carry the articles' HTML (see feeds.tags)


def feed_sources(config: Config, site: Site) -> list[FeedSource]:
    """The site's feed, then each topic's, then each tag's."""
    def source(links, home, description, articles, full=True) -> FeedSource:
        return FeedSource(links, home, description, articles[:config.feed_items], full)

    sources = [source(site_feeds(config), config.base_path, config.description, site.articles)]
    for topic in site.topics:
        sources.append(source(topic_feeds(config, topic), topic.url,
                              topic.description or site_text(
                                  config, "%(topic)s from %(site)s", topic=topic.name,
                                  site=config.title),
                              topic.articles))
    for tag in site.tags:
        sources.append(source(tag_feeds(config, tag), tag.url,
                              site_text(config, "Articles tagged “%(tag)s” in %(site)s",
                                        tag=tag.name, site=config.title), tag.articles,
                              config.feeds.tags == "full"))
    return sources


def write_feed(config: Config, source: FeedSource,
               item_of: Callable[[Article, bool], FeedItem]) -> dict[str, bytes]:
    """One feed in every format, by path in the output. `item_of(article, full)` makes an
    article's item (an article is in several feeds: its item can be made once)."""
    feed = make_feed(config, source.links, source.home, source.description,
                     [item_of(article, source.full) for article in source.articles])
    return {link.url.removeprefix(config.base_path): _WRITERS[link.format](feed)
            for link in source.links}


def feed_files(config: Config, site: Site, pages: list[Page],
               now: datetime | None = None) -> dict[str, bytes]:
    """Every feed in every format, the sitemaps and robots.txt, by path in the output.

    `now` is the build time, which decides what the news sitemap holds; without it,
    the time of the newest article."""
    items: dict[tuple[str, bool], FeedItem] = {}

    def item_of(article: Article, full: bool) -> FeedItem:
        if (article.url, full) not in items:
            items[(article.url, full)] = feed_item(config, article, full)
        return items[(article.url, full)]

    files: dict[str, bytes] = {}
    for source in feed_sources(config, site):
        files.update(write_feed(config, source, item_of))
    files.update(extra_files(config, site, now, sitemap_files(config, pages)))
    return files


def extra_files(config: Config, site: Site, now: datetime | None,
                sitemaps: dict[str, bytes]) -> dict[str, bytes]:
    """The sitemaps (`sitemaps`: as `sitemap_files` makes them) and robots.txt."""
    if now is None:
        now = site.articles[0].date if site.articles else NO_TIME
    return {**sitemaps,
            "news-sitemap.xml": news_sitemap(config, site.articles, now),
            "robots.txt": robots_txt(config)}
