"""Feeds and sitemap, read back with a real feed client."""

from __future__ import annotations

import json
import re
from html import unescape
import xml.etree.ElementTree as ET
from datetime import datetime, timedelta, timezone
from html.parser import HTMLParser
from urllib.parse import urlsplit

import feedparser
import pytest
from hypothesis import given
from hypothesis import strategies as st

from digest.build import Options, build
from digest.config import parse_config
from digest.feeds import feed_files, sitemap_files
from digest.pages import plan_pages
from digest.project import Project

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
                              image="{src: /img/one.jpg, alt: The map}",
                              source='{name: "Ledger & <Co>", '
                                     'url: "https://news.example.com/a?x=1&y=2"}',
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


MEDIA = "http://search.yahoo.com/mrss/"


def test_every_feed_format_carries_the_lead_image_and_the_source(site: SiteDir) -> None:
    site.write({
        "site.yaml": "base_url: https://example.org/sub/\n",
        "content/pic.md": article("Pictured", "2025-03-02T10:00:00Z",
                                  image="{src: /img/Quay Tram.PNG, alt: A tram}",
                                  source="{name: Harbor <Ledger>, "
                                         "url: 'https://l.example/t?a=1&b=2'}"),
        "content/odd.md": article("Odd", "2025-03-01T10:00:00Z",
                                  image="{src: 'https://cdn.example/x.heic', alt: A thing}"),
        "content/plain.md": article("Plain", "2025-02-28T10:00:00Z")})
    site.build()
    image = "https://example.org/sub/img/Quay%20Tram.PNG"
    source = "https://l.example/t?a=1&b=2"
    # RSS: Media RSS for the image, a closing paragraph for the source
    rss = parse(site, "feed.xml")
    pic, odd, plain = rss.entries
    assert pic.media_content == [{"url": image, "medium": "image", "type": "image/png"}]
    assert odd.media_content == [{"url": "https://cdn.example/x.heic", "medium": "image"}]
    assert "media_content" not in plain
    html = pic.content[0].value
    assert html.endswith('<p>Source: <a href="https://l.example/t?a=1&amp;b=2">'
                         'Harbor &lt;Ledger&gt;</a></p>'), html
    assert "Source:" not in odd.content[0].value
    raw = site.read("feed.xml")
    assert raw.count(f'xmlns:media="{MEDIA}"') == 1
    assert re.search(f'<rss [^>]*xmlns:media="{re.escape(MEDIA)}"', raw)
    root = ET.fromstring(raw)
    assert len(root.findall(f"channel/item/{{{MEDIA}}}content")) == 2
    assert root.find("channel/item/enclosure") is None  # it would need the file's length
    assert root.find("channel/item/source") is None  # that is for the feed an item came from
    # Atom: an enclosure link and a via link
    atom = parse_atom(site, "atom.xml")
    pic, odd, plain = atom.entries
    assert [(e.href, e.type) for e in pic.enclosures] == [(image, "image/png")]
    assert [e.href for e in odd.enclosures] == ["https://cdn.example/x.heic"]
    # no type rather than a guess: feedparser's "text/html" is its own default
    assert '<link rel="enclosure" href="https://cdn.example/x.heic"/>' in site.read("atom.xml")
    assert [link.href for link in pic.links if link.rel == "via"] == [source]
    assert plain.enclosures == [] and not [l for l in plain.links if l.rel == "via"]
    assert "Source:" not in pic.content[0].value  # Atom says it with the via link
    # JSON Feed as before, and the three agree
    data = read_json_feed(site, "feed.json")
    assert data["items"][0]["image"] == image and data["items"][0]["external_url"] == source
    assert "image" in data["items"][1] and "image" not in data["items"][2]


