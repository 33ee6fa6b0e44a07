"""The sample site of this repository, built as it would be published under its sub-path,
checked as outside tools check it: a link crawl over HTTP and the Nu Html Checker."""

from __future__ import annotations

import http.client
import json
import os
import shutil
import subprocess
import threading
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from html.parser import HTMLParser
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import unquote, urldefrag, urljoin, urlsplit

import pytest

from conftest import SiteDir, article

ROOT = Path(__file__).parent.parent
VNU_JAR = ROOT / ".ci" / "node" / "node_modules" / "vnu-jar" / "build" / "dist" / "vnu.jar"
SITE_URL = "https://example.org/brief/"  # the sample site's base_url
BASE = "/brief/"


@pytest.fixture(scope="module")
def sample(tmp_path_factory: pytest.TempPathFactory) -> SiteDir:
    """This repository's content/, static/, layouts/ and site.yaml, built into a temp folder."""
    site = SiteDir(tmp_path_factory.mktemp("sample") / "site")
    for name in ("content", "static", "layouts"):
        if (ROOT / name).is_dir():
            shutil.copytree(ROOT / name, site.root / name)
    shutil.copy(ROOT / "site.yaml", site.root / "site.yaml")
    site.build("--future")  # the sample articles may be dated after the tests' fixed clock
    return site


@pytest.fixture(scope="module")
def tricky(tmp_path_factory: pytest.TempPathFactory) -> SiteDir:
    """A site with what tends to break markup: hostile and Unicode titles, images, notes."""
    site = SiteDir(tmp_path_factory.mktemp("tricky") / "site")
    hostile = json.dumps('</script><script>alert(1)</script> "Q" & <b>')
    site.write({
        "site.yaml": "title: 'A & B <Brief>'\nbase_url: https://example.org/brief/\n"
                     "language: de-CH\nfeeds: {content: summary}\n",
        "content/bad.md": article(hostile, "2025-06-01T10:00:00Z", summary=hostile,
                                  tags=f"[{hostile}, Zürich]", author=hostile,
                                  image="{src: /img/a.svg, alt: ''}",
                                  body="Text[^1] and [a link](other/).\n\n## Main\n\n"
                                       "## Contents\n\n[^1]: A note."),
        "content/2025-06-02-光の祭り.md": article("「光の祭り」", "2025-06-02",
                                              topic="Économie", updated="2025-06-03"),
        "static/img/a.svg": "<svg xmlns='http://www.w3.org/2000/svg'/>",
    })
    site.build()
    return site


class _Handler(BaseHTTPRequestHandler):
    """Serves one folder under BASE, as GitHub Pages does: index.html, 404.html."""

    folder: Path

    def do_GET(self) -> None:  # noqa: N802 - http.server's API
        path = unquote(urlsplit(self.path).path)
        target = None
        if path.startswith(BASE) and ".." not in path.split("/"):
            target = self.folder / path.removeprefix(BASE)
            if target.is_dir():
                target = target / "index.html" if path.endswith("/") else None
        status = 200
        if target is None or not target.is_file():
            status, target = 404, self.folder / "404.html"
        body = target.read_bytes()
        self.send_response(status)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args) -> None:
        pass


@pytest.fixture
def server(sample: SiteDir) -> Iterator[int]:
    handler = type("Handler", (_Handler,), {"folder": sample.out})
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield httpd.server_address[1]
    httpd.shutdown()
    httpd.server_close()


def fetch(port: int, path: str) -> tuple[int, bytes]:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    connection.request("GET", path)
    response = connection.getresponse()
    body = response.read()
    connection.close()
    return response.status, body


