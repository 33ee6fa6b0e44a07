"""What article pages tell search engines and social sites: canonical URL, OpenGraph,
Twitter card and schema.org NewsArticle as JSON-LD, read back from the built pages."""

from __future__ import annotations

import json
import re
from html.parser import HTMLParser

from conftest import SiteDir, article

SITE = {
    "site.yaml": """
        title: Evening Brief
        base_url: https://example.org/sub/
        language: en-GB
        timezone: America/New_York
        author: The desk
        topics: [{title: Local}]
        """,
    "content/tram.md": article(
        "Council approves the tram", "2025-11-20T09:15:00", topic="Local",
        tags="[Transport, City Council]", authors="[Mara Quint, Søren Ålund]",
        summary="Nine votes to four.", updated="2025-11-21T08:00:00Z",
        image="{src: /img/tram.svg, alt: A sketch of the tram}",
        source="{name: Ledger, url: 'https://example.com/tram'}"),
    "content/plain.md": article("Plain", "2025-11-19", topic="Local"),
}


class Head(HTMLParser):
    """<meta> properties and names, <link rel>, and the text of each <script> by type."""

    def __init__(self) -> None:
        super().__init__()
        self.meta: dict[str, list[str]] = {}
        self.links: dict[str, list[str]] = {}
        self.scripts: list[tuple[str, str]] = []
        self.attributes: set[str] = set()
        self._script: str | None = None

    def handle_starttag(self, tag: str, attrs) -> None:
        found = dict(attrs)
        self.attributes.update(found)
        if tag == "meta" and ("property" in found or "name" in found):
            key = found.get("property") or found["name"]
            self.meta.setdefault(key, []).append(found["content"])
        elif tag == "link":
            self.links.setdefault(found["rel"], []).append(found["href"])
        elif tag == "script" and "src" not in found:  # the theme's files: no text to read
            self._script = found.get("type", "")
            self.scripts.append((self._script, ""))

    def handle_data(self, data: str) -> None:
        if self._script is not None:
            kind, text = self.scripts[-1]
            self.scripts[-1] = (kind, text + data)

    def handle_endtag(self, tag: str) -> None:
        if tag == "script":
            self._script = None


def head_of(html: str) -> Head:
    parser = Head()
    parser.feed(html)
    parser.close()
    return parser


def json_ld(head: Head) -> dict:
    [text] = [text for kind, text in head.scripts if kind == "application/ld+json"]
    return json.loads(text)


def test_article_pages_have_canonical_url_and_opengraph_tags(site: SiteDir) -> None:
    site.write(SITE)
    site.build()
    head = head_of(site.read("2025/11/20/tram/index.html"))
    url = "https://example.org/sub/2025/11/20/tram/"
    assert head.links["canonical"] == [url]
    assert head.meta["og:type"] == ["article"]
    assert head.meta["og:title"] == ["Council approves the tram"]
    assert head.meta["og:description"] == ["Nine votes to four."]
    assert head.meta["og:url"] == [url]
    assert head.meta["og:image"] == ["https://example.org/sub/img/tram.svg"]
    assert head.meta["og:image:alt"] == ["A sketch of the tram"]
    assert head.meta["og:site_name"] == ["Evening Brief"]
    assert head.meta["og:locale"] == ["en_GB"]
    assert head.meta["article:published_time"] == ["2025-11-20T09:15:00-05:00"]
    assert head.meta["article:modified_time"] == ["2025-11-21T03:00:00-05:00"]
    assert head.meta["article:section"] == ["Local"]
    assert head.meta["article:tag"] == ["Transport", "City Council"]
    assert head.meta["twitter:card"] == ["summary_large_image"]
    assert head.meta["twitter:image:alt"] == ["A sketch of the tram"]
    # the card takes its title, description and image from OpenGraph: no second copy
    assert not {"twitter:title", "twitter:description", "twitter:image"} & set(head.meta)
    plain = head_of(site.read("2025/11/19/plain/index.html"))
    assert plain.meta["twitter:card"] == ["summary"]
    assert "og:image" not in plain.meta
    assert "article:modified_time" not in plain.meta  # never updated