def test_summary_feeds_still_carry_the_lead_image_and_the_source(site: SiteDir) -> None:
    site.write({**SITE, "site.yaml": SITE["site.yaml"] + "feeds: {content: summary}\n"})
    site.build()
    one = parse(site, "topics/world/feed.xml").entries[1]
    assert one.media_content[0]["url"] == "https://example.org/sub/img/one.jpg"
    assert one.media_content[0]["type"] == "image/jpeg"
    atom = parse_atom(site, "topics/world/atom.xml").entries[1]
    assert [e.href for e in atom.enclosures] == ["https://example.org/sub/img/one.jpg"]
    assert [l.href for l in atom.links if l.rel == "via"] == [
        "https://news.example.com/a?x=1&y=2"]


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


def sitemap_locs(data: bytes | str, kind: str = "url") -> list[str]:
    """The <loc> of each entry of a sitemap (`url`) or of a sitemap index (`sitemap`)."""
    tree = ET.fromstring(data)
    assert tree.tag == f"{{{SITEMAP}}}{'urlset' if kind == 'url' else 'sitemapindex'}"
    return [loc.text for loc in tree.findall(f"s:{kind}/s:loc", {"s": SITEMAP})]


def test_more_pages_than_a_sitemap_may_hold_are_split_under_a_sitemap_index(
        site: SiteDir, monkeypatch: pytest.MonkeyPatch) -> None:
    site.write(SITE)
    site.build()
    every = sitemap_locs(site.read("sitemap.xml"))
    monkeypatch.setattr("digest.feeds.sitemaps.SITEMAP_URLS", 4)
    site.build()
    listed = sitemap_locs(site.read("sitemap.xml"), "sitemap")
    count = -(-len(every) // 4)
    assert listed == [f"https://example.org/sub/sitemap-{n}.xml" for n in range(1, count + 1)]
    parts = [sitemap_locs(site.read(urlsplit(loc).path.removeprefix("/sub/")))
             for loc in listed]
    assert [len(part) for part in parts] == [4] * (count - 1) + [len(every) - 4 * (count - 1)]
    assert [loc for part in parts for loc in part] == every
    assert "Sitemap: https://example.org/sub/sitemap.xml" in site.read("robots.txt")
    monkeypatch.undo()  # fewer pages again: one sitemap, and the others are gone
    site.build()
    assert sitemap_locs(site.read("sitemap.xml")) == every
    assert not list(site.out.glob("sitemap-*.xml"))


@given(st.lists(st.text(alphabet="ab\u00e9", min_size=1, max_size=30), max_size=40),
       st.integers(1, 9), st.integers(1, 600))
def test_split_sitemaps_keep_every_entry_in_order_within_the_limits(
        texts: list[str], urls: int, size: int) -> None:
    config = parse_config("base_url: https://example.org/sub/", "site.yaml")
    entries = [f"<url><loc>https://example.org/sub/{text}/</loc></url>\n" for text in texts]
    files = sitemap_files(config, [], entries, urls, size)
    if list(files) == ["sitemap.xml"]:
        found = [sitemap_locs(files["sitemap.xml"])]
        assert len(texts) <= urls
    else:
        names = [urlsplit(loc).path.removeprefix("/sub/")
                 for loc in sitemap_locs(files["sitemap.xml"], "sitemap")]
        assert names == [f"sitemap-{n}.xml" for n in range(1, len(files))] == list(files)[1:]
        found = [sitemap_locs(files[name]) for name in names]
    assert [loc for part in found for loc in part] == [
        f"https://example.org/sub/{text}/" for text in texts]
    for part, name in zip(found, files if len(files) == 1 else list(files)[1:]):
        assert len(part) <= urls
        assert len(files[name]) <= size or len(part) <= 1


def test_unicode_urls_are_percent_encoded_in_feeds(site: SiteDir) -> None:
    site.write({"content/2025-01-01-zürich-ελλάδα.md": article("Zürich", "2025-01-01")})
    site.build()
    feed = parse(site, "feed.xml")
    assert feed.entries[0].link == ("http://localhost:8000/2025/01/01/zurich-"
                                    "%CE%B5%CE%BB%CE%BB%CE%AC%CE%B4%CE%B1/")


# Atom and JSON Feed beside RSS, all three from one item model

def parse_atom(site: SiteDir, name: str) -> feedparser.FeedParserDict:
    feed = parse(site, name)
    assert feed.version == "atom10"
    return feed


def read_json_feed(site: SiteDir, name: str) -> dict:
    raw = (site.out / name).read_bytes()
    data = json.loads(raw)
    check_json_feed(data)
    return data


def check_json_feed(data: dict) -> None:
    """The rules of https://jsonfeed.org/version/1.1 that a feed can break."""
    assert data["version"] == "https://jsonfeed.org/version/1.1"
    assert isinstance(data["title"], str) and data["title"]
    assert isinstance(data["items"], list)
    for key in ("home_page_url", "feed_url"):
        assert urlsplit(data[key]).scheme == "https", key
    for author in data.get("authors", []):
        assert set(author) <= {"name", "url", "avatar"} and author, author
    ids = [item["id"] for item in data["items"]]
    assert len(ids) == len(set(ids))
    for item in data["items"]:
        assert isinstance(item["id"], str) and item["id"]
        assert isinstance(item.get("content_html", item.get("content_text")), str), item
        for key in ("url", "external_url", "image"):
            if key in item:
                assert urlsplit(item[key]).scheme in ("http", "https"), (key, item[key])
        for key in ("date_published", "date_modified"):
            if key in item:
                assert RFC3339.fullmatch(item[key]), item[key]
                assert datetime.fromisoformat(item[key]).tzinfo is not None
        for key in ("title", "summary", "content_text", "content_html"):
            assert isinstance(item.get(key, ""), str)
        assert all(isinstance(tag, str) for tag in item.get("tags", []))
        for author in item.get("authors", []):
            assert set(author) <= {"name", "url", "avatar"} and author


RFC3339 = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)")


