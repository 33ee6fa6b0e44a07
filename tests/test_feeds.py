"""Feeds and sitemap, read back with a real feed client."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from datetime import datetime, timezone

import feedparser

from conftest import SiteDir, article

SITE = {
    "site.yaml": """
        title: Feed Test
        description: Testing feeds.
        base_url: https://example.org/sub/
        timezone: Europe/Berlin
        feed_items: 3
        topics: [{title: World, description: Abroad}]
        """,
    "content/one.md": article("One & <Only>", "2025-01-10T10:00:00Z", topic="World",
                              author="Ana", tags="[Trade]",
                              body="See [the map](/img/map.png) and ![x](/img/x.png).[^1]\n\n"
                                   "[^1]: A note."),
    "content/two.md": article("Two", "2025-07-11T10:00:00", topic="World",
                              updated="2025-07-12T08:00:00Z"),
    "content/three.md": article("Three", "2025-01-12", topic="Science"),
    "content/four.md": article("Four", "2025-01-13T10:00:00+05:30", topic="Science"),
    "content/five.md": article("Five", "2024-12-01T10:00:00Z", topic="World"),
}


def parse(site: SiteDir, name: str) -> feedparser.FeedParserDict:
    feed = feedparser.parse((site.out / name).read_bytes())
    assert not feed.bozo, feed.get("bozo_exception")
    return feed


def test_site_feed_has_the_newest_items_with_absolute_links_and_guids(site: SiteDir) -> None:
    site.write(SITE)
    site.build()
    feed = parse(site, "feed.xml")
    assert feed.version == "rss20"
    assert feed.feed.title == "Feed Test"
    assert feed.feed.link == "https://example.org/sub/"
    assert [e.title for e in feed.entries] == ["Two", "Four", "Three"]
    for entry in feed.entries:
        assert entry.link.startswith("https://example.org/sub/20")
        assert entry.id == entry.link
    assert site.read("feed.xml").count('<guid isPermaLink="true">') == 3
    self_links = [link.href for link in feed.feed.links if link.rel == "self"]
    assert self_links == ["https://example.org/sub/feed.xml"]


def test_dates_are_rfc822_with_the_site_offset(site: SiteDir) -> None:
    site.write(SITE)
    site.build()
    text = site.read("feed.xml")
    assert "<pubDate>Fri, 11 Jul 2025 10:00:00 +0200</pubDate>" in text  # Berlin, summer
    assert "<pubDate>Mon, 13 Jan 2025 05:30:00 +0100</pubDate>" in text  # +05:30 -> Berlin
    assert "<lastBuildDate>Sat, 12 Jul 2025 10:00:00 +0200</lastBuildDate>" in text
    feed = parse(site, "feed.xml")
    published = datetime(*feed.entries[0].published_parsed[:6], tzinfo=timezone.utc)
    assert published == datetime(2025, 7, 11, 8, 0, tzinfo=timezone.utc)


def test_topic_feed_holds_its_topic_with_full_content(site: SiteDir) -> None:
    site.write(SITE)
    site.build()
    feed = parse(site, "topics/world/feed.xml")
    assert feed.feed.title == "Feed Test: World"
    assert feed.feed.subtitle == "Abroad"
    assert [e.title for e in feed.entries] == ["Two", "One & <Only>", "Five"]
    one = feed.entries[1]
    assert one.author == "Ana"
    assert {t.term for t in one.tags} == {"World", "Trade"}
    html = one.content[0].value
    assert 'href="https://example.org/sub/img/map.png"' in html
    assert 'src="https://example.org/sub/img/x.png"' in html
    assert 'href="https://example.org/sub/2025/01/10/one/#fn:1"' in html
    assert one.summary == "See the map and ."
    assert parse(site, "topics/science/feed.xml").entries[0].title == "Four"


def test_every_feed_parses_and_pages_announce_them(site: SiteDir) -> None:
    site.write(SITE)
    site.build()
    for path in site.out.rglob("feed.xml"):
        parse(site, path.relative_to(site.out).as_posix())
    front = site.read("index.html")
    assert 'type="application/rss+xml"' in front and 'href="/sub/feed.xml"' in front
    topic = site.read("topics/world/index.html")
    assert 'href="/sub/topics/world/feed.xml"' in topic


def test_an_empty_site_still_has_a_valid_feed(site: SiteDir) -> None:
    site.write({"content/.keep": ""})
    site.build()
    feed = parse(site, "feed.xml")
    assert feed.entries == []


def test_sitemap_lists_every_page_with_absolute_urls(site: SiteDir) -> None:
    site.write(SITE)
    site.build()
    tree = ET.fromstring(site.read("sitemap.xml"))
    ns = {"s": "http://www.sitemaps.org/schemas/sitemap/0.9"}
    locs = [loc.text for loc in tree.findall("s:url/s:loc", ns)]
    assert "https://example.org/sub/" in locs
    assert "https://example.org/sub/2025/07/11/two/" in locs
    assert all(loc.startswith("https://example.org/sub/") for loc in locs)
    assert not any("404" in loc for loc in locs)
    assert len(locs) == len(set(locs))


def test_unicode_urls_are_percent_encoded_in_feeds(site: SiteDir) -> None:
    site.write({"content/2025-01-01-zürich-ελλάδα.md": article("Zürich", "2025-01-01")})
    site.build()
    feed = parse(site, "feed.xml")
    assert feed.entries[0].link == ("http://localhost:8000/2025/01/01/zurich-"
                                    "%CE%B5%CE%BB%CE%BB%CE%AC%CE%B4%CE%B1/")
