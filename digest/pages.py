"""Which pages a site has: their output paths, URLs, templates and contexts. Pure."""

from __future__ import annotations

import functools
from dataclasses import dataclass, field
from datetime import date
from itertools import groupby
from typing import Any

from .config import Config
from .i18n import locale_of, month_year, site_date, site_text
from .model import Article, Heading, Month, Tag, Topic
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
    return _topic_feeds(config, topic.name, topic.url)


def _topic_feeds(config: Config, name: str, url: str) -> tuple[FeedLink, ...]:
    return feed_links(f"{config.title}: {name}", url)


def tag_feeds(config: Config, tag: Tag) -> tuple[FeedLink, ...]:
    return feed_links(f"{config.title}: {site_text(config, 'Tagged “%(tag)s”', tag=tag.name)}",
                      tag.url)


def plan_pages(site: Site, config: Config, today: date | None = None) -> list[Page]:
    """Every HTML page of the site, in a stable order: the site's own pages, then those of
    each part (see `parts`). `today`, the build's day in the site's timezone, labels the
    days shown as "Today" and "Yesterday"."""
    return [*site_pages(site, config, today),
            *(page for part in parts(site, today) for page in plan_part(part, config))]


def age(day: date, today: date | None) -> int | None:
    """0 for today, 1 for yesterday, None for any other day (or no today given)."""
    if today is None:
        return None
    days = (today - day).days
    return days if days in (0, 1) else None


def site_pages(site: Site, config: Config, today: date | None = None) -> list[Page]:
    """The front page, archive, indexes, the Subscribe page, the feeds' stylesheet, the
    404 page and the search box's script (it holds the box's words)."""
    base = config.base_path
    main = site_feeds(config)
    shown = site.days[:config.front_page_days]
    search = [Page("search/search.js", f"{base}search/search.js", "search.js",
                   site_text(config, "Search"), {})] if config.search else []
    return [
        Page("index.html", base, "index.html", config.title,
             {"days": shown, "ages": tuple(age(day.date, today) for day in shown),
              "previous": site.days[1] if len(site.days) > 1 else None}, main),
        Page("subscribe/index.html", f"{base}subscribe/", "subscribe.html",
             site_text(config, "Subscribe"),
             {"feeds": main,
              "topics": tuple((t.name, topic_feeds(config, t)) for t in site.topics),
              "tags": tuple((t.name, tag_feeds(config, t)) for t in site.tags)}, main),
        Page("feed.xsl", f"{base}feed.xsl", "feed.xsl", site_text(config, "Subscribe"), {}),
        Page("archive/index.html", f"{base}archive/", "archive.html",
             site_text(config, "Archive"), {"months": site.months}, main),
        Page("topics/index.html", f"{base}topics/", "topics.html", site_text(config, "Topics"),
             {"topics": site.topics}, main),
        Page("tags/index.html", f"{base}tags/", "tags.html", site_text(config, "Tags"),
             {"tags": site.tags}, main),
        Page("404.html", f"{base}404.html", "404.html", site_text(config, "Page not found"),
             {}, main),
        *search,
    ]


# A part of the site whose pages are made of it alone: a day (with the days beside it), a
# month, a year, a topic's listing, a run of a topic's articles (their pages), a tag's listing.
Part = tuple

# A topic's article pages are planned in runs of this many, counted from its oldest article:
# an edited article plans its run again, not its topic's thousands of pages, and a new one
# only the newest run.
ARTICLE_RUN = 100


def parts(site: Site, today: date | None = None) -> list[Part]:
    """The parts of the site, in the order of their pages. A day's part holds its label
    (see `age`), so that a day that stops being "Today" is planned and rendered again."""
    found: list[Part] = []
    days = site.days
    for index, day in enumerate(days):
        found.append(("day", day, days[index - 1] if index else None,
                      days[index + 1] if index + 1 < len(days) else None, age(day.date, today)))
    months = site.months
    for index, month in enumerate(months):
        found.append(("month", month, months[index - 1] if index else None,
                      months[index + 1] if index + 1 < len(months) else None))
    years = [(year, tuple(group)) for year, group in groupby(months, key=lambda m: m.year)]
    for index, (year, group) in enumerate(years):
        found.append(("year", year, group, years[index - 1][0] if index else None,
                      years[index + 1][0] if index + 1 < len(years) else None))
    for topic in site.topics:
        found.append(("topic", topic))
        found += _article_runs(topic)
    found += [("tag", tag) for tag in site.tags]
    return found


