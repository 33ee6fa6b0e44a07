"""Properties of whole builds: any site (articles, site.yaml, templates, file names, static
files) ends in a built site or in `path:line: message` problems with exit status 1; never
a traceback, never a file outside the project, and the same site twice gives the same bytes.
"""

from __future__ import annotations

import re
import tempfile
from datetime import datetime, timedelta, timezone
from pathlib import Path
from zoneinfo import ZoneInfo

import yaml
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from conftest import SiteDir, snapshot
from digest.articles import parse_date
from digest.config import parse_config
from digest.errors import DigestError

PROBLEM = re.compile(r"^\S.*?(:\d+)?: .+$")
SUMMARY = re.compile(r"^digest: \d+ problems?; nothing was written$")

scalars = (st.none() | st.booleans() | st.integers(-10**6, 10**30) | st.floats()
           | st.text(max_size=30)
           | st.sampled_from(["2025-06-01", "2025-06-01T10:00:00Z", "2025-06-01 10:00",
                              "Fri, 22 Mar 2024 15:16:00 -0400", "9999-12-31T23:59:59-12:00",
                              "0001-01-01", "https://example.org/x", "/img/a.png", "..",
                              "../../x", "a/b", "<script>x</script>", "", " ", "\u202e",
                              "World", "world  news"]))
values = st.recursive(scalars, lambda inner: st.lists(inner, max_size=3) | st.dictionaries(
    st.sampled_from(["name", "url", "src", "alt", "title", "x"]), inner, max_size=3),
    max_leaves=6)
keys = st.sampled_from(["title", "date", "topic", "tags", "author", "authors", "summary",
                        "source", "image", "slug", "updated", "draft", "sumary", "extra"])
bodies = st.one_of(
    st.text(max_size=200),
    st.lists(st.sampled_from([
        "Text.", "# Head", "- item", "    - nested", "1. one", "> quote", "| a | b |",
        "|--|--|", "```", "[^1]", "[^1]: note", "[link](/x)", "![i](y.png)", "<!--more-->",
        "<div>", "</div>", "<script>alert(1)</script>", "{: #id }", "*a*", "**", "`code`",
        "&amp;", "\\", "[", "](", "<a ", "\u0000", "\t", ""]), max_size=12).map("\n".join))


text = st.text(max_size=40)
some_text = st.text(min_size=1, max_size=40).filter(lambda t: any(c.isalnum() for c in t))
# values of the right type, and otherwise anything text can be
plausible = {
    "title": some_text, "topic": some_text, "summary": text, "author": some_text,
    "tags": st.lists(some_text, max_size=3), "authors": st.lists(some_text, max_size=2),
    "source": st.fixed_dictionaries({"name": some_text, "url": text.map(
        lambda t: "https://example.org/" + t.strip())}),
    "image": st.fixed_dictionaries({"src": text.map(lambda t: "/img/" + t.strip()),
                                    "alt": text}),
    "slug": st.from_regex(r"\A[a-z0-9]+(-[a-z0-9]+)*\Z").filter(lambda t: len(t) < 60),
    "updated": st.sampled_from(["2025-06-03", "2025-06-03T01:02:03-05:00"]),
    "draft": st.booleans(), "extra": values,
}


@st.composite
def plausible_articles(draw) -> str:
    chosen = draw(st.sets(st.sampled_from(sorted(plausible)), max_size=5))
    fields = {key: draw(plausible[key]) for key in sorted(chosen)}
    if "author" in fields and "authors" in fields:
        del fields["authors"]
    fields["title"] = draw(some_text)
    fields["date"] = draw(st.sampled_from(["2025-06-01", "2025-06-02T08:00:00+02:00",
                                           "2024-12-31 23:59", "Fri, 22 Mar 2024 15:16 -0400"]))
    return f"---\n{yaml.safe_dump(fields, allow_unicode=True)}---\n{draw(bodies)}"


@st.composite
def any_articles(draw) -> str | bytes:
    fields = draw(st.dictionaries(keys, values, max_size=9))
    front = yaml.safe_dump(fields, allow_unicode=True) if fields else ""
    return draw(st.sampled_from([f"---\n{front}---\n{draw(bodies)}", draw(st.text(max_size=200)),
                                 draw(st.binary(max_size=120))]))


names = st.text(st.characters(blacklist_categories=("Cs",), blacklist_characters="/\\\0"),
                min_size=1, max_size=30).filter(lambda n: n not in (".", "..") and len(
                    n.encode()) < 120)

good_configs = st.sampled_from([
    "title: A <b>site</b>\nbase_url: https://example.org/sub/path/\n",
    "timezone: Pacific/Kiritimati\nstrict_topics: false\npage_size: 1\n",
    "topics: [World, {title: Science, slug: sci}]\nfeeds: {content: summary}\n",
    "markdown: {smart_quotes: false, heading_anchors: false}\n"])
any_config = st.text(max_size=120) | st.dictionaries(st.sampled_from([
    "title", "description", "base_url", "language", "timezone", "author", "topics",
    "default_topic", "strict_topics", "front_page_days", "page_size", "feed_items", "cname",
    "markdown", "feeds", "titel"]), values, max_size=6).map(
    lambda d: yaml.safe_dump(d, allow_unicode=True))
site_yaml = st.randoms(use_true_random=False).flatmap(lambda r: (lambda roll: st.none(
    ) if roll < .6 else good_configs if roll < .85 else any_config)(r.random()))

