"""Whole sites built into temporary folders; assertions on what was written."""

from __future__ import annotations

import re
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urlsplit

from conftest import SiteDir, article

SITE_YAML = """
title: Test Brief
base_url: https://example.org/news/
timezone: America/New_York
topics:
  - title: World
    description: Abroad.
  - title: Science
front_page_days: 2
page_size: 2
feed_items: 3
"""


def build_sample(site: SiteDir) -> None:
    site.write({
        "site.yaml": SITE_YAML,
        "content/alpha.md": article("Alpha", "2025-03-02T09:00:00-05:00", topic="Science",
                                tags="[Space, Climate]"),
        "content/bravo.md": article("Bravo", "2025-03-02T08:00:00-05:00", topic="world"),
        "content/sub/deep/charlie.md": article("Charlie", "2025-03-01", topic="World",
                                         tags="[space]"),
        "content/delta.md": article("Delta", "2025-02-27T12:00:00Z", topic="Science"),
        "content/2025-02-27-echo.md": article("Echo", "2025-02-27T13:00:00Z", topic="Science",
                                tags="[Space]"),
        "content/.#lock.md": "not an article",
        "content/e.md~": "editor backup",
        "content/.e.md.swp": "swap file",
        "content/notes.txt": "not markdown",
        "static/img/x.svg": "<svg xmlns='http://www.w3.org/2000/svg'/>",
    })
    site.build()