def _article_runs(topic: Topic) -> list[Part]:
    """The runs of a topic's articles, newest first, each with the articles beside it: the
    newer and older ones its first and last articles' pages link to."""
    articles, runs = topic.articles, []
    count = len(articles)
    for number in range((count - 1) // ARTICLE_RUN, -1, -1):
        start, end = max(0, count - (number + 1) * ARTICLE_RUN), count - number * ARTICLE_RUN
        runs.append(("articles", f"{topic.slug} {number}", topic.name, topic.url,
                     articles[start:end], articles[start - 1] if start else None,
                     articles[end] if end < count else None))
    return runs


def part_key(part: Part) -> str:
    """A name for a part that stays the same from build to build: "day 2026-11-24"."""
    kind, what = part[0], part[1]
    if kind == "day":
        return f"day {what.date}"
    if kind == "month":
        return f"month {what.year:04d}-{what.month:02d}"
    if kind == "year":
        return f"year {what:04d}"
    if kind == "articles":
        return f"articles {what}"
    return f"{kind} {what.slug}"


def plan_part(part: Part, config: Config) -> list[Page]:
    """The pages of one part of the site."""
    kind = part[0]
    if kind == "day":
        _, day, newer, older, label = part
        return [Page(f"{day.date:%Y/%m/%d}/index.html", day.url, "day.html",
                     site_date(config, day.date),
                     {"day": day, "newer": newer, "older": older, "age": label},
                     site_feeds(config))]
    if kind == "month":
        _, month, newer, older = part
        return [Page(f"{month_path(month)}index.html", config.base_path + month_path(month),
                     "month.html",
                     month_year(month, locale_of(config.language, config.locale)),
                     {"month": month, "newer": newer, "older": older}, site_feeds(config))]
    if kind == "year":
        _, year, months, newer, older = part
        return [Page(f"{year:04d}/index.html", f"{config.base_path}{year:04d}/", "year.html",
                     f"{year:04d}", {"year": year, "months": months, "newer": newer,
                                     "older": older}, site_feeds(config))]
    if kind == "topic":  # its listing, which names every format of the site's and its feeds
        topic = part[1]
        return _paginated(topic.url, topic.articles, config, "topic.html", topic.name,
                          {"topic": Heading.of(topic)},
                          (*site_feeds(config), *topic_feeds(config, topic)))
    if kind == "articles":
        return _article_pages(part, config)
    tag = part[1]
    return _paginated(tag.url, tag.articles, config, "tag.html",
                      site_text(config, "Tagged “%(tag)s”", tag=tag.name),
                      {"tag": Heading.of(tag)}, (*site_feeds(config), *tag_feeds(config, tag)))


def month_path(month: Month) -> str:
    """The month's folder in the site: "2026/11/"."""
    return f"{month.year:04d}/{month.month:02d}/"


def _article_pages(part: Part, config: Config) -> list[Page]:
    """The pages of a run of a topic's articles (see `parts`). An article page, of which a
    site has thousands, names the RSS feeds of the site and its topic only (the Subscribe
    page lists them all)."""
    _, _, name, url, run, newer, older = part
    feeds = (site_feeds(config)[0], _topic_feeds(config, name, url)[0])  # RSS: FEED_FORMATS
    base, last = config.base_path, len(run) - 1
    return [Page(f"{article.url.removeprefix(base)}index.html", article.url, "article.html",
                 article.title,
                 {"article": article, "topic": article.topic,
                  "newer": run[index - 1] if index else newer,
                  "older": run[index + 1] if index < last else older},
                 feeds)
            for index, article in enumerate(run)]


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
