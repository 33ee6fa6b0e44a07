"""Cached, parallel and incremental builds write exactly what a clean serial build writes."""

from __future__ import annotations

import dataclasses
import operator
import os
import re
import shutil
import sys
from datetime import datetime, timezone
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conftest import SiteDir, read_cache, write_cache
from digest.build import Options, build
from digest.project import Project
from digest.reuse.phases import Reuse
from digest.serve import Session
from digest.workers import worker_count

sys.path.insert(0, str(Path(__file__).parent.parent / "benchmarks"))
from corpus import write_corpus  # noqa: E402

NOW = datetime(2027, 1, 1, tzinfo=timezone.utc)


def edit_title(path: Path, title: str) -> None:
    text = path.read_text("utf-8")
    head, _, rest = text.partition("\ntitle: ")
    path.write_text(f"{head}\ntitle: \"{title}\"\n{rest.partition(chr(10))[2]}", "utf-8")


def change_topic(path: Path, topic: str) -> None:
    lines = path.read_text("utf-8").split("\n")
    lines = [f"topic: {topic}" if line.startswith("topic: ") else line for line in lines]
    path.write_text("\n".join(lines), "utf-8")


def set_line(path: Path, key: str, value: str) -> None:
    """Replace (or add) one front-matter line."""
    lines = path.read_text("utf-8").split("\n")
    found = [i for i, line in enumerate(lines[1:lines.index("---", 1)], 1)
             if line.startswith(f"{key}: ")]
    if found:
        lines[found[0]] = f"{key}: {value}"
    else:
        lines.insert(1, f"{key}: {value}")
    path.write_text("\n".join(lines), "utf-8")


def date_of(path: Path) -> str:
    return next(line for line in path.read_text("utf-8").split("\n")
                if line.startswith("date: "))[len("date: "):]


def steps(root: Path):
    """Edits as an editor makes them, one step at a time."""
    files = sorted((root / "content").rglob("*.md"))
    yield "edit a title", lambda: edit_title(files[3], "A changed headline")
    yield "edit two more", lambda: (edit_title(files[10], "Second change"),
                                    edit_title(files[60], "Third change"))
    yield "edit a body", lambda: files[12].write_text(
        files[12].read_text("utf-8") + "\nOne more paragraph, added later.\n", "utf-8")
    yield "same time as another", lambda: (set_line(files[20], "date", date_of(files[21])),
                                           edit_title(files[20], "Aaa first at that time"))
    yield "reorder at that time", lambda: edit_title(files[20], "Zzz last at that time")
    yield "move to another day", lambda: set_line(files[22], "date", "2025-02-03T08:00:00Z")
    yield "change the tags", lambda: set_line(files[23], "tags", "[Brand New Tag, harbor trade]")
    yield "make one a draft", lambda: set_line(files[24], "draft", "true")
    yield "publish it again", lambda: set_line(files[24], "draft", "false")
    yield "add one", lambda: (root / "content/added-story.md").write_text(
        "---\ntitle: An added story\ndate: 2025-03-04T05:06:00Z\ntopic: Health\n---\nText.\n",
        "utf-8")
    yield "delete one", lambda: files[5].unlink()
    yield "rename one", lambda: files[7].rename(files[7].with_name("renamed-story.md"))
    yield "change a topic", lambda: change_topic(files[11], "Weather")
    yield "add a template", lambda: (root / "layouts").mkdir(exist_ok=True) or (
        root / "layouts/tag.html").write_text(
        "{% extends 'base.html' %}{% block content %}<h1>{{ page.title }}</h1>"
        "{% for a in articles %}<p>{{ a.title }}</p>{% endfor %}{% endblock %}")
    yield "change site.yaml", lambda: (root / "site.yaml").write_text(
        (root / "site.yaml").read_text().replace("Benchmark Brief", "Renamed Brief"))
    yield "add links in raw HTML", lambda: (root / "content/linked.md").write_text(
        "---\ntitle: Linked\ndate: 2025-03-05T05:06:00Z\n---\n"
        "See [the topics](/topics/) and <a href=\"/archive/\">the archive</a>.\n", "utf-8")
    yield "move the site to another sub-path", lambda: (root / "site.yaml").write_text(
        (root / "site.yaml").read_text().replace("example.org/bench/", "example.org/moved/"))
    yield "remove the template", lambda: (root / "layouts/tag.html").unlink()


class CountingParses:
    """Counts the articles parsed, by wrapping the real parser."""

    def __init__(self, monkeypatch) -> None:
        from digest.reuse import parsing

        self.count = 0
        real = parsing.parse_source

        def counted(*args, **kwargs):
            self.count += 1
            return real(*args, **kwargs)

        monkeypatch.setattr(parsing, "parse_source", counted)
        monkeypatch.setenv("DIGEST_WORKERS", "1")  # counted in this process