class Links(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.urls: list[str] = []
        self.ids: list[str] = []

    def handle_starttag(self, tag: str, attrs) -> None:
        for name, value in attrs:
            if name in ("href", "src") and value:
                self.urls.append(value)
            if name == "id" and value:
                self.ids.append(value)


def links_of(html: str) -> Links:
    parser = Links()
    parser.feed(html)
    return parser


def titles_in_order(html: str, names: list[str]) -> list[str]:
    return sorted(names, key=lambda n: html.index(n) if n in html else 10**9)


def test_every_page_kind_is_written(site: SiteDir) -> None:
    build_sample(site)
    for name in ["index.html", "archive/index.html", "topics/index.html",
                 "topics/world/index.html", "topics/science/index.html",
                 "topics/science/page/2/index.html", "tags/index.html",
                 "tags/space/index.html", "tags/space/page/2/index.html",
                 "tags/climate/index.html", "2025/03/02/index.html", "2025/03/01/index.html",
                 "2025/02/27/index.html", "2025/03/02/alpha/index.html",
                 "2025/03/01/charlie/index.html", "feed.xml", "topics/world/feed.xml",
                 "topics/science/feed.xml", "sitemap.xml", "404.html", ".nojekyll",
                 "theme.css", "img/x.svg"]:
        assert (site.out / name).is_file(), name
    assert not (site.out / "topics/science/page/3").exists()
    assert not list(site.out.rglob("*lock*")) and not list(site.out.rglob("*.swp"))


def test_front_page_shows_last_days_grouped_by_topic_in_configured_order(site: SiteDir) -> None:
    build_sample(site)
    front = site.read("index.html")
    # front_page_days: 2 -> March 2 and March 1 only
    assert "Alpha" in front and "Bravo" in front and "Charlie" in front
    assert "Delta" not in front and "Echo" not in front
    # Alpha, the newest, leads March 2 and its topic comes first; the other topics follow
    # in site.yaml's order (tests/test_front_page.py)
    assert titles_in_order(front, ["Alpha", "Bravo", "Charlie"]) == ["Alpha", "Bravo", "Charlie"]
    day = site.read("2025/02/27/index.html")
    assert titles_in_order(day, ["Delta", "Echo"]) == ["Echo", "Delta"]  # newest first


def test_topic_pages_paginate_newest_first(site: SiteDir) -> None:
    build_sample(site)
    first = site.read("topics/science/index.html")
    second = site.read("topics/science/page/2/index.html")
    assert "Alpha" in first and "Echo" in first and "Delta" not in first
    assert "Delta" in second and "Alpha" not in second
    assert 'href="/news/topics/science/page/2/"' in first
    assert 'href="/news/topics/science/"' in second


def test_topics_and_tags_match_case_insensitively(site: SiteDir) -> None:
    build_sample(site)
    world = site.read("topics/world/index.html")
    assert "Bravo" in world and "Charlie" in world  # "world" and "World"
    space = site.read("tags/space/index.html") + site.read("tags/space/page/2/index.html")
    assert all(name in space for name in ("Alpha", "Charlie", "Echo"))
    assert not (site.out / "tags/space-2").exists()


def test_article_page_has_byline_time_topic_tags_and_neighbours(site: SiteDir) -> None:
    site.write({
        "site.yaml": SITE_YAML,
        "content/older-one.md": article("Older one", "2025-03-01T10:00:00Z", topic="World"),
        "content/middle-one.md": article(
            "Middle one", "2025-03-02T10:00:00Z", topic="World", author="Ana Ruiz",
            tags="[Diplomacy]", source="{name: Example Wire, url: 'https://example.com/s'}",
            image="{src: /img/p.jpg, alt: Delegates at a table}"),
        "content/newer-one.md": article("Newer one", "2025-03-03T10:00:00Z", topic="World"),
    })
    site.build()
    page = site.read("2025/03/02/middle-one/index.html")
    assert "Ana Ruiz" in page
    assert 'datetime="2025-03-02T05:00:00-05:00"' in page
    assert 'href="/news/topics/world/"' in page
    assert 'href="/news/tags/diplomacy/"' in page
    assert 'href="https://example.com/s"' in page and "Example Wire" in page
    assert 'src="/news/img/p.jpg"' in page and 'alt="Delegates at a table"' in page
    assert 'href="/news/2025/03/03/newer-one/"' in page
    assert 'href="/news/2025/03/01/older-one/"' in page


def test_day_follows_the_site_timezone(site: SiteDir) -> None:
    late_la = "2025-03-01T23:30:00-08:00"  # 02:30 on March 2 in New York
    site.write({"site.yaml": "timezone: America/New_York\n",
                "content/late-night.md": article("Late night", late_la),
                "content/local-time.md": article("Local time", "2025-03-01T23:30:00")})
    site.build()
    assert (site.out / "2025/03/02/late-night/index.html").is_file()
    assert (site.out / "2025/03/01/local-time/index.html").is_file()
    site.write({"site.yaml": "timezone: America/Los_Angeles\n"})
    site.build()
    assert (site.out / "2025/03/01/late-night/index.html").is_file()
    assert not (site.out / "2025/03/02/late-night").exists()


def test_every_internal_link_resolves_under_the_base_path(site: SiteDir) -> None:
    build_sample(site)
    checked = 0
    for page in site.out.rglob("*.html"):
        for url in links_of(page.read_text("utf-8")).urls:
            parts = urlsplit(url)
            if parts.scheme or url.startswith("#") or url.startswith("mailto:"):
                continue
            assert parts.path.startswith("/news/"), f"{page}: {url} escapes the base path"
            target = site.out / unquote(parts.path).removeprefix("/news/")
            if parts.path.endswith("/"):
                target = target / "index.html"
            assert target.is_file(), f"{page.relative_to(site.out)} links to missing {url}"
            checked += 1
    assert checked > 100


def test_a_missing_site_yaml_still_builds(site: SiteDir) -> None:
    site.write({"content/x.md": article("Only one")})
    run = site.build()
    assert "Built 1 articles" in run.output
    assert "Only one" in site.read("index.html")
    assert (site.out / "topics/general/index.html").is_file()


def test_two_builds_are_byte_identical(site: SiteDir, tmp_path: Path) -> None:
    build_sample(site)
    first = site.snapshot()
    site.build("--clean")
    assert site.snapshot() == first
    other = SiteDir(tmp_path / "copy")
    build_sample(other)
    assert other.snapshot() == first


def test_drafts_and_future_articles_need_their_flags(site: SiteDir) -> None:
    site.write({
        "content/draft-piece.md": article("Draft piece", draft="true"),
        "content/later.md": article("From the future", "2030-01-01"),
        "content/now.md": article("Published piece"),
    })
    site.build()
    front = site.read("index.html")
    assert "Published piece" in front
    assert "Draft piece" not in front and "From the future" not in front
    assert not list(site.out.rglob("draft-piece"))
    site.build("--drafts", "--future")
    front = site.read("index.html")
    assert "Draft piece" in front and "From the future" in front


def test_summary_comes_from_front_matter_then_more_then_first_paragraph(site: SiteDir) -> None:
    site.write({
        "content/a.md": article("Given", summary="Told in front matter.",
                                body="First para.\n\nSecond."),
        "content/b.md": article("Teaser", "2025-06-01T09:00:00Z",
                                body="Lead *one*.\n\nLead two.\n<!--more-->\nRest of it."),
        "content/c.md": article("Plain", "2025-06-01T08:00:00Z",
                                body="Opening words[^1] here.\n\nLater.\n\n[^1]: note"),
    })
    site.build()
    feed = site.read("feed.xml")
    assert "<description>Told in front matter.</description>" in feed
    assert "<description>Lead one. Lead two.</description>" in feed
    assert "<description>Opening words here.</description>" in feed


def test_markdown_extensions_render(site: SiteDir) -> None:
    body = ('He said "yes" -- then left...\n\n| a | b |\n|:--|--:|\n| 1 | 2 |\n\n'
            "Fact[^n].\n\n## Über uns {: .x }\n\n> A quote.\n\n[^n]: The note.\n")
    site.write({"content/rich.md": article("Rich", body=body)})
    site.build()
    page = site.read("2025/06/01/rich/index.html")
    assert "“yes” – then left…" in page
    assert '<th style="text-align:left">a</th>' in page
    assert 'class="footnote-ref"' in page and 'id="fn:n"' in page
    assert '<h2 id="uber-uns">Über uns</h2>' in page
    assert "<blockquote>" in page


def test_raw_html_is_sanitized_unless_allowed(site: SiteDir) -> None:
    hostile = ('<script>alert(1)</script><img src=x onerror="alert(2)">'
               '<a href="javascript:alert(3)">x</a><iframe src="https://e.com"></iframe>'
               '<p style="position:fixed" onclick="alert(4)">p</p>')
    site.write({"content/hostile.md": article("Hostile", body=hostile)})
    site.build()
    for name in ("2025/06/01/hostile/index.html", "feed.xml", "topics/general/feed.xml"):
        text = site.read(name)
        for needle in ("alert(", "onerror", "javascript:", "<iframe", "onclick", "position:"):
            assert needle not in text, (name, needle)
    site.write({"site.yaml": "markdown: {unsafe_html: true}\n"})
    site.build()
    assert "<script>alert(1)</script>" in site.read("2025/06/01/hostile/index.html")


def test_titles_with_markup_are_escaped(site: SiteDir) -> None:
    site.write({"content/a.md": article('"<b>Bold</b> & <script>x</script>"')})
    site.build()
    page = site.read("index.html")
    assert "<b>Bold</b>" not in page and "<script>x</script>" not in page
    assert "&lt;b&gt;Bold&lt;/b&gt; &amp; &lt;script&gt;" in page


def test_crlf_and_byte_order_mark_are_read(site: SiteDir) -> None:
    text = article("Windows file", body="Line one.\n\nLine two.").replace("\n", "\r\n")
    site.write({"content/windows-file.md": b"\xef\xbb\xbf" + text.encode("utf-8")})
    site.build()
    assert "Line two." in site.read("2025/06/01/windows-file/index.html")


def test_unicode_titles_topics_and_tags_get_stable_slugs(site: SiteDir) -> None:
    site.write({"content/2025-06-01-光の祭り.md": article(
        "「光の祭り」 begins", topic="Économie", tags="[Zürich, Ελλάδα]")})
    site.build()
    assert (site.out / "2025/06/01/光の祭り/index.html").is_file()
    assert (site.out / "topics/economie/index.html").is_file()
    assert (site.out / "tags/zurich/index.html").is_file()
    assert (site.out / "tags/ελλάδα/index.html").is_file()


def test_static_files_are_copied_as_they_are(site: SiteDir) -> None:
    data = bytes(range(256))
    site.write({"content/a.md": article(), "static/files/blob.bin": data,
                "static/CNAME": "news.example.org\n", "static/.well-known/x.txt": "x"})
    site.build()
    assert (site.out / "files/blob.bin").read_bytes() == data
    assert site.read("CNAME") == "news.example.org\n"
    assert site.read(".well-known/x.txt") == "x"


def test_layouts_override_theme_templates(site: SiteDir) -> None:
    site.write({"content/a.md": article(),
                "layouts/404.html": "{% extends 'base.html' %}{% block content %}GONE{% endblock %}"})
    site.build()
    assert "GONE" in site.read("404.html")
    assert "GONE" not in site.read("index.html")


def test_unchanged_files_are_not_rewritten(site: SiteDir) -> None:
    # different topics, so that no page of Second shows First's title
    site.write({"content/a.md": article("First", topic="One"),
                "content/second.md": article("Second", "2024-01-01", topic="Two")})
    site.build()
    old_page = site.out / "2024/01/01/second/index.html"
    inode = old_page.stat().st_ino
    site.write({"content/a.md": article("First, edited", topic="One")})
    site.build()
    assert (site.out / "2024/01/01/second/index.html").stat().st_ino == inode
    assert "First, edited" in site.read("index.html")
    assert not any(p.name.endswith((".digest-new", ".digest-old"))
                   for p in site.root.iterdir())  # no temporary folders left beside it


def test_removed_articles_disappear_from_the_output(site: SiteDir) -> None:
    site.write({"content/a.md": article("Stays"), "content/goes.md": article("Goes", "2024-01-01")})
    site.build()
    (site.root / "content/goes.md").unlink()
    site.build()
    assert not (site.out / "2024").exists()


def test_summary_line_counts_what_was_built(site: SiteDir) -> None:
    build_sample(site)
    run = site.build()
    # feeds: the site's, World's, Science's, and the tags Climate's and Space's
    assert re.fullmatch(r"Built 5 articles, \d+ pages, 5 feeds in \d+\.\d\d s → _site/\n",
                        run.output)


def test_a_no_op_build_leaves_the_output_untouched(site: SiteDir) -> None:
    build_sample(site)
    inode = site.out.stat().st_ino
    before = {p: p.stat().st_mtime_ns for p in site.out.rglob("*")}
    run = site.build()
    assert site.out.stat().st_ino == inode  # not even swapped
    assert {p: p.stat().st_mtime_ns for p in site.out.rglob("*")} == before
    assert run.output.startswith("Built 5 articles")


def test_an_output_file_changed_by_hand_is_written_again(site: SiteDir) -> None:
    build_sample(site)
    first = site.snapshot()
    page = site.out / "2025/03/02/alpha/index.html"
    page.write_text("tampered")
    site.build()
    assert site.snapshot() == first
