"""Search: Pagefind's index in shards, the search box in Chromium, and what a rebuild indexes."""

from __future__ import annotations

import base64
import functools
import html
import json
import os
import shutil
import stat
import sys
import threading
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st
from playwright.sync_api import expect

from conftest import SiteDir, article, snapshot, wait_for_index
from test_browser import browser  # noqa: F401 - the shared Chromium, a fixture

from digest.search import plain_text

AXE = Path(__file__).parent.parent / ".ci" / "node" / "node_modules" / "axe-core" / "axe.min.js"

SITE = {
    "site.yaml": """
        title: Harbour Brief
        base_url: https://example.org/news/
        topics: [World, Science, Local]
    """,
    "content/marmalade.md": article(
        "Orchard co-op wins the county fair", "2025-05-02T09:00:00Z", topic="Local",
        tags="[Food, Fairs]", summary="A jar of bitter orange took first prize.",
        body="The judges tasted forty jars before they chose the co-op's Seville marmalade.\n\n"
             "The *harbour* market will stock it from June."),
    "content/probe.md": article(
        "Probe reaches the outer belt", "2025-05-03T11:30:00Z", topic="Science",
        body="Engineers cheered as the probe sent its first image of the harbour-sized "
             "rock.\n\nThe mission runs for four more years."),
    "content/treaty.md": article(
        "Coastal states sign a fishing treaty", "2025-05-01T16:00:00Z", topic="World",
        body="Ministers met in the harbour town to share the northern catch.\n\n"
             "Quotas start next spring."),
}


@pytest.fixture
def published(tmp_path: Path):
    """Builds a site into www/news/ and serves www/ over HTTP, as a host would: Pagefind
    fetches its files, which a file:// page cannot."""

    def run(site: SiteDir) -> int:
        site.build("--output", str(tmp_path / "www" / "news"), "--base-url",
                   "http://127.0.0.1/news/")
        handler = functools.partial(_Quiet, directory=str(tmp_path / "www"))
        httpd = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        threading.Thread(target=httpd.serve_forever, daemon=True).start()
        servers.append(httpd)
        return httpd.server_address[1]

    servers: list[ThreadingHTTPServer] = []
    yield run
    for httpd in servers:
        httpd.shutdown()
        httpd.server_close()


class _Quiet(SimpleHTTPRequestHandler):
    def log_message(self, *args) -> None:
        pass


def test_a_word_from_one_article_finds_it_first_and_its_link_leads_there(
        site: SiteDir, published, browser) -> None:
    site.write(SITE)
    port = published(site)
    page = browser.new_page()
    try:
        page.goto(f"http://127.0.0.1:{port}/news/2025/05/01/treaty/")
        box = page.get_by_role("searchbox", name="Search articles")
        box.fill("marmalade")
        first = page.locator(".find-results li").first
        expect(first.locator("a")).to_have_text("Orchard co-op wins the county fair",
                                                timeout=15_000)
        expect(page.locator(".find-status")).to_have_text("Articles found: 1")
        expect(first.locator("mark").first).to_contain_text("marmalade")
        expect(first.locator(".find-meta")).to_contain_text("Local")
        expect(first.locator("time")).to_have_attribute("datetime",
                                                         "2025-05-02T09:00:00+00:00")
        first.locator("a").click()
        page.wait_for_url("**/news/2025/05/02/marmalade/")
        expect(page.locator("h1")).to_have_text("Orchard co-op wins the county fair")
    finally:
        page.close()


def test_the_topic_filter_keeps_one_topic_s_articles(site: SiteDir, published,
                                                     browser) -> None:
    site.write(SITE)
    port = published(site)
    page = browser.new_page()
    try:
        page.goto(f"http://127.0.0.1:{port}/news/")
        page.get_by_role("searchbox", name="Search articles").fill("harbour")
        expect(page.locator(".find-status")).to_have_text("Articles found: 3", timeout=15_000)
        page.get_by_label("Topic").select_option("Science")
        expect(page.locator(".find-status")).to_have_text("Articles found: 1")
        expect(page.locator(".find-results li a")).to_have_text(["Probe reaches the outer belt"])
    finally:
        page.close()


