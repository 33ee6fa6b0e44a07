"""The data a build works on: immutable, built once, grouped by `site`."""

from __future__ import annotations

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
    body: str  # HTML, sanitized unless the site allows raw HTML
    url: str  # root-relative, with the base path: /news/2024/03/22/slug/
    extra: dict[str, Any] = field(default_factory=dict, hash=False)  # other front-matter keys

    @property
    def day(self) -> date:
        return self.date.date()

    @cached_property
    def stamp(self) -> float:
        """The date as a POSIX timestamp: quicker to compare than aware datetimes."""
        return self.date.timestamp()

    @cached_property
    def sort_key(self) -> tuple:
        """Newest first, then by title and path so equal times never reorder."""
        return (-self.stamp, self.title.casefold(), self.path)


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

    @property
    def count(self) -> int:
        return sum(len(group.articles) for group in self.groups)


@dataclass(frozen=True)
class Month:
    """A month of the archive: its days, newest first."""

    year: int
    month: int
    days: tuple[Day, ...]

    @property
    def count(self) -> int:
        return sum(day.count for day in self.days)
