"""Properties: the dev server's in-place regrouping equals grouping from scratch, and its
pages and search shards planned again equal those planned from scratch."""

from __future__ import annotations

import dataclasses
from datetime import datetime, timedelta, timezone

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from digest.config import Config
from digest.model import Article, Label
from digest.pages import plan_pages
from digest.reuse.phases import Reuse
from digest.reuse.regroup import regroup
from digest.search import PlanMemo, plan_shards
from digest.site import group_site
from digest.slugs import slugify

CONFIG = Config()
START = datetime(2025, 3, 1, 9, 0, tzinfo=timezone.utc)
# few values of each, so that equal times, equal titles and other spellings of a name meet
TITLES = st.sampled_from(["Alpha", "alpha", "Beta", "Gamma report", "Zeta"])
TIMES = st.sampled_from([START + timedelta(hours=h) for h in (0, 0, 1, 20, 30, 50)])
TOPICS = st.sampled_from(["World", "world ", "Science"])
TAGS = st.lists(st.sampled_from(["Energy", "energy", "Water", "Roads"]), max_size=3)


def label(name: str, kind: str) -> Label:
    slug = slugify(name)
    return Label(name, slug, f"/{kind}/{slug}/")


def article(index: int, title: str, when: datetime, topic: str, tags: list[str],
            body: str = "<p>Text.</p>") -> Article:
    slug = f"story-{index}"
    return Article(path=f"content/{slug}.md", title=title, date=when, has_time=True,
                   updated=None, topic=label(topic, "topics"),
                   tags=tuple(label(tag, "tags") for tag in tags), authors=(), summary="",
                   source=None, image=None, slug=slug, draft=False, html=body,
                   url=f"/{when:%Y/%m/%d}/{slug}/", standfirst="", reading_minutes=1)


base_articles = st.lists(st.tuples(TITLES, TIMES, TOPICS, TAGS), min_size=1, max_size=12)
edits = st.lists(st.tuples(st.integers(0, 11), st.one_of(
    st.tuples(st.just("title"), TITLES),
    st.tuples(st.just("body"), st.text(max_size=5)),
    st.tuples(st.just("time"), TIMES),
    st.tuples(st.just("topic"), TOPICS),
    st.tuples(st.just("tags"), TAGS),
)), min_size=1, max_size=4)


def edited(old: Article, index: int, change: tuple) -> Article:
    kind, value = change
    if kind == "title":
        return dataclasses.replace(old, title=value)
    if kind == "body":
        return dataclasses.replace(old, html=f"<p>{value}</p>")
    if kind == "time":
        return article(index, old.title, value, old.topic.name, [t.name for t in old.tags],
                       old.body)
    if kind == "topic":
        return dataclasses.replace(old, topic=label(value, "topics"))
    return dataclasses.replace(old, tags=tuple(label(tag, "tags") for tag in value))


@settings(max_examples=400)
@given(base_articles, st.lists(edits, min_size=1, max_size=3))
def test_regrouping_after_edits_equals_grouping_from_scratch(base, rounds) -> None:
    """Rebuild after rebuild: what one regrouping keeps, the next one puts edits into."""
    articles = [article(i, *fields) for i, fields in enumerate(base)]
    previous, problems = regroup(list(articles), CONFIG)
    assert not problems
    for changes in rounds:
        for index, change in changes:
            index %= len(articles)
            articles[index] = edited(articles[index], index, change)
        previous, problems = regroup(list(articles), CONFIG, previous)
        again = previous.site
        fresh, fresh_problems = group_site(list(articles), CONFIG)
        assert problems == fresh_problems
        assert again == fresh
        for name in ("topics", "tags", "days", "months"):  # every group lists the same articles
            for kept, made in zip(getattr(again, name), getattr(fresh, name)):
                assert kept == made
        days = {id(day) for day in again.days}  # a month holds the very days of the site
        assert all(id(day) in days for month in again.months for day in month.days)


def page_values(page) -> tuple:
    return page.output, page.url, page.template, page.title, page.feeds, page.context