def test_the_keyboard_reaches_the_results_and_escape_closes_them(site: SiteDir, published,
                                                                 browser) -> None:
    site.write(SITE)
    port = published(site)
    page = browser.new_page()
    try:
        page.goto(f"http://127.0.0.1:{port}/news/")
        page.keyboard.press("Tab")  # the skip link
        page.keyboard.press("Tab")
        box = page.get_by_role("searchbox", name="Search articles")
        box.focus()
        page.keyboard.type("treaty")
        page.keyboard.press("Enter")
        link = page.locator(".find-results li a").first
        expect(link).to_be_focused(timeout=15_000)
        expect(link).to_have_text("Coastal states sign a fishing treaty")
        page.keyboard.press("ArrowUp")
        expect(box).to_be_focused()
        page.keyboard.press("ArrowDown")
        expect(link).to_be_focused()
        page.keyboard.press("Escape")
        expect(page.locator("#find-panel")).to_be_hidden()
        expect(box).to_be_focused()
    finally:
        page.close()


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_axe_finds_no_violation_with_the_results_open(site: SiteDir, published, browser,
                                                      scheme: str) -> None:
    if not AXE.is_file():
        assert not os.environ.get("CI"), "axe-core is missing; .ci/run installs it"
        pytest.skip("axe-core is not installed (.ci/run installs it)")
    site.write(SITE)
    port = published(site)
    context = browser.new_context(color_scheme=scheme)
    page = context.new_page()
    try:
        page.goto(f"http://127.0.0.1:{port}/news/")
        page.get_by_role("searchbox", name="Search articles").fill("harbour")
        expect(page.locator(".find-results li mark").first).to_be_visible(timeout=15_000)
        page.add_script_tag(path=str(AXE))
        result = page.evaluate("axe.run(document, {resultTypes: ['violations']})")
    finally:
        context.close()
    assert [(v["id"], [n["target"] for n in v["nodes"]]) for v in result["violations"]] == []


def test_search_false_leaves_out_the_box_the_script_and_the_index(site: SiteDir) -> None:
    site.write({**SITE, "site.yaml": SITE["site.yaml"].replace(
        "topics:", "search: false\n        topics:")})
    site.build()
    assert not (site.out / "search").exists()
    pages = list(site.out.rglob("*.html"))
    assert len(pages) > 5
    for path in pages:
        text = path.read_text("utf-8")
        assert 'class="find"' not in text and "search/search" not in text, path


def test_search_true_puts_the_script_in_every_page_and_the_words_in_the_script(
        site: SiteDir) -> None:
    site.write(SITE)
    site.build()
    for path in site.out.rglob("*.html"):
        text = path.read_text("utf-8")
        assert '<script type="module" src="/news/search/search.js"></script>' in text, path
        # the script makes the box: no page carries its markup or its words
        assert 'class="find' not in text and "Search articles" not in text, path
        assert "search/search.css" not in text, path
    script = site.read("search/search.js")
    assert 'const INDEX = "/news/search/";' in script
    assert '"label": "Search articles"' in script and '"found": "Articles found: {count}"' in script
    assert "{{" not in script and "{%" not in script
    assert (site.out / "search" / "search.css").is_file()
    assert (site.out / "search" / "pagefind.js").is_file()
    assert json.loads(site.read("search/shards.json")) == {"shards": []}  # one shard


# A layout of the site's own that places the box itself, with the markup the theme's pages
# once carried: the script uses that box and makes no second one.
OWN_BASE = """<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><title>{{ page.title }}</title>
{% block description %}{% endblock %}{% block head %}{% endblock %}
<link rel="stylesheet" href="{{ config.base_path }}search/search.css">
<script type="module" src="{{ config.base_path }}search/search.js"></script></head>
<body><main{% block main_class %}{% endblock %}>
<form class="find" role="search" hidden>
<label for="find-q">Look for</label>
<input id="find-q" type="search" name="q" aria-controls="find-panel">
<button type="submit">Go</button>
<div class="find-panel" id="find-panel" hidden>
<p class="find-status" role="status"></p>
<label class="find-topic">Topic <select name="topic"></select></label>
<ol class="find-results" aria-label="Search results"></ol>
</div>
</form>
{% block content %}{% endblock %}</main></body>
</html>
"""


