"""Regrouping in place: the dev server's shortcut for an edit that moves no article.

An edited article that keeps its topic, tags, URL, day and place in the order is put in
the place of its old version; every topic, tag, day and month it is not in stays the very
same object, so that the pages made of them are known unchanged without looking inside.
Anything else is grouped from scratch by `group_site`, and what came out equal is again
the object of last time. Either way the result equals `group_site` on the same articles
(tests/test_regroup_properties.py).
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

from ..config import Config
from ..errors import Problem
from ..model import Article
from ..site import Site, group_site
from ..slugs import match_key


@dataclass(frozen=True)
class Grouped:
    """A site, with what the next regrouping needs to know of it."""

    site: Site
    placed: dict[str, tuple[Article, Article]]  # by path: the article as given, as placed
    where: dict[tuple, int]  # where each article, topic, tag, day and month sits in `site`


def regroup(articles: list[Article], config: Config, last: Grouped | None = None
            ) -> tuple[Grouped, list[Problem]]:
    """`group_site(articles, config)`, reusing what it can of `last`."""
    if last is not None:
        grouped = _regroup(articles, last)
        if grouped is not None:
            return grouped, []
    site, problems = group_site(list(articles), config)
    if last is not None:
        previous = last.site
        days = _keep_same(site.days, previous.days)
        # a month holds the very days of the site, those kept included: an edit put in
        # place later finds its day in its month
        kept = {day.date: day for day in days}
        months = tuple(month if all(kept[day.date] is day for day in month.days)
                       else dataclasses.replace(month, days=tuple(
                           kept[day.date] for day in month.days))
                       for month in site.months)
        site = dataclasses.replace(site, topics=_keep_same(site.topics, previous.topics),
                                   tags=_keep_same(site.tags, previous.tags), days=days,
                                   months=_keep_same(months, previous.months))
    return _index(articles, site), problems


def _index(sources: list[Article], site: Site) -> Grouped:
    by_path = {article.path: article for article in site.articles}
    placed = {source.path: (source, by_path[source.path]) for source in sources
              if source.path in by_path}
    where: dict[tuple, int] = {}
    where.update((("article", article.path), index)
                 for index, article in enumerate(site.articles))
    where.update((("topic", match_key(topic.name)), index)
                 for index, topic in enumerate(site.topics))
    where.update((("tag", match_key(tag.name)), index) for index, tag in enumerate(site.tags))
    where.update((("day", day.date), index) for index, day in enumerate(site.days))
    where.update((("month", month.year, month.month), index)
                 for index, month in enumerate(site.months))
    return Grouped(site, placed, where)


# An edit that touches more articles than this at once is grouped from scratch.
_REGROUP_MOST = 16


def _regroup(articles: list[Article], last: Grouped) -> Grouped | None:
    """The previous site with edited articles put in the places of their old versions, when
    no edit changes where an article goes (its topic, tags, URL, day and place in the
    order); None otherwise. Everything an edit does not touch stays the very same object."""
    if len(articles) != len(last.placed):
        return None
    edits: list[tuple[Article, Article, Article]] = []
    for article in articles:
        known = last.placed.get(article.path)
        if known is None:
            return None
        if known[0] is not article:
            edits.append((*known, article))
            if len(edits) > _REGROUP_MOST:
                return None
    if not edits:
        return last
    site, placed = last.site, dict(last.placed)
    for old_source, old, source in edits:
        if (source.topic != old_source.topic or source.tags != old_source.tags
                or source.url != old.url or source.day != old.day):
            return None
        new = source
        if (source.topic, source.tags) != (old.topic, old.tags):
            new = dataclasses.replace(source, topic=old.topic, tags=old.tags)
        site = _put_in_place(site, last.where, old, new)
        if site is None:
            return None
        placed[source.path] = (source, new)
    return Grouped(site, placed, last.where)


def _put_in_place(site: Site, where: dict[tuple, int], old: Article,
                  new: Article) -> Site | None:
    index = where[("article", old.path)]
    articles = list(site.articles)
    if ((index > 0 and not articles[index - 1].sort_key < new.sort_key)
            or (index + 1 < len(articles) and not new.sort_key < articles[index + 1].sort_key)):
        return None  # it would move among the articles of its time
    articles[index] = new

    def swap(group: tuple[Article, ...]) -> tuple[Article, ...]:
        return tuple(new if article is old else article for article in group)

    topics = list(site.topics)
    at = where[("topic", match_key(old.topic.name))]
    topics[at] = dataclasses.replace(topics[at], articles=swap(topics[at].articles))
    tags = list(site.tags)
    for label in old.tags:
        at = where[("tag", match_key(label.name))]
        tags[at] = dataclasses.replace(tags[at], articles=swap(tags[at].articles))
    days = list(site.days)
    at = where[("day", old.day)]
    old_day = days[at]
    days[at] = dataclasses.replace(old_day, groups=tuple(
        dataclasses.replace(group, articles=swap(group.articles))
        if any(article is old for article in group.articles) else group
        for group in old_day.groups))
    months = list(site.months)
    at = where[("month", old.day.year, old.day.month)]
    months[at] = dataclasses.replace(months[at], days=tuple(
        days[where[("day", day.date)]] if day is old_day else day for day in months[at].days))
    return dataclasses.replace(site, articles=tuple(articles), topics=tuple(topics),
                               tags=tuple(tags), days=tuple(days), months=tuple(months))


def _keep_same(new: tuple, old: tuple) -> tuple:
    by_key = {_key_of(item): item for item in old}
    return tuple(_same_or_new(item, by_key.get(_key_of(item))) for item in new)


def _key_of(item) -> object:
    return getattr(item, "slug", None) or getattr(item, "date", None) or (item.year, item.month)


def _same_or_new(new, old):
    return old if old is not None and _same(new, old) else new


def _same(a, b) -> bool:
    """Equal, with articles compared by identity: an unchanged one is kept between rebuilds."""
    if a is b:
        return True
    if type(a) is not type(b) or isinstance(a, Article):
        return False
    if isinstance(a, tuple):
        return len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b))
    if dataclasses.is_dataclass(a):
        return all(_same(getattr(a, f.name), getattr(b, f.name))
                   for f in dataclasses.fields(a))
    return a == b