@settings(max_examples=300)
@given(base_articles, st.lists(edits, min_size=1, max_size=3), st.integers(1, 4))
def test_pages_planned_again_after_edits_equal_pages_planned_from_scratch(base, rounds,
                                                                          run) -> None:
    """Planned again in runs of `run` articles (see pages.parts), the pages are those of a
    plan from scratch in one run a topic, and an article page kept from last time shows
    the site's very articles, none of an earlier version."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr("digest.pages.ARTICLE_RUN", run)
        articles = [article(i, *fields) for i, fields in enumerate(base)]
        reuse = Reuse(in_memory=True)
        site, problems = reuse.group(list(articles), CONFIG)
        assert not problems
        again = reuse.plan(site, CONFIG)
        for changes in rounds:
            for index, change in changes:
                index %= len(articles)
                articles[index] = edited(articles[index], index, change)
            site, problems = reuse.group(list(articles), CONFIG)
            before = {page.output: page for page in again}
            again = reuse.plan(site, CONFIG)
            patch.setattr("digest.pages.ARTICLE_RUN", 10**6)  # each topic's pages at once
            fresh = plan_pages(group_site(list(articles), CONFIG)[0], CONFIG)
            patch.setattr("digest.pages.ARTICLE_RUN", run)
            assert list(map(page_values, again)) == list(map(page_values, fresh))
            current = {article.url: article for article in site.articles}
            for page in again:  # a page kept shows the site's very articles, none of old
                if page is before.get(page.output) and page.template == "article.html":
                    shown = [page.context[name] for name in ("article", "newer", "older")]
                    assert all(a is current[a.url] for a in shown if a is not None)


def test_a_title_edited_plans_the_pages_of_its_run_of_articles_alone(
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("digest.pages.ARTICLE_RUN", 3)
    articles = [article(i, f"Story {i}", START + timedelta(hours=i), "World", [])
                for i in range(12)]  # one topic, newest last: runs 9-11, 6-8, 3-5, 0-2
    reuse = Reuse(in_memory=True)
    before = reuse.plan(reuse.group(list(articles), CONFIG)[0], CONFIG)
    articles[4] = dataclasses.replace(articles[4], title="Story 4, revised")
    after = reuse.plan(reuse.group(list(articles), CONFIG)[0], CONFIG)
    kept = {page.output for page in before} & {page.output for page in after}
    old, new = ({page.output: page for page in pages} for pages in (before, after))
    planned = sorted(new[output].url for output in kept
                     if new[output] is not old[output] and new[output].template == "article.html")
    assert planned == [f"/2025/03/01/story-{i}/" for i in (3, 4, 5)]


def test_an_edit_in_place_keeps_every_untouched_group_as_it_was() -> None:
    articles = [article(0, "One", START, "World", ["Energy"]),
                article(1, "Two", START + timedelta(days=1), "Science", ["Water"]),
                article(2, "Three", START + timedelta(days=2), "World", ["Roads"])]
    grouped, _ = regroup(list(articles), CONFIG)
    previous = grouped.site
    articles[1] = dataclasses.replace(articles[1], title="Two, revised")
    again, _ = regroup(list(articles), CONFIG, grouped)
    again = again.site
    assert again.topics[0] is not previous.topics[0]  # Science holds the edited one
    assert again.topics[1] is previous.topics[1]
    assert [tag is old for tag, old in zip(again.tags, previous.tags)] == [True, True, False]
    assert [day is old for day, old in zip(again.days, previous.days)] == [True, False, True]
    assert again.articles[1].title == "Two, revised"


shard_edits = st.lists(st.lists(st.tuples(st.integers(0, 449), st.sampled_from(
    ["title", "body", "time", "gone", "new"])), min_size=1, max_size=20), min_size=1, max_size=4)


@settings(max_examples=150, deadline=None)
@given(st.integers(1, 450), shard_edits)
def test_search_shards_planned_again_after_edits_equal_shards_planned_from_scratch(
        count, rounds) -> None:
    """A few articles replaced by versions of the same date and file remake only their
    shards; anything else plans from scratch. Either way: the same shards, made of the very
    same articles, with the same fingerprints."""
    articles = [article(i, f"Story {i}", START + timedelta(minutes=37 * i % 5000), "World", [])
                for i in range(count)]
    sources = {item.path: f"hash {item.path}" for item in articles}
    memo = PlanMemo()
    plan_shards(articles, sources, CONFIG, memo)
    made = count
    for number, changes in enumerate(rounds):
        for index, kind in changes:
            if not articles:
                break
            index %= len(articles)
            old = articles[index]
            if kind == "title":
                articles[index] = dataclasses.replace(old, title=f"{old.title}, round {number}")
            elif kind == "body":
                articles[index] = dataclasses.replace(old, html=f"<p>Round {number}.</p>")
                sources[old.path] = f"hash {old.path} {number}"
            elif kind == "time":
                articles[index] = article(int(old.slug.removeprefix("story-")), old.title,
                                          old.date + timedelta(hours=30), "World", [])
            elif kind == "gone":
                del articles[index]
            else:
                articles.append(article(made, f"Story {made}", START - timedelta(hours=made),
                                        "World", []))
                made += 1
        newest_first = sorted(articles, key=lambda item: item.sort_key)  # as a site has them
        again = plan_shards(newest_first, sources, CONFIG, memo)
        fresh = plan_shards(newest_first, sources, CONFIG)
        assert [(shard.fingerprint, shard.root, tuple(map(id, shard.articles)))
                for shard in again] == [(shard.fingerprint, shard.root,
                                         tuple(map(id, shard.articles))) for shard in fresh]


def test_a_title_edited_remakes_the_shard_of_its_article_alone() -> None:
    articles = [article(i, f"Story {i}", START + timedelta(minutes=37 * i), "World", [])
                for i in range(400)]
    sources = {item.path: f"hash {item.path}" for item in articles}
    memo = PlanMemo()
    before = plan_shards(articles, sources, CONFIG, memo)
    assert len(before) >= 3
    articles[123] = dataclasses.replace(articles[123], title="Story 123, corrected")
    sources[articles[123].path] = "hash of the corrected file"
    after = plan_shards(articles, sources, CONFIG, memo)
    remade = [shard for shard, old in zip(after, before) if shard is not old]
    assert len(after) == len(before) and len(remade) == 1
    assert articles[123] in remade[0].articles
    assert remade[0].fingerprint != before[after.index(remade[0])].fingerprint


@settings(max_examples=300)
@given(base_articles, st.sampled_from([START + timedelta(hours=h)
                                       for h in (-30, -1, 0, 10, 25, 40, 47, 49, 60, 100)]))
def test_when_time_alone_changes_the_output_is_found_from_the_newest_articles_alone(
        base, now) -> None:
    """With every article published, `_until` looks through the site's articles, newest
    first, only as far as the news sitemap's window: the same moment as a look at all."""
    from digest.build import _until

    articles = [article(i, *fields) for i, fields in enumerate(base)]
    site = group_site(list(articles), CONFIG)[0]
    assert _until(site.articles, now, site, CONFIG, newest_first=True) == \
        _until(articles, now, site, CONFIG)
