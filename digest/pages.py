"""Which pages a site has: their output paths, URLs, templates and contexts. Pure."""

from __future__ import annotations

import functools
from dataclasses import dataclass, field
from typing import Any

from .config import Config
from .i18n import site_date, site_text
from .model import Article, Heading, Tag, Topic
from .site import Site


@dataclass(frozen=True)
class FeedLink:
    title: str  # what the feed holds: "Evening Brief: Climate"
    url: str  # root-relative, with the base path
    type: str = "application/rss+xml"  # media type, for <link rel="alternate" type>
    format: str = "RSS"  # the format's name as readers know it


# Every feed is written in each of these formats: file name, media type, name.
FEED_FORMATS = (
    ("feed.xml", "application/rss+xml", "RSS"),
    ("atom.xml", "application/atom+xml", "Atom"),
    ("feed.json", "application/feed+json", "JSON Feed"),
)


@dataclass(frozen=True)
class Pagination:
    number: int  # 1-based
    count: int
    urls: tuple[str, ...]  # the URL of every page, first to last

    @property
    def newer_url(self) -> str | None:
        return self.urls[self.number - 2] if self.number > 1 else None

    @property
    def older_url(self) -> str | None:
        return self.urls[self.number] if self.number < self.count else None


@dataclass(frozen=True)
class Page:
    output: str  # path inside the output folder: "topics/world/index.html"
    url: str  # root-relative, with the base path: "/news/topics/world/"
    template: str
    title: str  # the page's own title, for <title> and <h1>
    context: dict[str, Any] = field(default_factory=dict, hash=False, compare=False)
    feeds: tuple[FeedLink, ...] = ()  # feeds this page announces, the site's first


@functools.lru_cache(maxsize=4096)
def feed_links(title: str, folder: str) -> tuple[FeedLink, ...]:
    """One feed in every format, its files in `folder` (a URL ending in '/').

    The same links are the same objects from build to build, which lets the dev server
    see at a glance that a page's feeds did not change.
    """
    return tuple(FeedLink(title, folder + name, media, label)
                 for name, media, label in FEED_FORMATS)


def site_feeds(config: Config) -> tuple[FeedLink, ...]:
    return feed_links(config.title, config.base_path)


def topic_feeds(config: Config, topic: Topic) -> tuple[FeedLink, ...]:
    return feed_links(f"{config.title}: {topic.name}", topic.url)


def tag_feeds(config: Config, tag: Tag) -> tuple[FeedLink, ...]:
    return feed_links(f"{config.title}: {site_text(config, 'Tagged “%(tag)s”', tag=tag.name)}",
                      tag.url)


def plan_pages(site: Site, config: Config) -> list[Page]:
    """Every HTML page of the site, in a stable order: the site's own pages, then those of
    each part (see `parts`)."""
    return [*site_pages(site, config),
            *(page for part in parts(site) for page in plan_part(part, config))]


def site_pages(site: Site, config: Config) -> list[Page]:
    """The front page, archive, indexes and 404 page."""
    base = config.base_path
    main = site_feeds(config)
    return [
        Page("index.html", base, "index.html", config.title,
             {"days": site.days[:config.front_page_days]}, main),
        Page("archive/index.html", f"{base}archive/", "archive.html",
             site_text(config, "Archive"), {"months": site.months}, main),
        Page("topics/index.html", f"{base}topics/", "topics.html", site_text(config, "Topics"),
             {"topics": site.topics}, main),
        Page("tags/index.html", f"{base}tags/", "tags.html", site_text(config, "Tags"),
             {"tags": site.tags}, main),
        Page("404.html", f"{base}404.html", "404.html", site_text(config, "Page not found"),
             {}, main),
    ]


# A part of the site whose pages are made of it alone: a day (with the days beside it), a
# topic (its listing and its articles' pages) or a tag (its listing).
Part = tuple


def parts(site: Site) -> list[Part]:
    """The parts of the site, in the order of their pages."""
    found: list[Part] = []
    days = site.days
    for index, day in enumerate(days):
        found.append(("day", day, days[index - 1] if index else None,
                      days[index + 1] if index + 1 < len(days) else None))
    found += [("topic", topic) for topic in site.topics]
    found += [("tag", tag) for tag in site.tags]
    return found


def plan_part(part: Part, config: Config) -> list[Page]:
    """The pages of one part of the site."""
    kind = part[0]
    if kind == "day":
        _, day, newer, older = part
        return [Page(f"{day.date:%Y/%m/%d}/index.html", day.url, "day.html",
                     site_date(config, day.date), {"day": day, "newer": newer, "older": older},
                     site_feeds(config))]
    if kind == "topic":
        return _topic_pages(part[1], config)
    tag = part[1]
    return _paginated(tag.url, tag.articles, config, "tag.html",
                      site_text(config, "Tagged “%(tag)s”", tag=tag.name),
                      {"tag": Heading.of(tag)}, (*site_feeds(config), *tag_feeds(config, tag)))


def _topic_pages(topic: Topic, config: Config) -> list[Page]:
    """A topic's listing pages, then the page of each of its articles."""
    feeds = (*site_feeds(config), *topic_feeds(config, topic))
    pages = _paginated(topic.url, topic.articles, config, "topic.html", topic.name,
                       {"topic": Heading.of(topic)}, feeds)
    for index, article in enumerate(topic.articles):
        pages.append(_article_page(article, topic, index, feeds, config.base_path))
    return pages


def _article_page(article: Article, topic: Topic, index: int,
                  feeds: tuple[FeedLink, ...], base: str) -> Page:
    articles = topic.articles
    return Page(
        f"{article.url.removeprefix(base)}index.html",
        article.url, "article.html", article.title,
        {"article": article, "topic": article.topic,
         "newer": articles[index - 1] if index else None,
         "older": articles[index + 1] if index + 1 < len(articles) else None},
        feeds)


def _paginated(url: str, articles: tuple[Article, ...], config: Config, template: str,
               title: str, context: dict[str, Any], feeds: tuple[FeedLink, ...]) -> list[Page]:
    """Page 1 at url, then url/page/2/ and on; an empty listing still has page 1."""
    size = config.page_size
    count = max(1, -(-len(articles) // size))
    urls = tuple(url if n == 1 else f"{url}page/{n}/" for n in range(1, count + 1))
    base = config.base_path
    pages = []
    for number, page_url in enumerate(urls, start=1):
        shown = title if number == 1 else site_text(
            config, "%(title)s, page %(number)d", title=title, number=number)
        pages.append(Page(
            f"{page_url.removeprefix(base)}index.html", page_url, template, shown,
            {**context, "articles": articles[(number - 1) * size:number * size],
             "pagination": Pagination(number, count, urls)},
            feeds))
    return pages