class _Links(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.urls: list[str] = []
        self.ids: set[str] = set()

    def handle_starttag(self, tag: str, attrs) -> None:
        for name, value in attrs:
            if name in ("href", "src") and value:
                self.urls.append(value)
            elif name == "srcset" and value:
                self.urls += [part.split()[0] for part in value.split(",")]
            elif name == "id" and value:
                self.ids.add(value)
            elif name == "content" and value and value.startswith(SITE_URL):
                self.urls.append(value)  # og:url, og:image


def page_links(html: bytes) -> _Links:
    parser = _Links()
    parser.feed(html.decode("utf-8"))
    return parser


def feed_links(name: str, data: bytes) -> list[str]:
    """The URLs in a feed, a sitemap or robots.txt."""
    if name.endswith(".txt"):
        return [line.split(":", 1)[1].strip() for line in data.decode().splitlines()
                if line.startswith("Sitemap:")]
    if name.endswith(".json"):
        feed = json.loads(data)
        return [feed["home_page_url"], feed["feed_url"]] + [
            item[key] for item in feed["items"] for key in ("url", "image") if key in item]
    tree = ET.fromstring(data)
    found = [el.text for el in tree.iter() if el.tag.split("}")[-1] in ("link", "guid", "loc")
             and el.text]
    # rel="via" names the story an article is based on, on another site by design
    return found + [el.get("href") for el in tree.iter()
                    if el.get("href") and el.get("rel") != "via"]


def test_a_crawl_under_the_sub_path_finds_no_broken_or_escaping_link(server: int) -> None:
    pages: dict[str, _Links] = {}
    queue = [BASE, BASE + "robots.txt"]  # robots.txt leads to the sitemaps
    broken, escaping, checked = [], [], 0
    while queue:
        path = queue.pop()
        if path in pages:
            continue
        status, body = fetch(server, path)
        if status != 200:
            broken.append(path)
            continue
        if not path.endswith((".html", "/")):
            pages[path] = _Links()
            if path.endswith((".xml", ".json", ".txt")):
                for url in feed_links(path, body):
                    assert url.startswith(SITE_URL), (path, url)
                    queue.append(urlsplit(url).path)
            continue
        pages[path] = links = page_links(body)
        for url in links.urls:
            parts = urlsplit(urljoin(SITE_URL.removesuffix(BASE) + path, url))
            if urlsplit(url).scheme:  # absolute: ours only when under the site's URL
                if url.startswith(SITE_URL):
                    queue.append(parts.path)
                continue
            checked += 1
            if not parts.path.startswith(BASE):
                escaping.append((path, url))
            else:
                queue.append(parts.path)
    assert not broken and not escaping, (broken, escaping)
    assert len([p for p in pages if p.endswith("/")]) > 50 and checked > 1000
    for name in ("feed.xml", "atom.xml", "feed.json", "sitemap.xml", "news-sitemap.xml",
                 "topics/world/atom.xml", "tags/transport/feed.json"):
        assert BASE + name in pages, name


def test_fragments_point_at_ids_that_exist(server: int, sample: SiteDir) -> None:
    for page in sample.out.rglob("*.html"):
        path = BASE + page.relative_to(sample.out).as_posix().removesuffix("index.html")
        links = page_links(page.read_bytes())
        for url in links.urls:
            target, fragment = urldefrag(urljoin(path, url))
            if fragment and not urlsplit(target).scheme:
                ids = links.ids if target == path else page_links(fetch(server, target)[1]).ids
                assert unquote(fragment) in ids, (path, url)


@pytest.mark.parametrize("missing", [BASE + "nothing", BASE + "2026/01/02/gone/",
                                     BASE + "a/b/c/d/e/f/", "/elsewhere/x.html"])
def test_404_page_works_at_any_depth(server: int, missing: str) -> None:
    status, body = fetch(server, missing)
    assert status == 404 and b"Page not found" in body
    links = page_links(body)
    assert len(links.urls) > 5
    for url in links.urls:
        if url.startswith("#"):
            continue
        assert url.startswith(BASE), url  # never relative: it is served at any depth
        assert fetch(server, url)[0] == 200, url


def test_ids_are_unique_even_where_headings_take_the_theme_s_names(sample: SiteDir,
                                                                    tricky: SiteDir) -> None:
    for site in (sample, tricky):
        for page in site.out.rglob("*.html"):
            ids = []

            class Ids(HTMLParser):
                def handle_starttag(self, tag: str, attrs) -> None:
                    ids.extend(value for name, value in attrs if name == "id")

            Ids().feed(page.read_text("utf-8"))
            assert len(ids) == len(set(ids)), (page, sorted(ids))
    assert 'id="main"' in tricky.read("2025/06/01/bad/index.html")  # the heading's


def test_the_nu_html_checker_finds_no_error(sample: SiteDir, tricky: SiteDir) -> None:
    if not VNU_JAR.is_file() or not shutil.which("java"):
        # CI installs it, so there its absence is a failure, never a skip
        assert not os.environ.get("CI"), "the Nu Html Checker is missing; .ci/run installs it"
        pytest.skip("the Nu Html Checker is not installed (.ci/run installs it)")
    result = subprocess.run(
        ["java", "-jar", str(VNU_JAR), "--format", "json", "--skip-non-html",
         "--also-check-css", "--also-check-svg", str(sample.out), str(tricky.out)],
        capture_output=True, text=True, timeout=300)
    messages = json.loads(result.stderr or '{"messages": []}')["messages"]
    problems = [f"{m.get('url')}:{m.get('lastLine')}: {m['message']}" for m in messages
                if m["type"] == "error" or m.get("subType") == "warning"]
    assert problems == []
    checked = len(list(sample.out.rglob("*.html"))) + len(list(tricky.out.rglob("*.html")))
    assert checked > 60