def test_article_pages_describe_a_news_article_in_json_ld(site: SiteDir) -> None:
    site.write(SITE)
    site.build()
    data = json_ld(head_of(site.read("2025/11/20/tram/index.html")))
    url = "https://example.org/sub/2025/11/20/tram/"
    assert data["@context"] == "https://schema.org"
    assert data["@type"] == "NewsArticle"
    assert data["headline"] == "Council approves the tram"
    assert data["url"] == url
    # said by the page's meta description and canonical URL, not again here
    assert "description" not in data and "mainEntityOfPage" not in data
    assert data["datePublished"] == "2025-11-20T09:15:00-05:00"
    assert data["dateModified"] == "2025-11-21T03:00:00-05:00"
    assert data["author"] == [{"@type": "Person", "name": "Mara Quint"},
                              {"@type": "Person", "name": "Søren Ålund"}]
    assert data["image"] == ["https://example.org/sub/img/tram.svg"]
    assert data["publisher"] == {"@type": "Organization", "name": "Evening Brief",
                                 "url": "https://example.org/sub/"}
    assert data["articleSection"] == "Local"
    assert data["keywords"] == ["Transport", "City Council"]
    assert data["inLanguage"] == "en-GB"
    assert data["isBasedOn"] == "https://example.com/tram"


def test_an_article_without_author_names_the_site_default(site: SiteDir) -> None:
    site.write({**SITE, "site.yaml": "title: Brief\n"})
    site.build()
    data = json_ld(head_of(site.read("2025/11/19/plain/index.html")))
    assert data["author"] == [{"@type": "Organization", "name": "Brief",
                               "url": "http://localhost:8000/"}]
    assert "image" not in data and "keywords" not in data


def test_microdata_is_gone_in_favour_of_json_ld(site: SiteDir) -> None:
    site.write(SITE)
    site.build()
    head = head_of(site.read("2025/11/20/tram/index.html"))
    assert not head.attributes & {"itemscope", "itemtype", "itemprop"}


def test_every_article_page_has_one_parseable_news_article(site: SiteDir) -> None:
    site.write(SITE)
    site.build()
    pages = [p for p in site.out.rglob("index.html")
             if "og:type" in head_of(p.read_text("utf-8")).meta]
    assert len(pages) == 2
    for page in pages:
        head = head_of(page.read_text("utf-8"))
        data = json_ld(head)
        assert data["@type"] == "NewsArticle"
        assert data["url"] == head.links["canonical"][0] == head.meta["og:url"][0]
        assert data["headline"] == head.meta["og:title"][0]


HOSTILE = '</script><script>alert(1)</script> "Quoted" & <!-- \'single\''


def test_hostile_titles_stay_inert_in_json_ld_and_meta_tags(site: SiteDir) -> None:
    quoted = json.dumps(HOSTILE)
    site.write({"content/bad.md": article(quoted, "2025-06-01T10:00:00Z", summary=quoted,
                                          tags=f"[{quoted}]", author=quoted)})
    site.build()
    html = site.read("2025/06/01/bad/index.html")
    # only the JSON-LD and the theme's scripts loaded by src: no title opened another
    assert len(re.findall(r"<script(?![^>]*\ssrc=)", html)) == 1
    head = head_of(html)
    data = json_ld(head)
    assert data["headline"] == HOSTILE
    assert data["keywords"] == [HOSTILE]
    assert data["author"] == [{"@type": "Person", "name": HOSTILE}]
    [(_, script)] = head.scripts
    assert "<" not in script and ">" not in script and "&" not in script
    assert head.meta["og:title"] == [HOSTILE]
    assert head.meta["og:description"] == head.meta["description"] == [HOSTILE]
    assert head.meta["article:tag"] == [HOSTILE]
