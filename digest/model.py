"""The data a build works on: immutable, built once, grouped by `site`."""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from functools import cached_property
from datetime import date, datetime
from typing import Any


@dataclass(frozen=True)
class Label:
    """A topic or tag as an article names it: display name and URL slug."""

    name: str
    slug: str
    url: str  # its listing page, with the base path


@dataclass(frozen=True)
class Source:
    name: str
    url: str


@dataclass(frozen=True)
class Image:
    src: str  # ready to use in a page: absolute, or carrying the base path
    alt: str
    caption: str = ""  # what the picture shows, as a figure's caption says it; may be ""
    credit: str = ""  # who made it ("Ana Ruiz/Example Wire"); may be ""


@dataclass(frozen=True)
class Findings:
    """What parsing noticed in an article for the build's warnings (see `checks`). Kept
    with the parsed article, so that a build that does not parse it again warns the same."""

    warnings: tuple[tuple[int, str], ...] = ()  # (line, message): mistakes in the file alone
    # links and images into the site, but to the article's own ids: (as written, the file
    # in the site it leads to or ".." when it leads out of the site, #anchor or "", line)
    links: tuple[tuple[str, str, str, int], ...] = ()
    ids: frozenset[str] = frozenset()  # of the body's elements, for links to #anchors
    topic_line: int = 1  # of `topic:`, for a warning about the topic


@dataclass(frozen=True)
class ParsedArticle:
    """What parsing one file gives, and nothing of the site: no URLs, no labels, no
    defaults from site.yaml. It depends only on the file, the timezone and the Markdown
    options, so it is kept across site.yaml edits; `place_article` makes it an Article."""

    path: str
    title: str
    date: datetime  # aware, in the site's timezone
    has_time: bool
    updated: datetime | None
    topic: tuple[str, str] | None  # (name, slug) as written; None: the site's default
    topic_line: int  # of `topic:` in the file, for problems found when placing it
    tags: tuple[tuple[str, str], ...]  # (name, slug)
    authors: tuple[str, ...]  # as written; the site's author is added when placing
    summary: str
    source: Source | None
    image: Image | None  # src as written: an http(s) URL, or a path in the site
    slug: str
    draft: bool
    html: str  # the body; site-root links (/img/a.png) without the base path (see Article)
    standfirst: str  # see standfirst()
    reading_minutes: int  # see reading_minutes()
    extra: dict[str, Any] = field(default_factory=dict, hash=False)
    findings: Findings = field(default=Findings(), hash=False, compare=False)
    lead: bool = False  # `lead: true`: its day's lead story
    weight: int = 0  # how strongly it asks to lead its day; higher leads first


_TAG = re.compile(r"<[A-Za-z][^<>]*>")
_ANY_TAG = re.compile(r"<[^<>]*>")
_IDEOGRAPHS = re.compile("[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af\uf900-\ufaff]")
_ROOT_LINK = re.compile(r"""(\s(?:href|src)\s*=\s*["']?)/(?!/)""", re.IGNORECASE)


def with_base_path(html: str, base_path: str) -> str:
    """Site-root links and images (/img/a.png) in `html`, raw HTML included, with the
    base path in front (/news/img/a.png)."""
    if base_path == "/":
        return html
    prefix = "\\1" + base_path.replace("\\", "\\\\")

    def one(tag: re.Match) -> str:
        text = tag.group(0)
        return _ROOT_LINK.sub(prefix, text) if "/" in text else text

    return _TAG.sub(one, html)


def standfirst(summary: str, opening: str) -> str:
    """The summary, to stand under the headline; "" when the body opens with it (a summary
    taken from the first paragraph or the text before <!--more-->). `opening`: the body's
    first paragraph as plain text."""
    return "" if opening and summary.startswith(opening.removesuffix("…")) else summary


def reading_minutes(html: str) -> int:
    """About how long a body takes to read, at least a minute: 230 words a minute, and 500
    characters a minute of Chinese, Japanese or Korean, written without spaces."""
    text = _ANY_TAG.sub(" ", html)
    ideographs = len(_IDEOGRAPHS.findall(text))
    words = len((_IDEOGRAPHS.sub(" ", text) if ideographs else text).split())
    return max(1, math.ceil(words / 230 + ideographs / 500))