templates = st.lists(st.sampled_from([
    "{% extends 'base.html' %}", "{% block content %}", "{% endblock %}", "{{ page.title }}",
    "{{ config.title | upper }}", "{{ nothing }}", "{{ 1 / 0 }}", "{% for d in days %}",
    "{% endfor %}", "{{ d.date | long_date }}", "{% include '_entry.html' %}", "{{",
    "{% if %}", "<p>", "{# note #}", "{% include 'index.html' %}", "{{ page.url | absolute }}",
    "text", "\u00e9", "{% raw %}", "{% endraw %}"]), max_size=8).map(" ".join)


def sometimes(draw) -> bool:
    """One time in four."""
    return draw(st.booleans()) and draw(st.booleans())


@st.composite
def sites(draw) -> dict[str, str | bytes]:
    """Mostly sites that build, some with one file of anything."""
    files: dict[str, str | bytes] = {}
    if draw(st.booleans()):
        files["site.yaml"] = draw(good_configs)
    elif sometimes(draw):
        files["site.yaml"] = draw(any_config)
    for index in range(draw(st.integers(1, 3))):
        folder = draw(st.sampled_from(["", "world/", "a b/", "ü/"]))
        files[f"content/{folder}{index}-{draw(names)}.md"] = draw(plausible_articles())
    if sometimes(draw):
        files[f"content/{draw(names)}.md"] = draw(any_articles() | plausible_articles())
    if sometimes(draw):
        name = draw(st.sampled_from(["index.html", "article.html", "base.html", "x.html"]))
        files[f"layouts/{name}"] = draw(templates | st.binary(max_size=40))
    if draw(st.booleans()):
        files[f"static/{draw(names)}"] = draw(st.binary(max_size=40))
    return files


def check_build(files: dict[str, str | bytes]) -> int:
    with tempfile.TemporaryDirectory() as temporary:
        top = Path(temporary)
        site = SiteDir(top / "site")
        site.root.mkdir()
        for name, content in files.items():  # as they are: no dedent, no stripping
            path = site.root / name
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(content if isinstance(content, bytes) else content.encode())
        run = site.digest("build")  # raises any exception that is not an exit status
        assert run.exit_code in (0, 1), run
        assert [p.name for p in top.iterdir()] == ["site"], "wrote outside the project"
        if run.exit_code == 1:
            lines = run.errors.splitlines()
            assert lines and SUMMARY.match(lines[-1]), run.errors
            assert all(PROBLEM.match(line) for line in lines[:-1]), run.errors
            event(f"problems in {lines[0].split('/')[0].split(':')[0]}")
            return 1
        first = snapshot(site.out)
        for path in site.out.rglob("*"):
            assert path.resolve().is_relative_to(site.out.resolve())
        assert site.digest("build").exit_code == 0
        assert snapshot(site.out) == first, "a second build of the same site differs"
        return 0


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(sites())
def test_any_site_builds_or_gives_problems(files: dict[str, str | bytes]) -> None:
    event(f"exit status {check_build(files)}")


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.tuples(names, bodies, st.sampled_from(["World", "Science", "world"])),
                min_size=1, max_size=6))
def test_valid_articles_always_build(stories) -> None:
    files = {}
    for index, (name, body, topic) in enumerate(stories):
        files[f"content/{index}-{name}.md"] = (
            f"---\ntitle: Story {index}\ndate: 2025-06-0{1 + index % 9}\ntopic: {topic}\n"
            f"slug: story-{index}\n---\n{body}")
    assert check_build(files) == 0


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=200))
def test_any_site_yaml_gives_a_config_or_problems_at_its_lines(text: str) -> None:
    try:
        parse_config(text, "site.yaml")
    except DigestError as err:
        assert err.problems
        for problem in err.problems:
            assert problem.path == "site.yaml" and problem.line >= 0 and problem.message


offsets = st.integers(-(23 * 60 + 59), 23 * 60 + 59).map(lambda m: timedelta(minutes=m))
zones = st.sampled_from(["UTC", "Pacific/Kiritimati", "Pacific/Pago_Pago", "Europe/Berlin",
                         "America/St_Johns", "Asia/Kathmandu"])


@settings(max_examples=400)
@given(st.datetimes(min_value=datetime(1, 1, 1), max_value=datetime(9999, 12, 31, 23, 59)),
       offsets, zones, st.booleans())
def test_dates_are_read_as_the_instant_written_or_refused(moment, offset, zone,
                                                          rfc822) -> None:
    written = moment.replace(tzinfo=timezone(offset), microsecond=0)
    if rfc822:
        from email.utils import format_datetime

        text = format_datetime(written)
    else:
        text = written.isoformat()
    try:
        parsed, has_time = parse_date(text, ZoneInfo(zone))
    except ValueError as err:
        assert "out of range" in str(err) or (rfc822 and written.year < 1000), (text, err)
        return
    if not rfc822 or written.year >= 1000:  # RFC 822 reads 4-digit years under 1000 oddly
        assert parsed == written and has_time
    assert parsed.tzinfo is not None


@settings(max_examples=300)
@given(st.text(max_size=40), zones)
def test_any_date_text_is_a_date_or_a_value_error(text: str, zone: str) -> None:
    try:
        parsed, _ = parse_date(text, ZoneInfo(zone))
    except ValueError:
        return
    assert parsed.tzinfo is not None and 1 <= parsed.year <= 9999
