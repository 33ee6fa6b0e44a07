"""Articles grouped by topic, day, month and tag: pure functions, no files."""

from __future__ import annotations

import dataclasses
from collections import Counter, defaultdict
from dataclasses import dataclass
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


def select(articles: list[Article], now: datetime, drafts: bool, future: bool) -> list[Article]:
    """The articles a build publishes."""
    until = now.timestamp()
    return [a for a in articles if (drafts or not a.draft) and (future or a.stamp <= until)]


def group_site(articles: list[Article], config: Config) -> tuple[Site, list[Problem]]:
    """The site, and the problems of articles that cannot live together in it."""
    articles = _canonical_names(articles)
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
    return Site(tuple(articles), topics, tags, days, months), problems


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