@dataclass(frozen=True)
class Article:
    path: str  # the source file, relative to the project, for messages
    title: str
    date: datetime  # aware, in the site's timezone
    has_time: bool  # False when the front matter gave a date alone
    updated: datetime | None
    topic: Label
    tags: tuple[Label, ...]
    authors: tuple[str, ...]
    summary: str  # plain text
    source: Source | None
    image: Image | None
    slug: str
    draft: bool
    # the body as parsed: sanitized, site-root links without the base path; a build's cache
    # gives an object whose str() reads it from disk
    html: str
    url: str  # root-relative, with the base path: /news/2024/03/22/slug/
    standfirst: str  # the summary under the headline, or "" (see standfirst())
    reading_minutes: int  # see reading_minutes()
    extra: dict[str, Any] = field(default_factory=dict, hash=False)  # other front-matter keys
    base_path: str = "/"
    findings: Findings = field(default=Findings(), hash=False, compare=False, repr=False)
    lead: bool = False  # `lead: true`: its day's lead story (see Day.lead)
    weight: int = 0  # how strongly it asks to lead its day; higher leads first

    @property
    def body(self) -> str:
        """The body ready for a page: site-root links carry the base path. Made each time a
        page or feed needs it, and not kept: a process that renders many pages would hold
        every body it rendered, as text (two bytes a character once it holds a curly
        quote): gigabytes in the render workers of a 100,000-article build."""
        return with_base_path(str(self.html), self.base_path)

    @property
    def day(self) -> date:
        return self.date.date()

    @property
    def day_url(self) -> str:
        """The edition of its day: /news/2024/03/22/."""
        return f"{self.base_path}{self.date:%Y/%m/%d}/"

    @property
    def updated_has_time(self) -> bool:
        """Whether `updated` names a time of day: a date alone is read as midnight."""
        return self.updated is not None and (self.updated.hour, self.updated.minute,
                                             self.updated.second) != (0, 0, 0)

    @cached_property
    def stamp(self) -> float:
        """The date as a POSIX timestamp: quicker to compare than aware datetimes."""
        return self.date.timestamp()

    @cached_property
    def sort_key(self) -> tuple:
        """Newest first, then by title and path so equal times never reorder."""
        return (-self.stamp, self.title.casefold(), self.path)

    def __getstate__(self) -> dict:
        """What a worker process is sent: the fields, not what was worked out of them (the
        body with the base path doubles the bytes); the worker works that out again."""
        return {name: value for name, value in self.__dict__.items()
                if name not in _WORKED_OUT}


_WORKED_OUT = frozenset(name for name, value in vars(Article).items()
                        if isinstance(value, cached_property))


@dataclass(frozen=True)
class Topic:
    name: str
    slug: str
    description: str
    url: str
    articles: tuple[Article, ...]  # newest first


@dataclass(frozen=True)
class Tag:
    name: str
    slug: str
    url: str
    articles: tuple[Article, ...]  # newest first


@dataclass(frozen=True)
class Heading:
    """A topic or tag as its own listing pages show it: the page lists the articles itself,
    so that an edited article re-renders only the listing page that holds it."""

    name: str
    slug: str
    description: str  # "" for tags
    url: str
    count: int  # of all its articles, not only those on the page

    @classmethod
    def of(cls, group: Topic | Tag) -> Heading:
        return cls(group.name, group.slug, getattr(group, "description", ""), group.url,
                   len(group.articles))


@dataclass(frozen=True)
class TopicGroup:
    """The articles of one topic within a day."""

    topic: Label  # the topic's name and URL, not all its articles: a day shows only its own
    articles: tuple[Article, ...]


@dataclass(frozen=True)
class Day:
    date: date
    url: str
    groups: tuple[TopicGroup, ...]  # in the site's topic order

    @cached_property  # asked of every day by the archive and every month's page
    def count(self) -> int:
        return sum(len(group.articles) for group in self.groups)

    @property
    def month_url(self) -> str:
        """The page of the day's month: /news/2026/11/."""
        return self.url.rsplit("/", 2)[0] + "/"

    @cached_property
    def lead(self) -> Article | None:
        """The day's lead story: one marked `lead: true`, else the one of highest `weight`,
        else the newest (ties: the newest)."""
        articles = [article for group in self.groups for article in group.articles]
        return min(articles, key=lambda a: (not a.lead, -a.weight, a.sort_key), default=None)

    @cached_property
    def front(self) -> tuple[TopicGroup, ...]:
        """The groups as an edition shows them: the lead story's first, the lead story
        first in it, then the others in the site's topic order."""
        lead = self.lead
        first, rest = [], []
        for group in self.groups:
            if any(article is lead for article in group.articles):
                first.append(TopicGroup(group.topic, (lead, *(
                    article for article in group.articles if article is not lead))))
            else:
                rest.append(group)
        return (*first, *rest)

    @cached_property
    def latest(self) -> datetime | None:
        """When the day's edition last changed: its newest publication or update time;
        None when its articles give dates alone."""
        times = [article.updated if article.updated and article.updated.date() == self.date
                 else article.date for group in self.groups for article in group.articles
                 if article.has_time]
        return max(times, default=None)


@dataclass(frozen=True)
class Month:
    """A month of the archive: its days, newest first."""

    year: int
    month: int
    days: tuple[Day, ...]

    @cached_property
    def count(self) -> int:
        return sum(day.count for day in self.days)

    @property
    def url(self) -> str:
        """Its page: /news/2026/11/."""
        return self.days[0].month_url

    @property
    def year_url(self) -> str:
        """The page of its year: /news/2026/."""
        return self.url.rsplit("/", 2)[0] + "/"