def test_a_site_yaml_edit_parses_no_article_again(corpus: Path, tmp_path: Path,
                                                   monkeypatch) -> None:
    root = tmp_path / "site"
    shutil.copytree(corpus, root)
    parses = CountingParses(monkeypatch)
    project = Project.at(root / "site.yaml")
    build(project, project.read_config(), Options(), NOW)
    assert parses.count == 80
    session = Session(Project.at(root / "site.yaml"), Options())
    session.rebuild("start", now=NOW)
    parses.count = 0
    site_yaml = root / "site.yaml"
    site_yaml.write_text(site_yaml.read_text().replace("Benchmark Brief", "Renamed Brief")
                         .replace("example.org/bench/", "example.org/moved/")
                         + "page_size: 7\nstrict_topics: false\n")
    build(project, project.read_config(), Options(), NOW)
    assert "written" in session.rebuild("site.yaml changed", now=NOW)
    assert parses.count == 0
    page = (root / "_site/index.html").read_text("utf-8")
    assert "Renamed Brief" in page and 'href="/moved/topics/' in page
    assert SiteDir(root).snapshot() == clean_serial_build(root, tmp_path, monkeypatch)
    site_yaml.write_text(re.sub(r"(?m)^timezone: .*$", "timezone: Asia/Tokyo",
                                site_yaml.read_text()))
    build(project, project.read_config(), Options(), NOW)
    assert parses.count == 80  # times without an offset may fall on other days


def test_a_site_yaml_edit_that_places_nothing_differently_keeps_the_placed_articles(
        corpus: Path, tmp_path: Path) -> None:
    """Between the dev server's rebuilds: a new title keeps the very articles placed last
    time; a new base path, or topics, places them again."""
    root = tmp_path / "site"
    shutil.copytree(corpus, root)
    project = Project.at(root / "site.yaml")
    config = project.read_config()
    reuse = Reuse(in_memory=True)
    placed = reuse.articles(project, config)[0]
    retitled = dataclasses.replace(config, title="Another Title")
    again = reuse.articles(project, retitled, frozenset())[0]
    assert len(again) == len(placed) and all(map(operator.is_, again, placed))
    moved = dataclasses.replace(retitled, base_url="https://example.org/moved/")
    elsewhere = reuse.articles(project, moved, frozenset())[0]
    assert not any(map(operator.is_, elsewhere, placed))
    assert all(article.url.startswith("/moved/") for article in elsewhere)
    fewer = dataclasses.replace(moved, topics=moved.topics[1:])
    assert not any(map(operator.is_, reuse.articles(project, fewer, frozenset())[0], elsewhere))


def test_site_root_links_in_raw_html_get_the_base_path(site: SiteDir) -> None:
    site.write({"site.yaml": "base_url: https://example.org/news/\n",
                "content/a.md": "---\ntitle: A\ndate: 2025-01-02T03:04:05Z\n---\n"
                                "[one](/topics/) <a href=\"/archive/\">two</a> "
                                "<img src=\"/img/x.png\" alt=\"x\"> "
                                "<a href=\"//example.com/a\">three</a>\n\n"
                                "    <a href=\"/code/\">shown as code</a>\n"})
    site.build()
    page = site.read("2025/01/02/a/index.html")
    assert '<a href="/news/topics/">one</a>' in page
    assert '<a href="/news/archive/">two</a>' in page
    assert 'src="/news/img/x.png"' in page
    assert 'href="//example.com/a"' in page
    assert "&lt;a href=\"/code/\"&gt;shown as code" in page
    feed = site.read("feed.xml")
    assert "https://example.org/news/archive/" in feed


def clean_serial_build(root: Path, scratch: Path, monkeypatch) -> dict[str, str]:
    copy = scratch / "clean"
    shutil.rmtree(copy, ignore_errors=True)
    shutil.copytree(root, copy, ignore=shutil.ignore_patterns("_site", ".digest-cache"))
    monkeypatch.setenv("DIGEST_WORKERS", "1")
    project = Project.at(copy / "site.yaml")
    build(project, project.read_config(), Options(clean=True), NOW)
    monkeypatch.delenv("DIGEST_WORKERS")
    return SiteDir(copy).snapshot()


