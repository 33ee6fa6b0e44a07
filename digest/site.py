"""Articles grouped by topic, day, month and tag: pure functions, no files."""

from __future__ import annotations

import dataclasses
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import datetime
from itertools import groupby

from .config import Config
from .errors import Problem, problem
from .model import Article, Day, Label, Month, Tag, Topic, TopicGroup
from .slugs import match_key


@dataclass(frozen=True)
class Site:
    articles: tuple[Article, ...]  # newest first
    topics: tuple[Topic, ...]  # in display order: site.yaml's, then the others by name
    tags: tuple[Tag, ...]  # by name
    days: tuple[Day, ...]  # newest first
    months: tuple[Month, ...]  # newest first
    # For the next regrouping: each article as it came in and as it is placed, by path, and
    # where each article, topic, tag and day sits in the tuples above.
    placed: dict[str, tuple[Article, Article]] = field(default_factory=dict, compare=False,
                                                        repr=False)
    where: dict[tuple, int] = field(default_factory=dict, compare=False, repr=False)


def select(articles: list[Article], now: datetime, drafts: bool, future: bool) -> list[Article]:
    """The articles a build publishes."""
    until = now.timestamp()
    return [a for a in articles if (drafts or not a.draft) and (future or a.stamp <= until)]


def group_site(articles: list[Article], config: Config,
               previous: Site | None = None) -> tuple[Site, list[Problem]]:
    """The site, and the problems of articles that cannot live together in it.

    Given the previous site (the dev server's last rebuild), every topic, tag, day and month
    that came out the same is that very object again, so that pages made of them are known
    to be unchanged without looking inside.
    """
    if previous is not None:
        site = _regroup(articles, previous)
        if site is not None:
            return site, []
    site, problems = _group(articles, config)
    if previous is None:
        return site, problems
    topics = _keep_same(site.topics, previous.topics)
    tags = _keep_same(site.tags, previous.tags)
    days = _keep_same(site.days, previous.days)
    months = _keep_same(site.months, previous.months)
    return dataclasses.replace(site, topics=topics, tags=tags, days=days,
                               months=months), problems


# An edit that touches more articles than this at once is grouped from scratch.
_REGROUP_MOST = 16


def _regroup(articles: list[Article], previous: Site) -> Site | None:
    """The previous site with edited articles put in the places of their old versions, when
    no edit changes where an article goes (its topic, tags, URL, day and place in the
    order); None otherwise. Everything an edit does not touch stays the very same object."""
    if len(articles) != len(previous.placed):
        return None
    edits: list[tuple[Article, Article, Article]] = []
    for article in articles:
        known = previous.placed.get(article.path)
        if known is None:
            return None
        if known[0] is not article:
            edits.append((*known, article))
            if len(edits) > _REGROUP_MOST:
                return None
    if not edits:
        return previous
    site, placed = previous, dict(previous.placed)
    for old_source, old, source in edits:
        if (source.topic != old_source.topic or source.tags != old_source.tags
                or source.url != old.url or source.day != old.day):
            return None
        new = source
        if (source.topic, source.tags) != (old.topic, old.tags):
            new = dataclasses.replace(source, topic=old.topic, tags=old.tags)
        site = _put_in_place(site, old, new)
        if site is None:
            return None
        placed[source.path] = (source, new)
    return dataclasses.replace(site, placed=placed)


def _put_in_place(site: Site, old: Article, new: Article) -> Site | None:
    where = site.where
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


def _group(articles: list[Article], config: Config) -> tuple[Site, list[Problem]]:
    sources = articles
    articles = _canonical_names(articles)
    placed = {source.path: (source, article) for source, article in zip(sources, articles)}
    articles.sort(key=lambda a: a.sort_key)
    problems = _url_collisions(articles)
    topics = _group_topics(articles, config)
    problems += _slug_collisions([t.articles[0].topic for t in topics if t.articles], "topic",
                                 {t.slug: t for t in topics})
    tags = _group_tags(articles)
    problems += _slug_collisions([label for t in tags for label in t.articles[0].tags
                                  if label.slug == t.slug], "tag", {t.slug: t for t in tags})
    days = _group_days(articles, topics, config)
    months = tuple(
        Month(year, month, tuple(group))
        for (year, month), group in groupby(days, key=lambda d: (d.date.year, d.date.month)))
    where: dict[tuple, int] = {}
    where.update((("article", article.path), index) for index, article in enumerate(articles))
    where.update((("topic", match_key(topic.name)), index) for index, topic in enumerate(topics))
    where.update((("tag", match_key(tag.name)), index) for index, tag in enumerate(tags))
    where.update((("day", day.date), index) for index, day in enumerate(days))
    where.update((("month", month.year, month.month), index)
                 for index, month in enumerate(months))
    return Site(tuple(articles), topics, tags, days, months, placed, where), problems