def test_atom_feeds_hold_the_same_items_as_rss(site: SiteDir) -> None:
    site.write(SITE)
    site.build()
    for folder in ("", "topics/world/", "topics/science/", "tags/trade/"):
        rss, atom = parse(site, f"{folder}feed.xml"), parse_atom(site, f"{folder}atom.xml")
        assert atom.feed.title == rss.feed.title
        assert [(e.title, e.link, e.id) for e in atom.entries] == [
            (e.title, e.link, e.id) for e in rss.entries]
        self_links = [link.href for link in atom.feed.links if link.rel == "self"]
        assert self_links == [f"https://example.org/sub/{folder}atom.xml"]
    feed = parse_atom(site, "atom.xml")
    assert feed.feed.link == "https://example.org/sub/"
    two = feed.entries[0]
    assert two.published == "2025-07-11T10:00:00+02:00"  # Berlin, summer
    assert two.updated == "2025-07-12T10:00:00+02:00"
    assert feed.feed.updated == "2025-07-12T10:00:00+02:00"


def test_atom_entries_carry_authors_categories_and_full_content(site: SiteDir) -> None:
    site.write(SITE)
    site.build()
    feed = parse_atom(site, "topics/world/atom.xml")
    one = feed.entries[1]
    assert one.title == "One & <Only>"
    assert one.author == "Ana"
    assert {t.term for t in one.tags} == {"World", "Trade"}
    assert one.summary == "See the map and ."
    html = one.content[0].value
    assert one.content[0].type == "text/html"
    assert 'href="https://example.org/sub/img/map.png"' in html
    assert 'src="https://example.org/sub/img/x.png"' in html
    assert feed.feed.author == "Feed Test"  # items without an author fall back on the site


def test_json_feeds_follow_the_spec_and_match_rss(site: SiteDir) -> None:
    site.write(SITE)
    site.build()
    for folder in ("", "topics/world/", "topics/science/", "tags/trade/"):
        data = read_json_feed(site, f"{folder}feed.json")
        rss = parse(site, f"{folder}feed.xml")
        assert data["title"] == rss.feed.title
        assert data["feed_url"] == f"https://example.org/sub/{folder}feed.json"
        assert [(i["title"], i["url"]) for i in data["items"]] == [
            (e.title, e.link) for e in rss.entries]
    data = read_json_feed(site, "topics/world/feed.json")
    two, one = data["items"][0], data["items"][1]
    assert two["date_published"] == "2025-07-11T10:00:00+02:00"
    assert two["date_modified"] == "2025-07-12T10:00:00+02:00"
    assert one["authors"] == [{"name": "Ana"}]
    assert one["tags"] == ["World", "Trade"]
    assert one["summary"] == "See the map and ."
    assert 'src="https://example.org/sub/img/x.png"' in one["content_html"]
    assert data["home_page_url"] == "https://example.org/sub/topics/world/"