@pytest.fixture(scope="module")
def corpus(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("corpus")
    write_corpus(root, 80)
    return root


@pytest.fixture(autouse=True)
def parallel_even_when_small(monkeypatch) -> None:
    """Worker processes for this small corpus too, so the parallel path is the one tested,
    and a topic's article pages in several runs (see pages.parts), as a large site has."""
    monkeypatch.setattr("digest.reuse.parsing.PARSE_MIN", 8)
    monkeypatch.setattr("digest.reuse.rendering.RENDER_MIN", 8)
    monkeypatch.setattr("digest.pages.ARTICLE_RUN", 3)


def test_cached_parallel_builds_equal_clean_serial_builds(corpus: Path, tmp_path: Path,
                                                          monkeypatch) -> None:
    root = tmp_path / "site"
    shutil.copytree(corpus, root)
    project = Project.at(root / "site.yaml")
    build(project, project.read_config(), Options(), NOW)
    for name, change in steps(root):
        change()
        result = build(project, project.read_config(), Options(), NOW)
        assert result.report is not None
        assert SiteDir(root).snapshot() == clean_serial_build(root, tmp_path, monkeypatch), name
    assert (root / ".digest-cache/articles.bin").is_file()


def test_a_no_op_build_renders_nothing_and_writes_nothing(corpus: Path, tmp_path: Path) -> None:
    root = tmp_path / "site"
    shutil.copytree(corpus, root)
    project = Project.at(root / "site.yaml")
    build(project, project.read_config(), Options(), NOW)
    again = build(project, project.read_config(), Options(), NOW)
    assert again.report.written == 0
    edit_title(sorted((root / "content").rglob("*.md"))[0], "Only this one")
    once_more = build(project, project.read_config(), Options(), NOW)
    assert 0 < once_more.report.written < 30


def test_the_dev_server_rebuilds_equal_clean_serial_builds(corpus: Path, tmp_path: Path,
                                                           monkeypatch) -> None:
    root = tmp_path / "site"
    shutil.copytree(corpus, root)
    session = Session(Project.at(root / "site.yaml"), Options())
    assert "written" in session.rebuild("start", now=NOW)
    for name, change in steps(root):
        change()
        line = session.rebuild(name, now=NOW)
        assert "written" in line, line
        session.settle(now=NOW)  # the search index, made in the background
        assert SiteDir(root).snapshot() == clean_serial_build(root, tmp_path, monkeypatch), name


def inputs_of(root: Path) -> dict[str, bytes]:
    """Every input file of the site by its project-relative path."""
    return {path.relative_to(root).as_posix(): path.read_bytes() for path in root.rglob("*")
            if path.is_file() and path.relative_to(root).parts[0] not in ("_site",
                                                                          ".digest-cache")}


def test_the_dev_server_told_what_changed_equals_clean_serial_builds(
        corpus: Path, tmp_path: Path, monkeypatch) -> None:
    """Given the changed files as its watcher reports them, a rebuild looks at those alone."""
    root = tmp_path / "site"
    shutil.copytree(corpus, root)
    session = Session(Project.at(root / "site.yaml"), Options())
    assert "written" in session.rebuild("start", now=NOW)
    for name, change in steps(root):
        before = inputs_of(root)
        change()
        after = inputs_of(root)
        changed = frozenset(path for path in before.keys() | after.keys()
                            if before.get(path) != after.get(path))
        articles_only = all(path.startswith("content/") and path.endswith(".md")
                            for path in changed)
        before = session.reuse.grouped
        line = session.rebuild(name, now=NOW, changed=changed if articles_only else None)
        assert "written" in line, line
        if name.startswith("edit"):  # put in place, not grouped again: the same positions
            assert session.reuse.grouped.where is before.where, name
        session.settle(now=NOW)  # the search index, made in the background
        assert SiteDir(root).snapshot() == clean_serial_build(root, tmp_path, monkeypatch), name


def test_the_dev_server_writes_the_search_index_made_behind_it_without_building_again(
        corpus: Path, tmp_path: Path, monkeypatch) -> None:
    """Once made in the background, the index takes the place of the last one: no page is
    built again, only the index's files and the manifest change, and the output is a clean
    build's."""
    from digest import serve

    root = tmp_path / "site"
    shutil.copytree(corpus, root)
    session = Session(Project.at(root / "site.yaml"), Options())
    assert "written" in session.rebuild("start", now=NOW)
    session.settle(now=NOW)
    path = sorted((root / "content").rglob("*.md"))[3]
    edit_title(path, "Found by the words of its new title")
    changed = frozenset([path.relative_to(root).as_posix()])
    assert "written" in session.rebuild("edit", now=NOW, changed=changed)
    before = SiteDir(root).snapshot()
    built: list[str] = []
    real = serve.assemble
    monkeypatch.setattr(serve, "assemble", lambda *args, **kwargs: built.append("again") or
                        real(*args, **kwargs))
    lines = session.settle(now=NOW)
    assert built == []
    assert lines and lines[-1].startswith("search index changed: "), lines
    after = SiteDir(root).snapshot()
    differ = {name for name in before.keys() | after.keys() if before.get(name) != after.get(name)}
    assert differ and all(name.startswith("search/") or name == ".digest-manifest.json"
                          for name in differ), differ
    assert after == clean_serial_build(root, tmp_path, monkeypatch)


def test_a_corrupt_cache_is_ignored(corpus: Path, tmp_path: Path) -> None:
    root = tmp_path / "site"
    shutil.copytree(corpus, root)
    project = Project.at(root / "site.yaml")
    build(project, project.read_config(), Options(), NOW)
    first = SiteDir(root).snapshot()
    for name in ("articles.bin", "pages.bin", "files.bin"):
        (root / f".digest-cache/{name}").write_bytes(b"{not json\n[1, 2]\n")
    build(project, project.read_config(), Options(), NOW)
    assert SiteDir(root).snapshot() == first


def test_a_cache_from_another_version_damaged_or_with_wrong_types_is_ignored(
        corpus: Path, tmp_path: Path) -> None:
    root = tmp_path / "site"
    shutil.copytree(corpus, root)
    project = Project.at(root / "site.yaml")
    build(project, project.read_config(), Options(), NOW)
    first = SiteDir(root).snapshot()
    articles, pages = root / ".digest-cache/articles.bin", root / ".digest-cache/pages.bin"
    header, records = read_cache(articles)
    whole = articles.read_bytes()

    def changed(record: tuple, place: int, value: object) -> tuple:
        return (*record[:place], value, *record[place + 1:])

    forged = [({**header, "format": 1}, records),
              (header, [("x", "y", {"title": 5})]),
              (header, [changed(r, 2, ["not", "text"]) for r in records]),  # the title
              (header, [changed(r, 8, (("Tag", 5),)) for r in records]),  # the tags
              (header, [changed(r, 17, r[17][:3]) for r in records]),  # findings cut short
              (header, [changed(r, 15, (0, 10**12)) for r in records]),  # a body past the end
              (header, [changed(r, 21, "5") for r in records]),  # the reading time
              (header, {"not": "a list"})]
    flipped = bytearray(whole)
    flipped[len(whole) // 3] ^= 1  # within a piece: its digest no longer matches
    for content in [*forged, whole[:-200], whole[:len(whole) // 2] + b"x" * (len(whole) // 2),
                    bytes(flipped), b"", b"\n\n"]:
        if isinstance(content, bytes):
            articles.write_bytes(content)
        else:
            write_cache(articles, *content)
        write_cache(pages, {"format": header["format"], "key": 1}, ({}, {}, "", 5))
        write_cache(root / ".digest-cache/files.bin", {"format": header["format"]},
                    {"content/x.md": ((1, 2, 3, "4"), "0" * 32), "content/y.md": 5})
        build(project, project.read_config(), Options(), NOW)
        assert SiteDir(root).snapshot() == first


def test_an_edit_writes_again_only_the_run_of_the_article_cache_that_holds_it(
        tmp_path: Path, monkeypatch) -> None:
    import json

    # runs of 8 to 64 articles rather than of 64 to 1,024, for a small corpus
    monkeypatch.setattr("digest.reuse.store._RUN_SHORTEST", 8)
    monkeypatch.setattr("digest.reuse.store._RUN_SPREAD", 16)
    monkeypatch.setattr("digest.reuse.store._RUN_LONGEST", 64)
    root = tmp_path / "site"
    write_corpus(root, 300)
    project = Project.at(root / "site.yaml")
    build(project, project.read_config(), Options(), NOW)
    cache = root / ".digest-cache/articles.bin"

    def pieces() -> list[tuple[int, str]]:
        return [tuple(piece) for piece in json.loads(cache.read_bytes().rpartition(b"\n")[2])
                ["pieces"]]

    before = pieces()
    assert len(before) >= 4  # in runs, not one piece
    edit_title(sorted((root / "content").rglob("*.md"))[150], "Edited in the middle")
    build(project, project.read_config(), Options(), NOW)
    after = pieces()
    assert len(after) == len(before)
    assert sum(piece not in before for piece in after) == 1
    assert "Edited in the middle" in [record[2] for record in read_cache(cache)[1]]


def test_front_matter_the_cache_cannot_give_back_is_parsed_again_not_cached_wrong(
        site: SiteDir) -> None:
    site.write({"content/a.md": "---\ntitle: A\ndate: 2025-01-01\ncounts: {1: one}\n---\nx\n",
                "content/b.md": "---\ntitle: B\ndate: 2025-01-01\nquotient: .nan\n---\nx\n",
                "layouts/article.html": "{{ article.extra.get('counts', '') }}"
                                         "{{ article.extra.get('quotient', '') }}"})
    site.build()
    first = site.read("2025/01/01/a/index.html"), site.read("2025/01/01/b/index.html")
    site.build()
    assert (site.read("2025/01/01/a/index.html"), site.read("2025/01/01/b/index.html")) \
        == first == ("{1: &#39;one&#39;}", "nan")
    _, records = read_cache(site.root / ".digest-cache/articles.bin")
    # b.md's NaN is not equal to itself: b.md is parsed again each time, not cached
    assert [record[0] for record in records] == ["content/a.md"]


def test_a_worker_that_dies_leaves_the_work_to_the_main_process(site: SiteDir,
                                                                monkeypatch) -> None:
    import os

    from digest import workers

    def dies(_shared, _chunk):
        os._exit(3)  # as a worker killed for lack of memory would

    assert workers.run_in_parallel(dies, None, list(range(50)), 1) is None
    site.write({f"content/a{i}.md": f"---\ntitle: A {i}\ndate: 2025-01-01\n---\nx\n"
                for i in range(12)})
    site.build()
    assert (site.out / "2025/01/01/a11/index.html").is_file()


def test_a_build_reads_only_the_files_whose_stamp_changed(corpus: Path, tmp_path: Path,
                                                          monkeypatch) -> None:
    root = tmp_path / "site"
    shutil.copytree(corpus, root)
    files = sorted((root / "content").rglob("*.md"))
    old = 1_700_000_000
    for path in files:
        os.utime(path, (old, old))
    project = Project.at(root / "site.yaml")
    log = tmp_path / "read.log"
    from digest import project as project_module
    real = project_module._read

    def counted(path: str) -> bytes:  # how an article file is read, by any process
        with open(log, "a", encoding="utf-8") as stream:
            stream.write(f"{os.getpid()} {path}\n")
        return real(path)

    def read(by: set[str] | None = None) -> list[str]:
        """The article files read since last asked; `by` is told which processes read them."""
        text = log.read_text("utf-8") if log.exists() else ""
        log.unlink(missing_ok=True)
        lines = [line.split(" ", 1) for line in text.splitlines() if line.endswith(".md")]
        if by is not None:
            by.update(pid for pid, _ in lines)
        return [path for _, path in lines]

    monkeypatch.setattr(project_module, "_read", counted)
    build(project, project.read_config(), Options(), NOW)
    # a first build's files are read by the parsers, each once: in the worker processes
    readers: set[str] = set()
    assert sorted(read(readers)) == sorted(map(str, files))
    if worker_count() > 1:
        assert str(os.getpid()) not in readers
    build(project, project.read_config(), Options(), NOW)
    # just changed (their change time is now): read again, as they may change again unseen
    assert sorted(read()) == sorted(map(str, files))
    monkeypatch.setattr("digest.reuse.parsing.RACY_NS", -10**12)  # as if the files were changed long ago
    build(project, project.read_config(), Options(), NOW)
    read()
    build(project, project.read_config(), Options(), NOW)
    assert read() == []
    # Same size and the same modification time written back: the change time tells.
    text = files[4].read_text("utf-8")
    files[4].write_text(text.replace("title: ", "title: X", 1)[:len(text)], "utf-8")
    os.utime(files[4], (old, old))
    assert files[4].stat().st_size == len(text.encode())
    build(project, project.read_config(), Options(), NOW)
    assert read() == [str(files[4])]
    assert SiteDir(root).snapshot() == clean_serial_build(root, tmp_path, monkeypatch)


def test_a_file_a_parser_reads_is_held_to_what_the_listing_held_it_to(tmp_path: Path,
                                                                      monkeypatch) -> None:
    """A parse worker reads a new file itself, after the files were listed: one that grew
    past the size limit meanwhile, or went, is a problem of that file, as when listed."""
    from digest.errors import DigestError
    from digest.project import read_article

    (tmp_path / "content").mkdir()
    (tmp_path / "content/a.md").write_text("x" * 11, "utf-8")
    assert read_article(str(tmp_path), "content/a.md") == b"x" * 11
    monkeypatch.setattr("digest.limits.MAX_ARTICLE_BYTES", 10)
    for name, said in (("a.md", "content/a.md:1: article is "),
                       ("gone.md", "content/gone.md: cannot read: No such file")):
        with pytest.raises(DigestError) as caught:
            read_article(str(tmp_path), f"content/{name}")
        assert str(caught.value.problems[0]).startswith(said)


def test_a_cache_file_left_by_a_killed_save_is_cleared(corpus: Path, tmp_path: Path) -> None:
    root = tmp_path / "site"
    shutil.copytree(corpus, root)
    project = Project.at(root / "site.yaml")
    build(project, project.read_config(), Options(), NOW)
    (root / ".digest-cache/.articles.bin.99999.tmp").write_text("half")
    (root / ".digest-cache/.pages.bin.99999.tmp").write_text("half")
    (root / ".digest-cache/.bodies.bin.99999.tmp").write_text("half")
    edit_title(sorted((root / "content").rglob("*.md"))[0], "Saved again")
    build(project, project.read_config(), Options(), NOW)
    assert sorted(p.name for p in (root / ".digest-cache").iterdir()) == [
        ".gitignore", "articles.bin", "bodies.bin", "files.bin", "output", "pages.bin",
        "search"]


def site_with_a_spare(corpus: Path, tmp_path: Path, monkeypatch
                      ) -> tuple[Path, Project, list[Path]]:
    """A copy of the corpus built, then built again after an edit: it has a spare output."""
    # as in a large site, a warm build renders its few pages in the main process (more
    # would go straight into a new folder, not through the spare)
    monkeypatch.setattr("digest.reuse.rendering.RENDER_MIN", 400)
    root = tmp_path / "site"
    shutil.copytree(corpus, root)
    project = Project.at(root / "site.yaml")
    build(project, project.read_config(), Options(), NOW)
    assert not (root / ".digest-cache/output").exists()  # a first build has no previous output
    files = sorted((root / "content").rglob("*.md"))
    edit_title(files[0], "First change")
    build(project, project.read_config(), Options(), NOW)
    assert (root / ".digest-cache/output").is_dir()
    return root, project, files


def test_warm_builds_bring_the_spare_output_up_to_date_and_swap_it_in(
        corpus: Path, tmp_path: Path, monkeypatch) -> None:
    """The output before the previous one is kept in .digest-cache/output; a warm build
    writes only what differs from it, then swaps it with the output."""
    root, project, files = site_with_a_spare(corpus, tmp_path, monkeypatch)
    spare = root / ".digest-cache/output"
    for step, path in enumerate(files[1:4]):
        folder = spare.stat().st_ino
        edit_title(path, f"Change {step}")
        result = build(project, project.read_config(), Options(), NOW)
        assert (root / "_site").stat().st_ino == folder  # the spare is the output now
        assert spare.is_dir() and 0 < result.report.written < 30
        assert SiteDir(root).snapshot() == clean_serial_build(root, tmp_path, monkeypatch)
    same = [p for p in (root / "_site").rglob("index.html") if p.stat().st_nlink > 1]
    assert same  # unchanged files are shared with the spare, not copied
    files[5].unlink()
    build(project, project.read_config(), Options(), NOW)
    assert SiteDir(root).snapshot() == clean_serial_build(root, tmp_path, monkeypatch)


def test_a_spare_left_by_a_killed_build_is_not_used(corpus: Path, tmp_path: Path,
                                                     monkeypatch) -> None:
    root, project, files = site_with_a_spare(corpus, tmp_path, monkeypatch)
    spare = root / ".digest-cache/output"
    # as a build killed while bringing it up to date leaves it
    (spare / ".digest-manifest.json").write_text("{}\n")
    (spare / "index.html").write_text("half written")
    (spare / ".stray.html.digest-tmp").write_text("half written")
    edit_title(files[1], "Second change")
    build(project, project.read_config(), Options(), NOW)
    assert SiteDir(root).snapshot() == clean_serial_build(root, tmp_path, monkeypatch)
    assert not (root / "_site/.stray.html.digest-tmp").exists()
    assert (spare / ".digest-manifest.json").read_text() != "{}\n"  # replaced, not kept


def test_a_spare_holding_files_digest_did_not_write_is_left_alone(corpus: Path,
                                                                  tmp_path: Path,
                                                                  monkeypatch) -> None:
    root, project, files = site_with_a_spare(corpus, tmp_path, monkeypatch)
    mine = root / ".digest-cache/output/mine.txt"
    mine.write_text("mine")
    edit_title(files[1], "Second change")
    build(project, project.read_config(), Options(), NOW)
    assert SiteDir(root).snapshot() == clean_serial_build(root, tmp_path, monkeypatch)
    assert mine.read_text() == "mine"
    assert not (root / "_site/mine.txt").exists()


def test_many_files_changed_under_the_dev_server_are_parsed_and_rendered_in_workers(
        corpus: Path, tmp_path: Path, monkeypatch) -> None:
    """The dev server runs threads, so its workers are started afresh rather than forked,
    and sent what they parse and render: a checkout of many articles, then a site.yaml edit
    that renders every page again."""
    import threading

    from digest.reuse import parsing, rendering

    root = tmp_path / "site"
    shutil.copytree(corpus, root)
    session = Session(Project.at(root / "site.yaml"), Options())
    assert "written" in session.rebuild("start", now=NOW)
    used: list[tuple[str, bool]] = []

    def spy(module) -> None:
        real = module.run_in_parallel

        def spied(function, *args, **kwargs):
            result = real(function, *args, **kwargs)
            used.append((function.__name__, result is not None))
            return result

        monkeypatch.setattr(module, "run_in_parallel", spied)

    spy(parsing)
    spy(rendering)
    stop = threading.Event()
    other = threading.Thread(target=stop.wait)  # as the dev server's HTTP and watcher threads
    other.start()
    try:
        files = sorted((root / "content").rglob("*.md"))[:30]
        for index, path in enumerate(files):
            edit_title(path, f"Checked out again {index}")
        changed = frozenset(path.relative_to(root).as_posix() for path in files)
        assert "written" in session.rebuild("checkout", now=NOW, changed=changed)
        assert used == [("_parse_chunk", True), ("_render_chunk", True)]
        session.settle(now=NOW)  # the search index, made in the background
        assert SiteDir(root).snapshot() == clean_serial_build(root, tmp_path, monkeypatch)
        used.clear()
        config = root / "site.yaml"
        config.write_text(re.sub(r"(?m)^title: .*$", "title: Renamed in workers",
                                 config.read_text("utf-8")), "utf-8")
        assert "written" in session.rebuild("site.yaml", now=NOW)
        assert ("_render_chunk", True) in used
        session.settle(now=NOW)
        assert SiteDir(root).snapshot() == clean_serial_build(root, tmp_path, monkeypatch)
        assert "Renamed in workers" in (root / "_site/index.html").read_text("utf-8")
    finally:
        stop.set()
        other.join()


def test_the_dev_server_digests_only_the_pages_each_edit_touches_rebuild_after_rebuild(
        corpus: Path, tmp_path: Path, monkeypatch) -> None:
    """What an unchanged page was made of is remembered across rebuilds, whichever part of
    the site the rebuild before changed: an edit digests its article's page and those of
    the two beside it, not every article page of its topic."""
    import threading

    from digest.reuse import fingerprints

    monkeypatch.setattr(fingerprints, "_SLACK", 0)  # forget what is gone as soon as allowed
    digested: list[str] = []
    real = fingerprints.Fingerprints.of_page

    def counted(self, page, favicon):
        digested.append(page.template)
        return real(self, page, favicon)

    monkeypatch.setattr(fingerprints.Fingerprints, "of_page", counted)
    root = tmp_path / "site"
    shutil.copytree(corpus, root)
    session = Session(Project.at(root / "site.yaml"), Options())
    stop = threading.Event()
    other = threading.Thread(target=stop.wait)  # as the dev server's: fingerprints made here
    other.start()
    try:
        assert "written" in session.rebuild("start", now=NOW)
        by_topic: dict[str, Path] = {}
        for path in sorted((root / "content").rglob("*.md")):
            topic = next(line for line in path.read_text("utf-8").split("\n")
                         if line.startswith("topic: "))
            by_topic.setdefault(topic, path)
        assert len(by_topic) >= 3
        for index, path in enumerate(by_topic.values()):
            edit_title(path, f"Edited in turn {index}")
            digested.clear()
            changed = frozenset([path.relative_to(root).as_posix()])
            assert "written" in session.rebuild(f"edit {index}", now=NOW, changed=changed)
            assert 1 <= digested.count("article.html") <= 3, (index, digested)
        session.settle(now=NOW)
        assert SiteDir(root).snapshot() == clean_serial_build(root, tmp_path, monkeypatch)
    finally:
        stop.set()
        other.join()


def test_the_dev_server_starts_from_what_the_last_build_wrote(corpus: Path, tmp_path: Path,
                                                              monkeypatch) -> None:
    """Started on a site `digest build` built, the dev server parses and renders only what
    changed since: the articles come from .digest-cache/, and the files of the output stand
    for the pages that did not change, in later rebuilds too, until the output is deleted."""
    from digest import feeds
    from digest.reuse import rendering

    root = tmp_path / "site"
    shutil.copytree(corpus, root)
    project = Project.at(root / "site.yaml")
    build(project, project.read_config(), Options(), NOW)
    pages = len(list((root / "_site").rglob("*.html")))
    files = sorted((root / "content").rglob("*.md"))
    edit_title(files[2], "Changed while no server ran")
    parses = CountingParses(monkeypatch)
    rendered: list[str] = []
    real = rendering._render_chunk

    def counted(shared, chunk):
        work = shared[2]
        rendered.extend(work[index].output for index in chunk
                        if not isinstance(work[index], feeds.FeedSource))
        return real(shared, chunk)

    monkeypatch.setattr(rendering, "_render_chunk", counted)
    session = Session(project, Options())
    assert "written" in session.rebuild("start", now=NOW)
    assert parses.count == 1
    assert 0 < len(rendered) < pages / 4, (len(rendered), pages)
    assert f"{files[2].stem}/index.html" in " ".join(rendered)
    session.settle(now=NOW)
    assert SiteDir(root).snapshot() == clean_serial_build(root, tmp_path, monkeypatch)
    monkeypatch.setenv("DIGEST_WORKERS", "1")  # rendered in this process, to be counted
    for name, change in [("edit a title", lambda: edit_title(files[3], "Edited, served")),
                         ("edit a body", lambda: files[12].write_text(
                             files[12].read_text("utf-8") + "\nA later paragraph.\n",
                             "utf-8")),
                         ("delete the output", lambda: shutil.rmtree(root / "_site")),
                         ("edit one more", lambda: edit_title(files[40], "After the delete"))]:
        change()
        rendered.clear()
        line = session.rebuild(name, now=NOW)
        assert "written" in line, line
        if name != "delete the output":
            assert 0 < len(rendered) < pages / 4, (name, len(rendered))
        session.settle(now=NOW)
        assert SiteDir(root).snapshot() == clean_serial_build(root, tmp_path, monkeypatch), name
        monkeypatch.setenv("DIGEST_WORKERS", "1")


def test_a_build_keeps_the_bodies_it_parses_in_the_cache_not_in_memory(
        corpus: Path, tmp_path: Path, monkeypatch) -> None:
    """Bodies parsed by the workers wait in a file beside bodies.bin, which becomes
    bodies.bin; the next build, reading them from there, writes what a clean build writes."""
    from digest.reuse.phases import Reuse
    from digest.reuse.store import StoredText

    root = tmp_path / "site"
    shutil.copytree(corpus, root)
    project = Project.at(root / "site.yaml")
    config = project.read_config()
    reuse = Reuse()
    reuse.parsed.parking = root / ".digest-cache"
    articles, _, problems = reuse.articles(project, config)
    assert not problems and len(articles) == 80
    assert all(isinstance(article.html, StoredText) for article in articles)
    assert "<p>" in articles[0].body
    build(project, config, Options(), NOW)
    cache = sorted(p.name for p in (root / ".digest-cache").iterdir())
    assert "bodies.bin" in cache and not [name for name in cache if name.endswith(".tmp")]
    edit_title(sorted((root / "content").rglob("*.md"))[0], "Parked and read back")
    build(project, config, Options(), NOW)
    assert SiteDir(root).snapshot() == clean_serial_build(root, tmp_path, monkeypatch)


# Steps that do not depend on one another, to be taken in any order.
_ANY_ORDER = ("edit a title", "edit two more", "edit a body", "same time as another",
              "move to another day", "change the tags", "make one a draft", "add one",
              "delete one", "rename one", "change a topic", "change site.yaml",
              "add links in raw HTML")


@settings(max_examples=3, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(order=st.permutations(_ANY_ORDER), count=st.integers(3, 6))
def test_edits_in_any_order_give_what_a_clean_build_gives(
        corpus: Path, tmp_path_factory, monkeypatch, order: list[str], count: int) -> None:
    """digest build and the dev server, after each of a random sequence of edits, write
    exactly what a clean serial build of the same files writes."""
    scratch = tmp_path_factory.mktemp("any-order")
    root = scratch / "site"
    shutil.copytree(corpus, root)
    project = Project.at(root / "site.yaml")
    build(project, project.read_config(), Options(), NOW)
    served = scratch / "served"
    session = None
    catalogue = dict(steps(root))
    for name in order[:count]:
        catalogue[name]()
        build(project, project.read_config(), Options(), NOW)
        if session is None:  # the dev server's copy follows the same edits from here on
            shutil.copytree(root, served, ignore=shutil.ignore_patterns("_site", ".digest-*"))
            session = Session(Project.at(served / "site.yaml"), Options())
            session.rebuild("start", now=NOW)
        else:
            shutil.copytree(root, served, dirs_exist_ok=True,
                            ignore=shutil.ignore_patterns("_site", ".digest-*"))
            for gone in set(inputs_of(served)) - set(inputs_of(root)):
                (served / gone).unlink()
            assert "written" in session.rebuild(name, now=NOW)
        session.settle(now=NOW)
    clean = clean_serial_build(root, scratch, monkeypatch)
    assert SiteDir(root).snapshot() == clean, order[:count]
    assert SiteDir(served).snapshot() == clean, order[:count]


def test_the_dev_server_digests_again_only_the_values_an_edit_made(
        corpus: Path, tmp_path: Path, monkeypatch) -> None:
    """Rebuild after rebuild, the digests of values that did not change are kept: an edited
    article's page fingerprints walk its new day alone, not the other days of its month,
    however long ago they were last digested."""
    from digest.model import Day
    from digest.reuse import fingerprints

    root = tmp_path / "site"
    shutil.copytree(corpus, root)
    session = Session(Project.at(root / "site.yaml"), Options())
    session.rebuild("start", now=NOW)
    walked: list[object] = []
    real = fingerprints.Fingerprints._fields
    monkeypatch.setattr(fingerprints.Fingerprints, "_fields", lambda self, value, kind: (
        walked.append(value) if kind is Day else None) or real(self, value, kind))
    files = sorted((root / "content").rglob("*.md"), key=date_of)
    for number, path in enumerate(files[10::20]):  # a month apart or more
        edit_title(path, f"Edited headline {number}")
        walked.clear()
        session.rebuild("edit", now=NOW, changed=frozenset([path.relative_to(root).as_posix()]))
        assert len(walked) == 1, (number, [day.date for day in walked])
    session.settle(now=NOW)  # the search index, made in the background
    assert SiteDir(root).snapshot() == clean_serial_build(root, tmp_path, monkeypatch)