def test_a_layout_s_own_box_is_used_and_no_second_one_made(site: SiteDir, published,
                                                            browser) -> None:
    site.write({**SITE, "layouts/base.html": OWN_BASE})
    port = published(site)
    page = browser.new_page()
    try:
        page.goto(f"http://127.0.0.1:{port}/news/2025/05/01/treaty/")
        box = page.get_by_role("searchbox", name="Look for")
        expect(box).to_be_visible()
        expect(page.locator("form.find")).to_have_count(1)
        box.fill("marmalade")
        expect(page.locator(".find-status")).to_have_text("Articles found: 1", timeout=15_000)
    finally:
        page.close()


def test_the_box_speaks_the_site_s_language_and_its_own_words(site: SiteDir, published,
                                                               browser) -> None:
    site.write({**SITE, "site.yaml": SITE["site.yaml"] + """
        language: de
        strings:
          "Search": "Finden"
    """})
    port = published(site)
    page = browser.new_page()
    try:
        page.goto(f"http://127.0.0.1:{port}/news/2025/05/01/treaty/")
        box = page.get_by_role("searchbox", name="Artikel durchsuchen")
        expect(box).to_have_attribute("placeholder", "Finden")
        expect(page.get_by_role("search").get_by_role("button")).to_have_text("Finden")
        box.fill("marmalade")
        expect(page.locator(".find-status")).to_have_text("Gefundene Artikel: 1",
                                                          timeout=15_000)
        expect(page.get_by_role("list", name="Suchergebnisse")).to_be_visible()
        expect(page.get_by_role("combobox", name="Thema")).to_have_value("")
    finally:
        page.close()


# What Pagefind is asked to index, seen through a stand-in for its program that logs every
# message it is sent, then hands them to the real one.

def _wrapped_pagefind(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, script: str) -> None:
    """Builds run `script` as their Pagefind; in it, {real} is the real one."""
    from pagefind.service import get_executable

    wrapper = tmp_path / "pagefind"
    wrapper.write_text("#!/bin/sh\n" + script.replace("{real}", str(get_executable())))
    wrapper.chmod(wrapper.stat().st_mode | stat.S_IEXEC)
    monkeypatch.setenv("PAGEFIND_BINARY_PATH", str(wrapper))


