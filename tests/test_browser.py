"""Live reload seen from a real headless browser (Debian's Chromium, driven by Playwright)."""

from __future__ import annotations

import os

import pytest
from playwright.sync_api import Page, expect, sync_playwright

from conftest import SiteDir, article
from test_serve import SITE

CHROMIUM = "/usr/bin/chromium"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync"]


@pytest.fixture(scope="module")
def browser():
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS, headless=True)
        yield browser
        browser.close()


# Run in every page before its own scripts: counts the states the dev server's event stream
# has delivered to the page's live-reload script.
COUNT_STATES = """
(() => {
  const Real = window.EventSource;
  window.digestStates = 0;
  window.EventSource = function (url, options) {
    const source = new Real(url, options);
    // after the page's own listener, which is added once this returns
    source.addEventListener("state", () => setTimeout(() => { window.digestStates += 1; }));
    return source;
  };
  window.EventSource.prototype = Real.prototype;
})();
"""


@pytest.fixture
def page(browser):
    context = browser.new_context()
    context.add_init_script(COUNT_STATES)
    page = context.new_page()
    yield page
    context.close()


def url(server, path: str) -> str:
    return f"http://127.0.0.1:{server.port}{path}"


def wait_until_listening(page: Page) -> None:
    """The page has had the state the server sends first on its event stream: from then on
    the server tells it of every rebuild, so it cannot miss the next one."""
    page.wait_for_function("window.digestStates >= 1")


def test_an_open_article_shows_its_new_title_by_itself(site: SiteDir, serve, page: Page) -> None:
    site.write(SITE)
    server = serve()
    page.goto(url(server, "/news/2025/05/01/alpha/"))
    expect(page.locator("h1")).to_have_text("Alpha story")
    wait_until_listening(page)
    site.write({"content/alpha.md": article("Alpha, live", "2025-05-01T10:00:00Z",
                                            topic="World")})
    expect(page.locator("h1")).to_have_text("Alpha, live", timeout=10_000)
    assert page.title().startswith("Alpha, live")


def test_a_page_the_rebuild_did_not_change_stays_as_it_is(site: SiteDir, serve,
                                                         page: Page) -> None:
    site.write(SITE)
    server = serve()
    page.goto(url(server, "/news/topics/science/"))
    wait_until_listening(page)
    page.evaluate("window.stillHere = true")
    site.write({"content/alpha.md": article("Alpha again", "2025-05-01T10:00:00Z",
                                            topic="World")})
    server.wait_for("content/alpha.md changed")
    # told of the rebuild (or reloaded, which the assertion below reports)
    page.wait_for_function("window.digestStates >= 2 || window.stillHere !== true")
    page.wait_for_timeout(800)  # and no reload is on its way
    assert page.evaluate("window.stillHere === true")


def test_a_broken_save_shows_the_problem_and_the_fix_brings_the_page_back(
        site: SiteDir, serve, page: Page) -> None:
    site.write(SITE)
    server = serve()
    page.goto(url(server, "/news/2025/05/01/alpha/"))
    wait_until_listening(page)
    site.write({"content/alpha.md": "---\ntitle: [broken\ndate: 2025-05-01\n---\n"})
    overlay = page.locator("#digest-problems")
    expect(overlay).to_be_visible(timeout=10_000)
    expect(overlay).to_contain_text("content/alpha.md:")
    expect(overlay).to_contain_text("invalid YAML")
    expect(page.locator("h1")).to_have_text("Alpha story")  # the last good page stays
    site.write({"content/alpha.md": article("Alpha mended", "2025-05-01T10:00:00Z",
                                            topic="World")})
    expect(page.locator("h1")).to_have_text("Alpha mended", timeout=10_000)
    expect(overlay).to_have_count(0)


def test_a_page_opened_while_broken_shows_the_problem(site: SiteDir, serve,
                                                      page: Page) -> None:
    site.write(SITE)
    server = serve()
    site.write({"layouts/tags.html": "{% extends 'base.html' %}{% block content %}"
                                     "{{ nope.nothing }}{% endblock %}"})
    server.wait_for("layouts/tags.html:1: template error")
    page.goto(url(server, "/news/"))
    expect(page.locator("#digest-problems")).to_contain_text(
        "layouts/tags.html:1: template error: 'nope' is undefined", timeout=10_000)


def test_an_atomic_save_reloads_once(site: SiteDir, serve, page: Page) -> None:
    site.write(SITE)
    server = serve()
    page.goto(url(server, "/news/2025/05/01/alpha/"))
    wait_until_listening(page)
    loads = []
    page.on("load", lambda _: loads.append(1))
    temporary = site.root / "content/alpha.md.tmp"
    temporary.write_text(article("Saved atomically", "2025-05-01T10:00:00Z", topic="World"))
    os.replace(temporary, site.root / "content/alpha.md")
    expect(page.locator("h1")).to_have_text("Saved atomically", timeout=10_000)
    page.wait_for_timeout(1000)
    assert len(loads) == 1
    server.quiet_for(0.5)
    assert len([line for line in server.lines if "changed:" in line]) == 1
