"""The front page, day pages and articles as a news product shows them: the dated edition
with Today and Yesterday, a lead story per day, thumbnails, Updated times, the standfirst,
the share link, the Subscribe page and styled feeds, month and year pages; and the build
that runs again at the next midnight so that Today moves. Screenshots at the end."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import threading
import time
import xml.etree.ElementTree as ET
from datetime import datetime, timedelta, timezone
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from zoneinfo import ZoneInfo

import feedparser
import pytest

from conftest import SiteDir, article, snapshot
from digest.build import Options, build
from digest.project import Project
from test_browser import ARGS, CHROMIUM

ROOT = Path(__file__).parent.parent
SHOTS = ROOT / "docs" / "screenshots"

SITE_YAML = """\
title: Quayside Note
base_url: https://example.org/brief/
timezone: America/New_York
topics: [Local, World, Business, Sports]
"""
# The tests' clock (conftest.BUILD_EPOCH) is 2026-01-01T00:00Z: 7 p.m. on 31 December here.
NOW = datetime(2026, 1, 1, tzinfo=timezone.utc)
ARTICLES = {
    "content/ferry.md": article(
        "Harbour ferry returns to the night timetable", "2025-12-31T09:00:00-05:00",
        topic="Local", summary="Boats run until midnight again from Monday.",
        image="{src: /img/ferry.svg, alt: A ferry at the quay}",
        body="The operator said the crews were back to full strength."),
    "content/budget.md": article("Council passes the spring budget", "2025-12-31T15:00:00-05:00",
                                 topic="Business", tags="[Council]",
                                 body="The vote was nine to four."),
    "content/match.md": article("Late goal settles the derby", "2025-12-30T20:00:00-05:00",
                                topic="Sports", updated="2025-12-30T22:15:00-05:00",
                                body="A header in the last minute decided it."),
    "content/talks.md": article("Border talks open", "2025-11-15T10:00:00-05:00", topic="World"),
    "content/old.md": article("A year ago in the valley", "2024-06-01", topic="Local"),
    "static/img/ferry.svg": "<svg xmlns='http://www.w3.org/2000/svg' viewBox='0 0 4 3'/>",
}


@pytest.fixture
def news(site: SiteDir) -> SiteDir:
    site.write({**ARTICLES, "site.yaml": SITE_YAML})
    site.build()
    return site


def main_of(html: str) -> str:
    return html[html.index("<main"):html.index("</main>")]


def lead_title(html: str) -> str:
    """The headline of the first lead story on the page."""
    return re.search(r'<article class="lead">\n<h\d><a href="[^"]*">([^<]*)<', html).group(1)


def test_the_edition_header_names_the_day_its_last_update_and_the_day_before(
        news: SiteDir) -> None:
    html = news.read("index.html")
    main = main_of(html)
    head = main[:main.index("</header>")]
    assert '<p class="kicker">Today</p>' in head
    assert '<h1><a href="/brief/2025/12/31/">Wednesday, December 31, 2025</a></h1>' in head
    assert "Updated <time datetime=\"2025-12-31T15:00:00-05:00\">3:00\u202fPM ET</time>" in head
    assert ('<a href="/brief/2025/12/30/" rel="prev">Previous edition: Tuesday, December 30, '
            "2025</a>") in head
    # the site's name once, in the header, besides <title>; not again over the edition
    assert "Quayside Note" not in main
    assert html.count(">Quayside Note<") == 2  # <title> and the header's link
    # the day before is labelled Yesterday, and its region keeps its day as its name
    yesterday = main[main.index('aria-labelledby="day-2025-12-30"'):]
    assert yesterday.startswith('aria-labelledby="day-2025-12-30">\n<p class="kicker">'
                                "Yesterday</p>")


def test_a_day_page_is_labelled_and_links_its_month_and_the_day_before(news: SiteDir) -> None:
    day = news.read("2025/12/31/index.html")
    assert 'Today · Edition · <a href="/brief/2025/12/">December 2025</a>' in day
    assert '<a href="/brief/2025/12/30/" rel="prev">Previous edition' in day
    assert "Yesterday · Edition" in news.read("2025/12/30/index.html")
    assert "Today" not in main_of(news.read("2025/11/15/index.html"))


def test_the_newest_leads_its_day_unless_lead_or_weight_says_otherwise(site: SiteDir) -> None:
    site.write({**ARTICLES, "site.yaml": SITE_YAML})
    site.build()
    index = site.read("index.html")
    assert lead_title(index) == "Council passes the spring budget"
    # the lead's topic comes first, the others in site.yaml's order
    first = main_of(index).split('aria-labelledby="day-2025-12-30"')[0]
    assert first.index("topics/business/") < first.index("topics/local/")
    # a weight puts an older story in the lead
    site.write({"content/ferry.md": ARTICLES["content/ferry.md"].replace(
        "topic: Local", "topic: Local\nweight: 5")})
    site.build()
    assert lead_title(site.read("index.html")) == "Harbour ferry returns to the night timetable"
    assert lead_title(site.read("2025/12/31/index.html")) == \
        "Harbour ferry returns to the night timetable"
    # lead: true comes before any weight
    site.write({"content/budget.md": ARTICLES["content/budget.md"].replace(
        "topic: Business", "topic: Business\nlead: true")})
    site.build()
    assert lead_title(site.read("index.html")) == "Council passes the spring budget"


@pytest.mark.parametrize("line, message", [
    ("lead: maybe", "content/x.md:4: lead: expected true or false, found text"),
    ("weight: high", "content/x.md:4: weight: expected a whole number such as 10 (higher "
                     "leads its day first), found high"),
    ("weight: 2.5", "content/x.md:4: weight: expected a whole number such as 10 (higher "
                    "leads its day first), found 2.5"),
])
def test_a_bad_lead_or_weight_is_a_clear_error(site: SiteDir, line: str, message: str) -> None:
    site.write({"content/x.md": "---\ntitle: T\ndate: 2025-01-01\n" + line + "\n---\nBody.\n"})
    run = site.digest("build")
    assert run.exit_code == 1
    assert message in run.errors.splitlines(), run.errors
    assert "Traceback" not in run.errors


def test_images_show_as_thumbnails_and_the_lead_image_large_with_their_size(
        site: SiteDir) -> None:
    site.write({**ARTICLES, "site.yaml": SITE_YAML})
    site.build()
    index = site.read("index.html")
    # not the lead: a lazy thumbnail that has its size before it loads
    assert ('<img src="/brief/img/ferry.svg" alt="A ferry at the quay" width="120" height="90"'
            ' loading="lazy" decoding="async">') in index
    assert '<article class="pic">' in index
    site.write({"content/ferry.md": ARTICLES["content/ferry.md"].replace(
        "topic: Local", "topic: Local\nlead: true")})
    site.build()
    # the first screen's lead image is not lazy
    assert ('<img src="/brief/img/ferry.svg" alt="A ferry at the quay" width="640" '
            'height="360" decoding="async">') in site.read("index.html")


def test_updated_times_standfirst_share_link_and_more_from_the_day(news: SiteDir) -> None:
    listing = news.read("2025/12/30/index.html")
    assert ('Updated <time datetime="2025-12-30T22:15:00-05:00">10:15\u202fPM ET</time>'
            in listing)
    page = news.read("2025/12/30/match/index.html")
    assert ("Updated <time datetime=\"2025-12-30T22:15:00-05:00\">Tuesday, December 30, 2025"
            ", 10:15\u202fPM ET</time>") in page
    # a summary of its own stands under the headline; one taken from the body does not
    ferry = news.read("2025/12/31/ferry/index.html")
    assert '<p class="standfirst">Boats run until midnight again from Monday.</p>' in ferry
    assert 'class="standfirst"' not in page
    # share: a plain link to the article, made a share sheet or a copy by our own script
    assert ('<a href="/brief/2025/12/31/ferry/" data-share data-copied='
            '"Link copied">Share this article</a> <span role="status"></span>') in ferry
    assert '<script src="/brief/share.js" defer></script>' in ferry
    script = (news.out / "share.js").read_text()
    assert "navigator.share" in script and "navigator.clipboard" in script
    assert not re.search(r'src="(https?:)?//', ferry)  # nothing from another site
    assert ('<p class="more"><a href="/brief/2025/12/31/">More from Wednesday, December 31, '
            "2025</a></p>") in ferry


def test_sections_in_the_header_and_feeds_on_one_subscribe_page(news: SiteDir) -> None:
    index = news.read("index.html")
    nav = index[index.index('<nav aria-label="Sections">'):index.index("</nav>")]
    for topic in ("local", "world", "business", "sports"):
        assert f'href="/brief/topics/{topic}/"' in nav
    assert 'href="/brief/subscribe/">Subscribe</a>' in nav
    # feeds are announced in <head>, but no page lists them in its footer
    assert '<link rel="alternate" type="application/rss+xml"' in index
    footer = index[index.index('<footer class="foot">'):]
    assert "feed.xml" not in footer and "subscribe/" in footer
    subscribe = news.read("subscribe/index.html")
    for folder in ("", "topics/local/", "topics/sports/", "tags/council/"):
        for name in ("feed.xml", "atom.xml", "feed.json"):
            assert f'href="/brief/{folder}{name}"' in subscribe, folder + name
    assert "https://example.org/brief/subscribe/" in news.read("sitemap.xml")


def test_feeds_name_a_stylesheet_and_stay_valid_feeds(news: SiteDir) -> None:
    for name in ("feed.xml", "atom.xml", "topics/local/feed.xml"):
        text = news.read(name)
        assert text.splitlines()[1] == \
            '<?xml-stylesheet type="text/xsl" href="/brief/feed.xsl"?>'
        parsed = feedparser.parse(text)
        assert not parsed.bozo and len(parsed.entries) >= 1
    sheet = ET.fromstring((news.out / "feed.xsl").read_bytes())
    assert sheet.tag == "{http://www.w3.org/1999/XSL/Transform}stylesheet"
    text = news.read("feed.xsl")
    assert "/brief/theme.css" in text and "/brief/subscribe/" in text
    assert "feed.xsl" not in news.read("sitemap.xml")


def test_month_and_year_pages_and_the_archive_s_month_jump(news: SiteDir) -> None:
    month = news.read("2025/12/index.html")
    assert "<h1>December 2025</h1>" in month
    assert 'href="/brief/2025/12/31/"' in month and 'href="/brief/2025/12/30/"' in month
    assert "Late goal settles the derby" in month
    assert 'href="/brief/2025/11/">November 2025</a>' in month  # the older month
    year = news.read("2025/index.html")
    assert 'href="/brief/2025/12/">December 2025</a>' in year
    assert 'href="/brief/2024/">2024</a>' in year
    assert (news.out / "2024/06/index.html").is_file()
    archive = news.read("archive/index.html")
    start = archive.index('<nav class="jump"')
    jump = archive[start:archive.index("</nav>", start)]
    assert 'href="#m2025-12">December</a>' in jump and 'href="/brief/2024/">2024</a>' in jump
    assert 'id="m2025-12"' in archive


def pages_of(folder: Path) -> dict[str, str]:
    """The pages, feeds, stylesheets and scripts of an output, by path: their hashes."""
    return {name: digest for name, digest in snapshot(folder).items()
            if name.endswith((".html", ".xml", ".xsl", ".css", ".js", "feed.json"))
            and not name.startswith("search/")}


def _build(site: SiteDir, now: datetime, clean: bool = False):
    project = Project.at(site.root / "site.yaml")
    return build(project, project.read_config(), Options(clean=clean), now)


def test_today_moves_at_the_next_local_midnight_and_reuse_follows(news: SiteDir,
                                                                    tmp_path: Path) -> None:
    news.write({"content/budget.md": ARTICLES["content/budget.md"] + "\nMore.\n"})
    time.sleep(2.1)  # a file changed within two seconds is never trusted to a build's record
    result = _build(news, NOW)
    assert result.site is not None
    # the first midnight in New York after 7 p.m. on 31 December
    assert result.until == datetime(2026, 1, 1, 5, tzinfo=timezone.utc).timestamp()
    assert _build(news, NOW + timedelta(hours=4)).site is None  # 11 p.m.: nothing to do
    later = _build(news, NOW + timedelta(hours=6))  # 1 a.m. on 1 January: it runs
    assert later.site is not None
    index = news.read("index.html")
    assert '<p class="kicker">Yesterday</p>' in index and ">Today<" not in index
    assert "Yesterday · Edition" in news.read("2025/12/31/index.html")
    assert "Yesterday" not in main_of(news.read("2025/12/30/index.html"))
    # the same as a clean build at that time
    other = SiteDir(tmp_path / "clean")
    shutil.copytree(news.root / "content", other.root / "content")
    shutil.copytree(news.root / "static", other.root / "static")
    shutil.copy(news.root / "site.yaml", other.root / "site.yaml")
    _build(other, NOW + timedelta(hours=6), clean=True)
    assert pages_of(other.out) == pages_of(news.out)


def test_the_dev_server_moves_today_on_its_next_rebuild(news: SiteDir, tmp_path: Path) -> None:
    from digest.serve import Session

    session = Session(Project.at(news.root / "site.yaml"), Options())
    session.rebuild("start", now=NOW)
    assert '<p class="kicker">Today</p>' in news.read("index.html")
    # the watcher rebuilds by itself at the next midnight in the site's timezone
    assert session.until == datetime(2026, 1, 1, 5, tzinfo=timezone.utc).timestamp()
    session.rebuild("tick", now=NOW + timedelta(days=1))
    assert "Yesterday · Edition" in news.read("2025/12/31/index.html")
    assert ">Today<" not in news.read("index.html")
    other = SiteDir(tmp_path / "clean")
    shutil.copytree(news.root / "content", other.root / "content")
    shutil.copytree(news.root / "static", other.root / "static")
    shutil.copy(news.root / "site.yaml", other.root / "site.yaml")
    _build(other, NOW + timedelta(days=1), clean=True)
    assert pages_of(other.out) == pages_of(news.out)


def test_the_dev_server_rebuilds_by_itself_when_time_changes_the_site(site: SiteDir) -> None:
    """On the real clock: an article dated a few seconds ahead appears without a save."""
    from conftest import DIGEST, Server, free_port

    soon = datetime.now(timezone.utc).replace(microsecond=0) + timedelta(seconds=4)
    site.write({"site.yaml": SITE_YAML,
                "content/out.md": article("Already out", (soon - timedelta(days=1)).isoformat()),
                "content/soon.md": article("Out in a moment", soon.isoformat())})
    path = f"/brief/{soon.astimezone(ZoneInfo('America/New_York')):%Y/%m/%d}/soon/"
    env = {name: value for name, value in os.environ.items() if name != "SOURCE_DATE_EPOCH"}
    port = free_port()
    process = subprocess.Popen([DIGEST, "serve", "--port", str(port)], cwd=site.root,
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                               env={**env, "PYTHONUNBUFFERED": "1"})
    server = Server(process, port)
    server.reader = threading.Thread(target=server._read, daemon=True)
    server.reader.start()
    try:
        server.wait_for("Serving http://")
        assert server.get(path)[0] == 404
        server.wait_for("the time passed", timeout=30)
        status, _, body = server.get(path)
        assert status == 200 and b"Out in a moment" in body
    finally:
        process.terminate()
        assert process.wait(timeout=10) == 0
        server.reader.join(timeout=5)
        process.stdout.close()


def test_an_article_page_stays_lean(news: SiteDir) -> None:
    """A short story's page, its metadata, header, share link and day link included, stays
    small: the feeds are on the Subscribe page, not in every footer."""
    assert (news.out / "2025/12/31/ferry/index.html").stat().st_size < 6_000
    assert (news.out / "share.js").stat().st_size < 1_000


# Screenshots of the sample site, for the README

# 10 p.m. on Tuesday 24 November 2026 in New York, the sample site's zone
SAMPLE_NOW = "1795575600"


@pytest.fixture(scope="module")
def sample_server(tmp_path_factory: pytest.TempPathFactory):
    from click.testing import CliRunner

    from digest.cli import main

    root = tmp_path_factory.mktemp("shots") / "site"
    for name in ("content", "static"):
        shutil.copytree(ROOT / name, root / name)
    shutil.copy(ROOT / "site.yaml", root / "site.yaml")
    result = CliRunner().invoke(main, ["build", "--config", str(root / "site.yaml")],
                                env={"SOURCE_DATE_EPOCH": SAMPLE_NOW})
    assert result.exit_code == 0, result.output
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), _served(root / "_site"))
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    yield httpd.server_address[1]
    httpd.shutdown()
    httpd.server_close()


def _served(folder: Path) -> type:
    """A handler that serves `folder` under /brief/ with media types, as GitHub Pages
    does (an SVG image needs its type to be shown)."""

    class Handler(SimpleHTTPRequestHandler):
        def __init__(self, *args, **kwargs) -> None:
            super().__init__(*args, directory=str(folder), **kwargs)

        def translate_path(self, path: str) -> str:
            return super().translate_path("/" + path.removeprefix("/brief/"))

        def log_message(self, *args) -> None:
            pass

    return Handler


SCREENS = {"front": "", "day": "2026/11/24/",
           "article": "2026/11/24/lowen-exchange-weekly-close/"}


def test_screenshots_of_the_front_page_a_day_and_an_article(sample_server: int) -> None:
    if not Path(CHROMIUM).is_file():
        pytest.skip("Chromium is not installed (.ci/run installs it)")
    from playwright.sync_api import sync_playwright

    SHOTS.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS,
                                             headless=True)
        try:
            for width, height in ((1280, 800), (390, 844)):
                for scheme in ("light", "dark"):
                    context = browser.new_context(viewport={"width": width, "height": height},
                                                  color_scheme=scheme)
                    page = context.new_page()
                    for kind, path in SCREENS.items():
                        page.goto(f"http://127.0.0.1:{sample_server}/brief/{path}")
                        # the section links stay one line on a phone: they scroll sideways
                        nav = page.eval_on_selector(
                            ".top nav ul", "e => [e.scrollHeight, e.firstElementChild"
                            ".getBoundingClientRect().height]")
                        assert nav[0] < 3 * nav[1]
                        # the first headline is in the first screen
                        top = page.eval_on_selector("main h1, main h2, main h3",
                                                    "e => e.getBoundingClientRect().top")
                        assert top < height / 2, (kind, width, top)
                        target = SHOTS / f"{kind}-{width}-{scheme}.png"
                        page.screenshot(path=str(target))
                        assert target.stat().st_size > 5_000
                    context.close()
        finally:
            browser.close()


AXE = ROOT / ".ci" / "node" / "node_modules" / "axe-core" / "axe.min.js"
KINDS = {**SCREENS, "month": "2026/11/", "year": "2026/", "archive": "archive/",
         "subscribe": "subscribe/", "feed": "feed.xml", "atom feed": "topics/local/atom.xml"}


@pytest.fixture(scope="module")
def chromium():
    if not Path(CHROMIUM).is_file():
        pytest.skip("Chromium is not installed (.ci/run installs it)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS,
                                             headless=True)
        yield browser
        browser.close()


def test_a_browser_shows_a_feed_as_a_page_of_the_site(sample_server: int, chromium) -> None:
    page = chromium.new_page()
    try:
        page.goto(f"http://127.0.0.1:{sample_server}/brief/feed.xml")
        assert page.inner_text("h1") == "Harbor City Evening Brief"
        assert page.locator("main article h2 a").count() == 19
        assert page.locator("a[href='/brief/subscribe/']").count() == 1
        # the theme's stylesheet applies: the header is set in the theme's serif
        assert "serif" in page.eval_on_selector(".brand", "e => getComputedStyle(e).fontFamily")
    finally:
        page.close()


def test_the_share_link_copies_the_article_s_address(sample_server: int, chromium) -> None:
    """Where the browser has no share sheet (Chromium on Linux), the link is copied."""
    context = chromium.new_context()
    context.grant_permissions(["clipboard-read", "clipboard-write"])
    page = context.new_page()
    try:
        url = f"http://127.0.0.1:{sample_server}/brief/2026/11/24/lowen-exchange-weekly-close/"
        page.goto(url)
        assert page.evaluate("typeof navigator.share") == "undefined"
        page.click("a[data-share]")
        page.wait_for_function("document.querySelector('.share [role=status]').textContent")
        assert page.inner_text(".share [role=status]") == "Link copied"
        assert page.evaluate("navigator.clipboard.readText()") == url
        assert page.url == url  # the link was not followed
    finally:
        context.close()


@pytest.mark.parametrize("scheme", ["light", "dark"])
@pytest.mark.parametrize("width", [1280, 390])
def test_axe_finds_no_violation_on_the_new_pages(sample_server: int, chromium, scheme: str,
                                                 width: int) -> None:
    if not AXE.is_file():
        pytest.skip("axe-core is not installed (.ci/run installs it)")
    context = chromium.new_context(color_scheme=scheme,
                                   viewport={"width": width, "height": 900})
    page = context.new_page()
    found = []
    try:
        for kind, path in KINDS.items():
            page.goto(f"http://127.0.0.1:{sample_server}/brief/{path}")
            result = _axe(page)
            found += [f"{kind}: {v['id']}: {[n['target'] for n in v['nodes']]}"
                      for v in result["violations"]]
    finally:
        context.close()
    assert found == []


def _axe(page) -> dict:
    """axe-core's violations on the page loaded. A feed made into a page by XSLT can replace
    its document after the load event: axe is then run again on the new one."""
    from playwright.sync_api import Error

    attempts = 3
    while True:
        try:
            page.add_script_tag(path=str(AXE))
            # Chromium puts a notice of its own over a page made by XSLT: not ours to check
            return page.evaluate("axe.run({exclude: [['xslt-warning-banner']]}, "
                                 "{resultTypes: ['violations']})")
        except Error as err:
            attempts -= 1
            if "context was destroyed" not in str(err) or not attempts:
                raise
            page.wait_for_load_state()


def test_an_article_tells_about_how_long_it_takes_to_read(site: SiteDir) -> None:
    words = " ".join(["word"] * 700)
    site.write({"site.yaml": "title: Timed\n",
                "content/long.md": article("Long read", body=words),
                "content/short.md": article("Short", "2025-06-02T10:00:00Z", body="Brief."),
                "content/kana.md": article("Kana", "2025-06-03T10:00:00Z",
                                           body="記事" * 600)})
    site.build()
    assert '<span class="reading">4 min read</span>' in site.read("2025/06/01/long/index.html")
    assert '<span class="reading">1 min read</span>' in site.read("2025/06/02/short/index.html")
    assert '<span class="reading">3 min read</span>' in site.read("2025/06/03/kana/index.html")
    site.write({"site.yaml": "title: Timed\nlanguage: de\n"})
    site.build()
    assert "4 Min. Lesezeit" in site.read("2025/06/01/long/index.html")