def _logging_pagefind(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    log = tmp_path / "pagefind.log"
    # a log a Pagefind, named for the process that started it and its own
    _wrapped_pagefind(tmp_path, monkeypatch, f"tee '{log}.'$PPID.$$ | '{{real}}' \"$@\"\n")
    return log


def _niceness_pagefind(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A Pagefind that writes down the priority it runs at (its niceness), a file each."""
    folder = tmp_path / "niceness"
    folder.mkdir()
    _wrapped_pagefind(tmp_path, monkeypatch, f"nice > '{folder}/'$$\nexec '{{real}}' \"$@\"\n")
    return folder


def _niceness(folder: Path) -> set[int]:
    """The niceness of each Pagefind run since the last call."""
    found = set()
    for each in folder.iterdir():
        found.add(int(each.read_text()))
        each.unlink()
    return found


def _indexed(log: Path) -> list[str]:
    """The URLs of the records Pagefind was given, and forget them."""
    urls = []
    for each in log.parent.glob(log.name + ".*"):
        for message in each.read_bytes().split(b","):
            if message.strip():
                payload = json.loads(base64.b64decode(message))["payload"]
                if payload["type"] == "AddRecord":
                    urls.append(payload["url"])
        each.unlink()
    return urls


def _indexers(log: Path) -> set[str]:
    """The processes that started a Pagefind."""
    return {each.name.split(".")[-2] for each in log.parent.glob(log.name + ".*")}


def _many(count: int) -> dict[str, str]:
    return {f"content/n{number:03}.md": article(
        f"Note {number}", f"2025-0{1 + number % 9}-{1 + number % 28:02}T{number % 24:02}:00:00Z",
        topic=["World", "Science"][number % 2], body=f"Entry {number} of the ledger.")
        for number in range(count)}


# Pagefind's answers through a pipe that hands them on in pieces of 1 to 997 bytes, cut
# before or after a message's end too, each piece written once the last one was read: each
# is a read of its own
_CHOPPER = """import fcntl, os, sys, termios, time
out, size, ends = sys.stdout.fileno(), 0, 0
def put(piece):
    os.write(out, piece)
    while int.from_bytes(fcntl.ioctl(out, termios.FIONREAD, bytes(4)), "little"):
        time.sleep(0.0002)
while data := os.read(sys.stdin.fileno(), 1 << 16):
    while data:
        size = size % 997 + 1
        end = data.find(b",", 0, size)
        if end >= 0:
            ends += 1
        end = size if end < 0 else max(1, end + ends % 2)
        put(data[:end])
        data = data[end:]
"""


def test_pagefind_s_answers_cut_anywhere_give_the_same_index(site: SiteDir, tmp_path: Path,
                                                             monkeypatch) -> None:
    site.write({**SITE, **_many(120)})
    site.build()
    whole = snapshot(site.out / "search")
    chopper = tmp_path / "chopper.py"
    chopper.write_text(_CHOPPER)
    _wrapped_pagefind(tmp_path, monkeypatch,
                      f"'{{real}}' \"$@\" | '{sys.executable}' '{chopper}'\n")
    again = SiteDir(tmp_path / "again")
    shutil.copytree(site.root / "content", again.root / "content")
    shutil.copy(site.root / "site.yaml", again.root / "site.yaml")
    again.build()
    assert snapshot(again.out / "search") == whole
    assert len(whole) > 10


@given(st.lists(st.sampled_from(["word", "Ünïcode", "a&amp;b", "x", "\u00a0", " ", "\t",
                                 "\n", "\u2003", "\x1c", "\u3000", "<b>", "</b>", "<br>",
                                 "</p><p>", "&nbsp;"]), max_size=40))
def test_plain_text_is_the_words_one_space_apart(pieces: list[str]) -> None:
    text = plain_text("<p>" + "".join(pieces) + "</p>")
    # what a reader sees: a block's edge parts words, an inline tag does not
    seen = "".join({"<b>": "", "</b>": "", "<br>": " ", "</p><p>": " "}.get(piece, piece)
                   for piece in pieces)
    assert text.split(" ") == (html.unescape(seen).split() or [""])
    assert not any(char.isspace() for char in text.replace(" ", ""))


def test_a_rebuild_indexes_nothing_unless_articles_change(site: SiteDir, tmp_path: Path,
                                                         monkeypatch) -> None:
    log = _logging_pagefind(tmp_path, monkeypatch)
    site.write({**SITE, **_many(40)})
    site.build()
    assert len(_indexed(log)) == 43
    site.build()
    assert _indexed(log) == []
    site.write({"site.yaml": SITE["site.yaml"].replace("Harbour Brief", "Bay Brief")})
    site.build()  # every page again, no article changed: nothing to index
    assert _indexed(log) == []
    assert "Bay Brief" in site.read("index.html")


@pytest.mark.parametrize("workers", [1, 2, 3])
def test_the_index_is_made_in_a_process_for_each_worker(site: SiteDir, tmp_path: Path,
                                                        monkeypatch, workers: int) -> None:
    """Each with its own Pagefind: what is done beside Pagefind (the records, its answers,
    its files) spreads over the cores too, and the shards are shared among them. On one
    worker, the build's own process indexes, after the pages: one thing at a time."""
    log = _logging_pagefind(tmp_path, monkeypatch)
    monkeypatch.setenv("DIGEST_WORKERS", str(workers))
    site.write(_many(600))
    site.build()
    assert len(json.loads(site.read("search/shards.json"))["shards"]) >= 4
    indexers = _indexers(log)
    assert len(indexers) == workers
    assert (indexers == {str(os.getpid())}) == (workers == 1)
    indexed = _indexed(log)  # every article once, whichever process indexed it
    assert len(indexed) == len(set(indexed)) == 600
    clean = tmp_path / "clean"
    shutil.copytree(site.root / "content", clean / "content")
    monkeypatch.setenv("DIGEST_WORKERS", "1")
    again = SiteDir(clean)
    again.build()
    assert snapshot(again.out) == snapshot(site.out)


def test_an_edit_indexes_its_shard_alone_and_gives_a_clean_build_s_bytes(
        site: SiteDir, tmp_path: Path, monkeypatch) -> None:
    log = _logging_pagefind(tmp_path, monkeypatch)
    site.write(_many(600))
    site.build()
    assert len(_indexed(log)) == 600
    shards = json.loads(site.read("search/shards.json"))["shards"]
    assert len(shards) >= 4
    site.write({"content/n123.md": article("Note 123, corrected", "2025-04-24T03:00:00Z",
                                           topic="Science", body="Entry 123, amended.")})
    site.build()
    indexed = _indexed(log)
    assert "/2025/04/24/n123/" in indexed
    assert 50 <= len(indexed) <= 200 * 2  # its shard, and at most the one after it
    after = json.loads(site.read("search/shards.json"))["shards"]
    assert 1 <= len(set(after) - set(shards)) <= 2
    assert len(set(shards) & set(after)) >= len(shards) - 2

    clean = tmp_path / "clean"
    shutil.copytree(site.root / "content", clean / "content")
    again = SiteDir(clean)
    again.build()
    assert snapshot(again.out) == snapshot(site.out)


def test_the_index_s_files_are_the_cache_s_and_a_write_into_one_is_undone(
        site: SiteDir, tmp_path: Path) -> None:
    """The output's search files are hard links to those kept in .digest-cache/ (one file
    for both, never written into by digest); one written into in place (which writes the
    cached one too) is found changed: its shard is indexed again and the output is a clean
    build's."""
    site.write(_many(300))
    site.build()
    cache = site.root / ".digest-cache" / "search"
    shards = json.loads(site.read("search/shards.json"))["shards"]
    assert len(shards) >= 2
    files = [p for p in (site.out / "search").rglob("*.pf_fragment")]
    cached = {(p.stat().st_ino, p.name) for p in cache.rglob("*.pf_fragment")}
    assert files and all((p.stat().st_ino, p.name) in cached for p in files)

    victim = next(p for p in files if p.parent.parent.name != "search")
    with open(victim, "r+b") as stream:  # as a tool that edits a file in place would
        stream.write(b"\0garbled")
    site.write({"content/n007.md": article("Note 7, amended", "2025-08-08T07:00:00Z",
                                           topic="Science", body="Entry 7, amended.")})
    site.build()
    clean = tmp_path / "clean"
    shutil.copytree(site.root / "content", clean / "content")
    again = SiteDir(clean)
    again.build()
    assert snapshot(again.out) == snapshot(site.out)


def test_the_dev_server_serves_at_once_and_brings_the_index_up_to_date_behind(
        site: SiteDir, serve) -> None:
    site.write({**SITE, "site.yaml": SITE["site.yaml"].replace("https://example.org/news/",
                                                               "http://localhost/news/")})
    server = serve()  # serving, while the index is made
    entry = wait_for_index(site.out, b"")
    status, _, body = server.get("/news/search/shards.json")
    assert status == 200 and json.loads(body) == {"shards": []}
    site.write({"content/treaty.md": article(
        "Coastal states sign a fishing treaty", "2025-05-01T16:00:00Z", topic="World",
        body="Ministers met in the harbour town to share the northern catch of mackerel.")})
    server.wait_for("content/treaty.md changed")
    wait_for_index(site.out, entry)  # the edited article's shard, indexed again
    assert server.quiet_for(0.5) == []  # written with no rebuild line of its own


def test_the_dev_server_indexes_behind_its_rebuilds_at_a_lower_priority(
        site: SiteDir, serve, tmp_path: Path, monkeypatch) -> None:
    """The cores go first to the rebuild and to the browser showing it; a build's index is
    made at the build's own priority."""
    folder = _niceness_pagefind(tmp_path, monkeypatch)
    site.write(SITE)
    site.build("--clean")
    own = os.nice(0)
    assert _niceness(folder) == {own}
    server = serve()
    entry = wait_for_index(site.out, b"")
    site.write({"content/probe.md": SITE["content/probe.md"].replace("first image",
                                                                     "second image")})
    server.wait_for("content/probe.md changed")
    wait_for_index(site.out, entry)
    assert _niceness(folder) == {min(own + 10, 19)}