def test_every_feed_of_every_format_is_valid(site: SiteDir) -> None:
    site.write(SITE)
    site.build()
    folders = {p.parent for p in site.out.rglob("feed.xml")}
    assert len(folders) == 4  # the site's, World's, Science's and the tag Trade's
    for folder in folders:
        rel = folder.relative_to(site.out).as_posix()
        rel = "" if rel == "." else rel + "/"
        parse(site, f"{rel}feed.xml")
        parse_atom(site, f"{rel}atom.xml")
        read_json_feed(site, f"{rel}feed.json")


def test_feed_titles_say_what_they_hold(site: SiteDir) -> None:
    site.write(SITE)
    site.build()
    assert parse(site, "feed.xml").feed.title == "Feed Test"
    assert parse(site, "topics/world/feed.xml").feed.title == "Feed Test: World"
    assert parse(site, "tags/trade/feed.xml").feed.title == "Feed Test: Tagged “Trade”"
    assert [e.title for e in parse(site, "tags/trade/feed.xml").entries] == ["One & <Only>"]


class Alternates(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.feeds: list[tuple[str, str, str]] = []

    def handle_starttag(self, tag: str, attrs) -> None:
        found = dict(attrs)
        if tag == "link" and found.get("rel") == "alternate":
            self.feeds.append((found["type"], found["href"], found["title"]))


def alternates(site: SiteDir, page: str) -> list[tuple[str, str, str]]:
    parser = Alternates()
    parser.feed(site.read(page))
    return parser.feeds


def test_pages_announce_the_feeds_that_apply_to_them(site: SiteDir) -> None:
    site.write(SITE)
    site.build()
    own = [("application/rss+xml", "/sub/feed.xml", "Feed Test (RSS)"),
           ("application/atom+xml", "/sub/atom.xml", "Feed Test (Atom)"),
           ("application/feed+json", "/sub/feed.json", "Feed Test (JSON Feed)")]
    for page in ("index.html", "archive/index.html", "2025/07/11/index.html", "404.html"):
        assert alternates(site, page) == own, page
    world = [("application/rss+xml", "/sub/topics/world/feed.xml", "Feed Test: World (RSS)"),
             ("application/atom+xml", "/sub/topics/world/atom.xml", "Feed Test: World (Atom)"),
             ("application/feed+json", "/sub/topics/world/feed.json",
              "Feed Test: World (JSON Feed)")]
    assert alternates(site, "topics/world/index.html") == own + world
    # an article page, of which a site has thousands, names the RSS of the site and its topic
    assert alternates(site, "2025/01/10/one/index.html") == [own[0], world[0]]
    assert alternates(site, "tags/trade/index.html")[3:] == [
        ("application/rss+xml", "/sub/tags/trade/feed.xml", "Feed Test: Tagged “Trade” (RSS)"),
        ("application/atom+xml", "/sub/tags/trade/atom.xml",
         "Feed Test: Tagged “Trade” (Atom)"),
        ("application/feed+json", "/sub/tags/trade/feed.json",
         "Feed Test: Tagged “Trade” (JSON Feed)")]
    for _, href, _ in alternates(site, "tags/trade/index.html"):
        assert (site.out / href.removeprefix("/sub/")).is_file()


def test_feeds_can_carry_summaries_only(site: SiteDir) -> None:
    site.write({**SITE, "site.yaml": SITE["site.yaml"] + "feeds: {content: summary}\n"})
    site.build()
    rss = site.read("topics/world/feed.xml")
    assert "content:encoded>" not in rss and "img/map.png" not in rss
    one = parse(site, "topics/world/feed.xml").entries[1]
    assert one.summary == "See the map and ."
    atom = parse_atom(site, "topics/world/atom.xml")
    assert "content" not in atom.entries[1] and atom.entries[1].summary == "See the map and ."
    item = read_json_feed(site, "topics/world/feed.json")["items"][1]
    assert "content_html" not in item
    assert item["content_text"] == item["summary"] == "See the map and ."


def test_tag_feeds_carry_summaries_unless_asked_for_whole_articles(site: SiteDir) -> None:
    site.write(SITE)
    site.build()
    tagged = parse(site, "tags/trade/feed.xml").entries[0]
    assert "content" not in tagged and tagged.summary == "See the map and ."
    assert "content" not in parse_atom(site, "tags/trade/atom.xml").entries[0]
    assert "content_html" not in read_json_feed(site, "tags/trade/feed.json")["items"][0]
    assert "img/map.png" in parse(site, "topics/world/feed.xml").entries[1].content[0].value
    site.write({"site.yaml": SITE["site.yaml"] + "feeds: {tags: full}\n"})
    site.build()
    assert "img/map.png" in parse(site, "tags/trade/feed.xml").entries[0].content[0].value
    site.write({"site.yaml": SITE["site.yaml"] + "feeds: {tags: all}\n"})
    run = site.digest("build")
    assert run.exit_code == 1
    assert "feeds.tags: 'all' is not one of: full, summary" in run.errors


RELATIVE_BODY = """\
[Next door](../../11/other/), [below](sub/page/), [here](#part), [root](/about/),
![A photo](photo.jpg) [mail](mailto:desk@example.org) [away](https://example.com/x?a=1&b=2)

<img srcset="small.jpg 1x, /big.jpg 2x" src="a b.png" alt="raw">
"""


def test_relative_links_and_images_become_absolute_in_every_feed(site: SiteDir) -> None:
    site.write({"site.yaml": "base_url: https://example.org/sub/\nmarkdown: {unsafe_html: true}\n",
                "content/rel.md": article("Relative", "2025-02-10T10:00:00Z",
                                          body=RELATIVE_BODY)})
    site.build()
    page = "https://example.org/sub/2025/02/10/rel/"
    expected = ['href="https://example.org/sub/2025/02/11/other/"',
                f'href="{page}sub/page/"', f'href="{page}#part"',
                'href="https://example.org/sub/about/"', f'src="{page}photo.jpg"',
                'href="mailto:desk@example.org"', 'href="https://example.com/x?a=1&amp;b=2"',
                f'srcset="{page}small.jpg 1x, https://example.org/big.jpg 2x"',
                f'src="{page}a%20b.png"']
    rss = parse(site, "feed.xml").entries[0].content[0].value
    atom = parse_atom(site, "atom.xml").entries[0].content[0].value
    json_html = read_json_feed(site, "feed.json")["items"][0]["content_html"]
    for html in (rss, atom, json_html):
        for needle in expected[:7]:
            assert needle in html, (needle, html)
    for needle in expected[7:]:
        assert needle in json_html, (needle, json_html)


HOSTILE = '</script><script>alert(1)</script> "Quoted" & <b>bold</b> \'single\''


def test_hostile_titles_stay_inert_in_every_feed_format(site: SiteDir) -> None:
    quoted = json.dumps(HOSTILE)  # a YAML double-quoted string
    site.write({"site.yaml": "title: A & B <Brief>\nbase_url: https://example.org/sub/\n",
                # a day before the build: in the news sitemap too
                "content/bad.md": article(quoted, "2025-12-31T10:00:00Z", summary=quoted,
                                          tags=f"[{quoted}]")})
    site.build()
    names = [p.relative_to(site.out).as_posix() for p in site.out.rglob("*")
             if p.name in ("feed.xml", "atom.xml", "feed.json", "news-sitemap.xml")]
    assert len(names) == 10
    for name in names:
        raw = (site.out / name).read_text("utf-8")
        assert "<script" not in raw and "<b>" not in raw, name
    for name in (n for n in names if n.endswith(("feed.xml", "atom.xml"))):
        feed = parse(site, name)
        entry = feed.entries[0]
        assert entry.title == HOSTILE, name
        # RSS readers take <description> as HTML: the text arrives as escaped HTML
        summary = entry.summary_detail
        assert (unescape(summary.value) if summary.type == "text/html"
                else summary.value) == HOSTILE, name
        assert HOSTILE in {t.term for t in entry.tags}, name
    for name in (n for n in names if n.endswith("feed.json")):
        data = read_json_feed(site, name)
        assert data["items"][0]["title"] == data["items"][0]["summary"] == HOSTILE
        assert data["title"].startswith("A & B <Brief>")
    news = ET.fromstring(site.read("news-sitemap.xml"))
    assert news.find(f"{{{SITEMAP}}}url/{{{NEWS}}}news/{{{NEWS}}}title").text == HOSTILE


SITEMAP = "http://www.sitemaps.org/schemas/sitemap/0.9"
NEWS = "http://www.google.com/schemas/sitemap-news/0.9"


def feed_files_at(site: SiteDir, now: datetime | None) -> dict[str, bytes]:
    """The feed files of the site as feed_files makes them for a build at `now`."""
    project = Project.at(site.root / "site.yaml")
    config = parse_config((site.root / "site.yaml").read_text("utf-8"), "site.yaml")
    result = build(project, config, Options(), datetime(2030, 1, 1, tzinfo=timezone.utc),
                   write=False)
    return feed_files(config, result.site, plan_pages(result.site, config), now)


def news_entries(data: bytes) -> list[tuple[str, str, str, str, str]]:
    tree = ET.fromstring(data)
    found = []
    for url in tree.findall(f"{{{SITEMAP}}}url"):
        news = url.find(f"{{{NEWS}}}news")
        found.append((url.find(f"{{{SITEMAP}}}loc").text,
                      news.find(f"{{{NEWS}}}publication/{{{NEWS}}}name").text,
                      news.find(f"{{{NEWS}}}publication/{{{NEWS}}}language").text,
                      news.find(f"{{{NEWS}}}publication_date").text,
                      news.find(f"{{{NEWS}}}title").text))
    return found


def test_news_sitemap_holds_the_two_days_before_the_build(site: SiteDir) -> None:
    site.write({**SITE, "site.yaml": SITE["site.yaml"] + "language: pt-BR\n"})
    now = datetime(2025, 1, 13, 20, 0, tzinfo=timezone.utc)
    entries = news_entries(feed_files_at(site, now)["news-sitemap.xml"])
    # Four (Jan 13, 00:00 UTC) and Three (Jan 11, 23:00 UTC) are within two days;
    # One (Jan 10) is older and Two (July) is after the build
    assert entries == [
        ("https://example.org/sub/2025/01/13/four/", "Feed Test", "pt",
         "2025-01-13T05:30:00+01:00", "Four"),
        ("https://example.org/sub/2025/01/12/three/", "Feed Test", "pt",
         "2025-01-12T00:00:00+01:00", "Three")]
    later = news_entries(feed_files_at(site, now + timedelta(days=1))["news-sitemap.xml"])
    assert [e[4] for e in later] == ["Four"]


def test_news_sitemap_without_a_build_time_counts_from_the_newest_article(
        site: SiteDir) -> None:
    site.write(SITE)
    entries = news_entries(feed_files_at(site, None)["news-sitemap.xml"])
    assert [e[4] for e in entries] == ["Two"]
    site.build()
    ET.fromstring(site.read("news-sitemap.xml"))


def test_robots_txt_names_both_sitemaps(site: SiteDir) -> None:
    site.write(SITE)
    site.build()
    robots = site.read("robots.txt").splitlines()
    assert robots[:2] == ["User-agent: *", "Allow: /"]
    assert [line for line in robots if line.startswith("Sitemap:")] == [
        "Sitemap: https://example.org/sub/sitemap.xml",
        "Sitemap: https://example.org/sub/news-sitemap.xml"]
    ET.fromstring(site.read("news-sitemap.xml"))
