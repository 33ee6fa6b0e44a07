"""Mistakes that build: said once as `path:line: warning: ...`, errors under --strict; and
YAML mistakes explained in plain words, with the line shown."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from conftest import SiteDir, article, assert_refused_and_untouched, read_cache, write_cache
from digest.errors import DigestError
from digest.yamltext import load_mapping
from test_browser import browser, page  # noqa: F401 - fixtures: Chromium, and a page in it

GOOD = {"content/good.md": article("Good article")}

# name: (front matter lines after `---`, the message line, the line shown, the caret line)
YAML_CASES = {
    "a colon in an unquoted title": (
        "title: Minister says: we will win\ndate: 2025-01-01\n",
        "content/bad.md:2: invalid YAML: the title has ': ' in it, which YAML reads as the "
        "start of another key; put the title in quotes: title: \"Minister says: we will win\"",
        " 2 | title: Minister says: we will win",
        "   |                     ^"),
    "an unclosed quote, at its own line": (
        "date: 2025-01-01\ntitle: \"Minister says we will win\ntopic: World\nsummary: x\n",
        "content/bad.md:3: invalid YAML: the quote \" that starts the title is never closed: "
        "end it with \" on the same line: title: \"Minister says we will win\"",
        " 3 | title: \"Minister says we will win",
        "   |        ^"),
    "an apostrophe inside single quotes": (
        "title: 'Minister's plan'\ndate: 2025-01-01\n",
        "content/bad.md:2: invalid YAML: the quote ' in the title ends it, and text follows; "
        "write the title in other quotes: title: \"Minister's plan\"",
        " 2 | title: 'Minister's plan'",
        "   |                 ^"),
    "text after a closing quote": (
        "date: 2025-01-01\nsummary: \"Minister\" says\ntitle: x\n",
        "content/bad.md:3: invalid YAML: the quote \" in the summary ends it, and text "
        "follows; write the summary in other quotes: summary: '\"Minister\" says'",
        " 3 | summary: \"Minister\" says",
        "   |                   ^"),
}


@pytest.mark.parametrize("name", YAML_CASES)
def test_yaml_mistakes_are_explained_with_the_line_shown(site: SiteDir, name: str) -> None:
    front, message, shown, caret = YAML_CASES[name]
    assert_refused_and_untouched(site, GOOD, {"content/bad.md": f"---\n{front}---\nBody.\n"},
                                 message)
    lines = site.digest("build").errors.splitlines()
    assert lines[lines.index(message) + 1:lines.index(message) + 3] == [shown, caret]


def test_site_yaml_gets_the_same_hint(site: SiteDir) -> None:
    site.write({**GOOD, "site.yaml": "title: Evening Brief: the day\n"})
    run = site.digest("check")
    assert run.exit_code == 1
    assert ("site.yaml:1: invalid YAML: the title has ': ' in it, which YAML reads as the "
            "start of another key; put the title in quotes: title: \"Evening Brief: the day\""
            ) in run.errors.splitlines()
    assert " 1 | title: Evening Brief: the day" in run.errors.splitlines()


# name: (files added to a good site, the warning line it must print)
WARNING_CASES: dict[str, tuple[dict[str, str | bytes], str]] = {
    "a topic site.yaml does not list": (
        {"site.yaml": "topics: [World, Business]\n",
         "content/bad.md": "---\ntitle: T\ndate: 2025-01-01\ntopic: Wrold\n---\nx\n"},
        "content/bad.md:4: warning: topic: 'Wrold' is not one of the topics of site.yaml "
        "(did you mean 'World'?); add it there, or correct it here"),
    "tags written as one string with commas": (
        {"content/bad.md": "---\ntitle: T\ndate: 2025-01-01\ntags: Markets, Energy\n---\nx\n"},
        "content/bad.md:4: warning: tags: 'Markets, Energy' is one tag; for several, write "
        "a list: tags: [Markets, Energy]"),
    "the placeholder of digest new, published": (
        {"content/bad.md": "---\ntitle: T\ndate: 2025-01-01\n---\n"
                           "Write the article here, in Markdown.\n"},
        "content/bad.md:5: warning: the body still holds the text digest new put there "
        "(\"Write the article here, in Markdown.\"): write the article, or mark it "
        "draft: true"),
    "a link to a page the site does not have": (
        {"content/bad.md": "---\ntitle: T\ndate: 2025-01-01\n---\nFirst line.\n\n"
                           "See [the other](/2025/01/01/nothing-here/).\n"},
        "content/bad.md:7: warning: link /2025/01/01/nothing-here/ leads to no page of the "
        "site"),
    "a relative link to a page the site does not have": (
        {"content/bad.md": "---\ntitle: T\ndate: 2025-01-01\n---\n[x](../../02/gone/)\n"},
        "content/bad.md:5: warning: link ../../02/gone/ leads to no page of the site"),
    "a link in raw HTML to a topic the site does not have": (
        {"content/bad.md": "---\ntitle: T\ndate: 2025-01-01\n---\n"
                           "<a href=\"/topics/sport/\">sport</a>\n"},
        "content/bad.md:5: warning: link /topics/sport/ leads to no page of the site"),
    "an image that is not in static/": (
        {"content/bad.md": "---\ntitle: T\ndate: 2025-01-01\n---\n![A chart](/img/chart.png)\n"},
        "content/bad.md:5: warning: /img/chart.png: the site has no such file (put it in "
        "static/img/chart.png)"),
    "a lead image that is not in static/": (
        {"content/bad.md": "---\ntitle: T\ndate: 2025-01-01\n"
                           "image: {src: img/lead.jpg, alt: The lead}\n---\nx\n"},
        "content/bad.md:4: warning: /img/lead.jpg: the site has no such file (put it in "
        "static/img/lead.jpg)"),
    "an anchor an article does not have": (
        {"content/bad.md": "---\ntitle: T\ndate: 2025-01-01\n---\n"
                           "See [the scores](/2025/06/01/good/#scores).\n"},
        "content/bad.md:5: warning: link /2025/06/01/good/#scores: the page has no #scores"),
    "an anchor on its own page that is not there": (
        {"content/bad.md": "---\ntitle: T\ndate: 2025-01-01\n---\n## Results\n\n"
                           "[below](#result)\n"},
        "content/bad.md:7: warning: link #result: the page has no #result"),
    "a footnote the text never marks": (
        {"content/bad.md": "---\ntitle: T\ndate: 2025-01-01\n---\n| a | b |\n|--|--|\n"
                           "| 1 | 2 |[^1]\n\nText.\n\n[^1]: A note.\n"},
        "content/bad.md:11: warning: footnote [^1] is never marked in the text: put [^1] "
        "where it belongs"),
    "a link that leads out of the site": (
        {"content/bad.md": "---\ntitle: T\ndate: 2025-01-01\n---\n[up](../../../../../x/)\n"},
        "content/bad.md:5: warning: link ../../../../../x/ leads out of the site"),
    "a Markdown image without alt text": (
        {"content/bad.md": "---\ntitle: T\ndate: 2025-01-01\n---\nText.\n\n![](/img/a.png)\n",
         "static/img/a.png": b"png"},
        "content/bad.md:7: warning: image /img/a.png has no alt text: say what it shows, for "
        "readers who cannot see it (![what it shows](...) or alt=\"...\")"),
    "a raw img without alt text": (
        {"content/bad.md": "---\ntitle: T\ndate: 2025-01-01\n---\n<img src=\"/img/a.png\">\n",
         "static/img/a.png": b"png"},
        "content/bad.md:5: warning: image /img/a.png has no alt text: say what it shows, for "
        "readers who cannot see it (![what it shows](...) or alt=\"...\")"),
    "a lead image with empty alt text": (
        {"content/bad.md": "---\ntitle: T\ndate: 2025-01-01\n"
                           "image: {src: /img/a.png, alt: ''}\n---\nx\n",
         "static/img/a.png": b"png"},
        "content/bad.md:4: warning: image: alt is empty: say what the image shows, for "
        "readers who cannot see it"),
}


@pytest.mark.parametrize("name", WARNING_CASES)
def test_a_mistake_that_builds_is_warned_about_once_cold_and_warm(site: SiteDir,
                                                                   name: str) -> None:
    files, message = WARNING_CASES[name]
    site.write({**GOOD, **files})
    cold = site.build()
    assert [line for line in cold.errors.splitlines() if ": warning: " in line] == [message]
    assert "Built 2 articles" in cold.output
    # another article edited: this one comes from the parse cache in .digest-cache/
    site.write({"content/good.md": article("Good article, edited")})
    warm = site.build()
    assert warm.errors == cold.errors
    assert site.build().errors == cold.errors  # nothing changed: the build does not run
    assert site.digest("build", "--clean").errors == cold.errors
    checked = site.digest("check")
    assert checked.exit_code == 0 and checked.errors == cold.errors
    assert checked.output.rstrip().endswith("; 1 warning")


@pytest.mark.parametrize("name", WARNING_CASES)
def test_strict_makes_a_warning_an_error_and_writes_nothing(site: SiteDir, name: str) -> None:
    files, message = WARNING_CASES[name]
    site.write(GOOD)
    site.build()
    before = site.snapshot()
    site.write(files)
    for command in ("build", "check"):
        run = site.digest(command, "--strict")
        assert run.exit_code == 1
        assert run.errors.splitlines() == [
            message, "digest: 1 warning, errors under --strict; nothing was written"]
    assert site.snapshot() == before


def test_links_and_images_that_lead_somewhere_give_no_warning(site: SiteDir) -> None:
    site.write({
        "site.yaml": "base_url: https://example.org/news/\ntopics: [World]\n",
        "content/a.md": "---\ntitle: A\ndate: 2025-01-02T10:00:00Z\ntopic: World\n"
                        "tags: [Ελλάδα]\nimage: {src: /img/a.png, alt: A chart}\n---\n"
                        "## Scores\n\nText.[^1]\n\n[^1]: A note.\n",
        "content/b.md": "---\ntitle: B\ndate: 2025-01-03T10:00:00Z\ntopic: world\n---\n"
                        "[a](/2025/01/02/a/) [a's scores](/2025/01/02/a/#scores) "
                        "[relative](../../02/a/) [no slash](/2025/01/02/a) "
                        "[the note](/2025/01/02/a/#fn:1) [main](#_main) "
                        "[topic](/topics/world/) "
                        "[tag](/tags/%CE%B5%CE%BB%CE%BB%CE%AC%CE%B4%CE%B1/) "
                        "[tag as written](/tags/ελλάδα/) [feed](/feed.xml) [front](/) "
                        "[query](/archive/?from=b) [away](https://example.com/missing/) "
                        "[far](//example.com/x) [mail](mailto:desk@example.org) "
                        "![A chart](/img/a.png) <img src=\"../../../../img/a.png\" alt=\"A\">\n",
        "static/img/a.png": b"png",
    })
    run = site.build()
    assert run.errors == ""
    assert site.digest("check", "--strict").exit_code == 0


def test_no_warning_for_unlisted_topics_when_site_yaml_lists_none_or_for_the_default(
        site: SiteDir) -> None:
    site.write({"content/a.md": article("A", topic="Anything"),
                "content/b.md": article("B", "2025-06-02")})
    assert site.build().errors == ""
    site.write({"site.yaml": "topics: [World]\ndefault_topic: Briefs\n"})
    assert site.build().errors.splitlines() == [
        "content/a.md:4: warning: topic: 'Anything' is not one of the topics of site.yaml; "
        "add it there, or correct it here"]


def test_one_tag_with_a_comma_in_quotes_is_not_warned_about(site: SiteDir) -> None:
    site.write({**GOOD, "content/a.md": article("A", tags='"Washington, D.C."')})
    assert site.build().errors == ""
    assert "Washington, D.C." in site.read("2025/06/01/a/index.html")


def test_drafts_and_future_articles_left_out_are_said_once(site: SiteDir) -> None:
    site.write({**GOOD,
                "content/draft.md": article("Draft", draft="true"),
                "content/later.md": article("Later", "2099-01-01"),
                "content/both.md": article("Both", "2099-01-01", draft="true")})
    run = site.build()
    assert run.errors.splitlines() == [
        "2 drafts and 1 future article left out: --drafts, --future"]
    assert "Built 1 articles" in run.output
    assert site.build("--drafts").errors.splitlines() == [
        "2 future articles left out: --future"]
    assert site.build("--future").errors.splitlines() == ["2 drafts left out: --drafts"]
    assert site.build("--drafts", "--future").errors == ""
    # left out is not a mistake: --strict builds
    assert site.digest("build", "--strict").exit_code == 0


def test_an_unpublished_draft_is_not_warned_about(site: SiteDir) -> None:
    site.write({**GOOD, "content/draft.md": article(
        "Draft", draft="true", body="Write the article here, in Markdown.\n\n![](/x.png)")})
    assert site.build().errors.splitlines() == ["1 draft left out: --drafts"]
    warned = site.build("--drafts").errors.splitlines()
    assert len(warned) == 3 and all(": warning: " in line for line in warned)


def test_a_warm_build_warns_from_the_cache_without_parsing_again(site: SiteDir,
                                                                 monkeypatch) -> None:
    site.write({**GOOD, "content/bad.md": "---\ntitle: T\ndate: 2025-01-01\ntags: a, b\n---\n"
                                          "![](/img/none.png) [x](/nowhere/)\n"})
    cold = site.build()
    assert len(cold.errors.splitlines()) == 4
    from digest.reuse import parsing

    parsed: list[str] = []
    real = parsing.parse_source

    def counted(text: str, path: str, *args):
        parsed.append(path)
        return real(text, path, *args)

    monkeypatch.setenv("DIGEST_WORKERS", "1")
    monkeypatch.setattr(parsing, "parse_source", counted)
    site.write({"content/good.md": article("Good article, edited")})
    assert site.build().errors == cold.errors
    assert parsed == ["content/good.md"]


def test_a_cache_without_findings_is_not_used(site: SiteDir) -> None:
    """A cache written before warnings existed would hide them: its format is refused."""
    site.write({**GOOD, "content/bad.md": "---\ntitle: T\ndate: 2025-01-01\n---\n[x](/no/)\n"})
    cold = site.build()
    cache = site.root / ".digest-cache/articles.bin"
    header, records = read_cache(cache)
    write_cache(cache, header, [(*record[:17], *record[18:]) for record in records])
    assert site.build().errors == cold.errors


def test_the_dev_server_prints_each_warning_once_and_shows_them_on_open_pages(
        site: SiteDir, serve) -> None:
    import http.client
    import json

    warned = ("content/bad.md:4: warning: tags: 'Markets, Energy' is one tag; for several, "
              "write a list: tags: [Markets, Energy]")
    site.write({**GOOD, "content/bad.md": "---\ntitle: T\ndate: 2025-01-01\n"
                                          "tags: Markets, Energy\n---\nx\n"})
    server = serve()
    assert server.lines.count(warned) == 1
    assert any(line.startswith("start: ") and line.endswith("; 1 warning")
               for line in server.lines)
    connection = http.client.HTTPConnection("127.0.0.1", server.port, timeout=10)
    connection.request("GET", "/__digest/events")
    response = connection.getresponse()

    def state_where(wanted) -> dict:
        """The next state the stream sends that is `wanted` (other rebuilds may come
        between, such as the search index's)."""
        while True:
            while not (line := response.fp.readline().decode()).startswith("data:"):
                pass
            state = json.loads(line[len("data:"):])
            if wanted(state):
                return state

    def rebuilt(name: str) -> str:
        """The log line of the next good rebuild that `name` started."""
        while True:
            line = server.wait_for(" changed")
            if line.startswith(name) and " written, " in line:
                return line

    state = state_where(lambda state: True)
    assert state["warnings"] == [warned] and state["warned"] == 1
    site.write({"content/good.md": article("Good article, edited")})
    assert rebuilt("content/good.md").endswith("; 1 warning")
    assert server.lines.count(warned) == 1  # not printed again
    assert state_where(lambda state: True)["warned"] == 1
    site.write({"content/bad.md": "---\ntitle: Minister says: we will win\ndate: 2025-01-01\n"
                                  "---\nx\n"})
    problems = state_where(lambda state: state["problems"])["problems"]
    assert problems == [
        "content/bad.md:2: invalid YAML: the title has ': ' in it, which YAML reads as the "
        "start of another key; put the title in quotes: title: \"Minister says: we will win\""
        "\n 2 | title: Minister says: we will win\n   |                     ^"]
    site.write({"content/bad.md": article("Mended", "2025-01-01", tags="[Markets, Energy]")})
    state = state_where(lambda state: not state["problems"])
    assert state["warned"] == 0 and state["warnings"] == []
    assert "warning" not in rebuilt("content/bad.md")
    connection.close()


def test_open_pages_show_the_warnings_folded_and_drop_them_once_fixed(
        site: SiteDir, serve, page) -> None:
    from playwright.sync_api import expect

    from test_browser import url, wait_until_listening

    site.write({**GOOD, "content/bad.md": "---\ntitle: T\ndate: 2025-01-01\n---\n"
                                          "![](/x.png)\n"})
    server = serve()
    page.goto(url(server, "/2025/06/01/good/"))
    wait_until_listening(page)
    panel = page.locator("#digest-warnings")
    expect(panel.locator("summary")).to_have_text("digest: 2 warnings")
    expect(panel.locator("details")).not_to_have_attribute("open", "")
    assert not page.get_by_text("/x.png: the site has no such file").is_visible()
    panel.locator("summary").click()
    expect(panel).to_contain_text("content/bad.md:5: warning: /x.png: the site has no such file")
    expect(page.locator("h1")).to_have_text("Good article")
    site.write({"content/bad.md": article("Mended", "2025-01-01")})
    expect(panel).to_have_count(0, timeout=10_000)
    site.write({"content/bad.md": "---\ntitle: Minister says: we will win\n"
                                  "date: 2025-01-01\n---\nx\n"})
    overlay = page.locator("#digest-problems")
    expect(overlay).to_contain_text("put the title in quotes: title: \"Minister says: we will "
                                    "win\"\n 2 | title: Minister says: we will win\n",
                                    timeout=10_000)


_WORDS = st.text(st.characters(whitelist_categories=("L", "N", "P", "S", "Zs")), min_size=1,
                 max_size=30)


@settings(max_examples=600, deadline=None)
@given(_WORDS, _WORDS)
def test_the_line_a_yaml_hint_offers_reads_back_as_what_was_written(before: str,
                                                                    after: str) -> None:
    """Whatever a headline holds, the corrected line the hint offers is valid YAML that
    gives the headline as it was written."""
    written = f"{before}: {after}".strip()
    try:
        load_mapping(f"title: {written}\ndate: 2025-01-01\n", "content/x.md", 2)
        return  # YAML read it; nothing to correct
    except DigestError as err:
        message = err.problems[0].message
    for lead in ("put the title in quotes: ", "write the title in other quotes: ",
                 "on the same line: "):
        if lead in message:
            corrected = message.split(lead, 1)[1]
            fields = load_mapping(corrected + "\n", "content/x.md", 2)
            if lead.startswith("put"):
                assert fields["title"].value == written
            elif lead.startswith("write"):  # the writer's own quotes: what they held is kept
                assert fields["title"].value in written


def test_a_quote_left_open_after_a_colon_in_a_title_is_mended_by_quoting_the_title() -> None:
    """`title: !: "`: the quote opens the value of a key inside the title, and closing it
    would leave that key; the title in quotes reads back as it was written."""
    with pytest.raises(DigestError) as caught:
        load_mapping('title: !: "\ndate: 2025-01-01\n', "content/x.md", 2)
    message = caught.value.problems[0].message
    assert caught.value.problems[0].line == 2
    assert message == ("invalid YAML: the quote \" in the title starts text in quotes that is "
                       "never closed; put the title in quotes: title: '!: \"'")
    corrected = message.split("put the title in quotes: ", 1)[1]
    assert load_mapping(corrected + "\n", "content/x.md", 2)["title"].value == '!: "'


def test_cached_builds_and_dev_server_rebuilds_warn_as_clean_builds_do(tmp_path,
                                                                      monkeypatch) -> None:
    """Through an editor's steps on a corpus with planted mistakes: the warnings of a build
    that reuses its cache, and of the dev server's rebuilds, are those of a clean build."""
    import shutil

    from digest.build import Options, build
    from digest.project import Project
    from digest.serve import Session
    from test_incremental import NOW, steps, write_corpus

    root = tmp_path / "site"
    write_corpus(root, 80)
    files = sorted((root / "content").rglob("*.md"))
    for index, mistake in enumerate(("\n\n[gone](/2025/01/01/no-such-story/)\n",
                                     "\n\n![](/img/photo-1.jpg)\n",
                                     "\n\n[where](#nowhere)\n")):
        files[index * 7].write_text(files[index * 7].read_text("utf-8") + mistake, "utf-8")
    project = Project.at(root / "site.yaml")
    session = Session(Project.at(root / "site.yaml"), Options(),
                      overrides={"output": "_served"})  # apart from the builds' output

    def clean() -> tuple:
        copy = tmp_path / "clean"
        shutil.rmtree(copy, ignore_errors=True)
        shutil.copytree(root, copy, ignore=shutil.ignore_patterns("_site", "_served",
                                                               ".digest-cache"))
        fresh = Project.at(copy / "site.yaml")
        return build(fresh, fresh.read_config(), Options(clean=True), NOW, write=False).warnings

    first = build(project, project.read_config(), Options(), NOW)
    assert len(first.warnings) == 3 and first.warnings == clean()
    base = project.read_config().base_path
    where = {a.path: a.url.removeprefix(base.rstrip("/")) for a in first.site.articles}
    session.rebuild("start", now=NOW)

    def add(path, text: str) -> None:
        path.write_text(path.read_text("utf-8") + text, "utf-8")

    linking, linked, going = files[30], files[31], files[33]
    link = where[linked.relative_to(root).as_posix()]
    others = [
        ("link to a heading of another article", lambda: (
            add(linked, "\n\n## A heading to link to\n\nMore.\n"),
            add(linking, f"\n\nSee [that part]({link}#a-heading-to-link-to).\n"))),
        ("remove that heading", lambda: linked.write_text(
            linked.read_text("utf-8").replace("## A heading to link to", "Plain."), "utf-8")),
        ("link to an article", lambda: add(
            linking, f"\n\nSee [this]({where[going.relative_to(root).as_posix()]}).\n")),
        ("delete that article", lambda: going.unlink()),
    ]
    for name, change in [*steps(root), *others]:
        change()
        cached = build(project, project.read_config(), Options(), NOW).warnings
        session.rebuild(name, now=NOW)
        assert cached == session.state.warnings == clean(), name
        if name in ("remove that heading", "delete that article"):
            assert any(w.path == linking.relative_to(root).as_posix()
                       for w in session.state.warnings), name