def _canonical_names(articles: list[Article]) -> list[Article]:
    """One spelling per topic and per tag: the most used one, ties broken by sort order."""
    spellings: dict[str, Counter] = defaultdict(Counter)
    for article in articles:
        for label in (article.topic, *article.tags):
            spellings[match_key(label.name)][label.name] += 1
    chosen = {key: min(counts, key=lambda n: (-counts[n], n)) for key, counts in spellings.items()}

    def canonical(label: Label) -> Label:
        name = chosen[match_key(label.name)]
        return label if name == label.name else dataclasses.replace(label, name=name)

    result = []
    for article in articles:
        topic, tags = canonical(article.topic), tuple(map(canonical, article.tags))
        if topic is not article.topic or tags != article.tags:
            article = dataclasses.replace(article, topic=topic, tags=tags)
        result.append(article)
    return result


def _url_collisions(articles: list[Article]) -> list[Problem]:
    first: dict[str, Article] = {}
    problems = []
    for article in sorted(articles, key=lambda a: a.path):
        other = first.setdefault(article.url, article)
        if other is not article:
            problems.append(problem(article.path, 1, f"this article's URL {article.url} is "
                                    f"already taken by {other.path}; give one of them "
                                    "another slug"))
    return problems


def _slug_collisions(labels: list[Label], kind: str, by_slug: dict) -> list[Problem]:
    seen: dict[str, str] = {}
    problems = []
    for label in labels:
        other = seen.setdefault(label.slug, label.name)
        if other != label.name:
            holder = by_slug[label.slug].articles[-1]
            problems.append(problem(holder.path, 1, f"{kind}s '{other}' and '{label.name}' "
                                    f"would share the URL {label.url}; rename one of them"))
    return problems


def _group_topics(articles: list[Article], config: Config) -> tuple[Topic, ...]:
    by_key: dict[str, list[Article]] = defaultdict(list)
    for article in articles:
        by_key[match_key(article.topic.name)].append(article)
    topics = []
    for index, configured in enumerate(config.topics):
        found = by_key.pop(match_key(configured.title), [])
        url = f"{config.base_path}topics/{configured.slug}/"
        topics.append((index, configured.title, Topic(configured.title, configured.slug,
                                                      configured.description, url,
                                                      tuple(found))))
    for group in by_key.values():
        label = group[0].topic
        topics.append((len(config.topics), label.name.casefold(),
                       Topic(label.name, label.slug, "", label.url, tuple(group))))
    return tuple(topic for *_, topic in sorted(topics, key=lambda t: (t[0], t[1], t[2].slug)))


def _group_tags(articles: list[Article]) -> tuple[Tag, ...]:
    by_key: dict[str, list[Article]] = defaultdict(list)
    labels: dict[str, Label] = {}
    for article in articles:
        for label in article.tags:
            by_key[match_key(label.name)].append(article)
            labels.setdefault(match_key(label.name), label)
    tags = [Tag(labels[k].name, labels[k].slug, labels[k].url, tuple(group))
            for k, group in by_key.items()]
    return tuple(sorted(tags, key=lambda t: (t.name.casefold(), t.slug)))


def _group_days(articles: list[Article], topics: tuple[Topic, ...],
                config: Config) -> tuple[Day, ...]:
    order = {match_key(topic.name): index for index, topic in enumerate(topics)}
    topic_of = {match_key(t.name): Label(t.name, t.slug, t.url) for t in topics}
    days = []
    for day, group in groupby(articles, key=lambda a: a.day):
        by_topic: dict[str, list[Article]] = defaultdict(list)
        for article in group:
            by_topic[match_key(article.topic.name)].append(article)
        groups = tuple(TopicGroup(topic_of[key], tuple(by_topic[key]))
                       for key in sorted(by_topic, key=order.__getitem__))
        days.append(Day(day, f"{config.base_path}{day:%Y/%m/%d}/", groups))
    return tuple(days)


