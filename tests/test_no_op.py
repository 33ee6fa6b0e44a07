"""A build that would change nothing does not run, and any change makes it run again."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from datetime import datetime, timezone
from pathlib import Path

import pytest

from conftest import SiteDir, article
from digest.build import Options, build
from digest.project import Project
from digest.reuse import snapshot
from digest.reuse.phases import Reuse

NOW = datetime(2026, 1, 1, tzinfo=timezone.utc)
RACY_SECONDS = snapshot.RACY_NS / 1e9  # as set in digest, before the fixture below


@pytest.fixture(autouse=True)
def no_racy_window(monkeypatch) -> None:
    # the files of a test are seconds old at most; file systems here stamp in nanoseconds
    monkeypatch.setattr(snapshot, "RACY_NS", 0)


def built(site: SiteDir, now: datetime = NOW, **options):
    project = Project.at(site.root / "site.yaml")
    return build(project, project.read_config(), Options(**options), now)


def reading_forbidden(monkeypatch) -> None:
    """Reading an article file, the cache or the templates fails the test."""
    def refuse(*args, **kwargs):
        raise AssertionError("the build read its inputs")
    monkeypatch.setattr(Project, "read_articles", refuse)
    monkeypatch.setattr(Reuse, "load", refuse)
    monkeypatch.setattr("digest.build.assemble", refuse)


@pytest.fixture
def small(site: SiteDir) -> SiteDir:
    site.write({"site.yaml": "title: Quiet\n",
                "content/a.md": article("Alpha", topic="World"),
                "content/b.md": article("Beta", "2025-06-02T10:00:00Z", topic="Science"),
                "static/img/photo.jpg": b"not really a photo"})
    first = built(site)
    assert first.site is not None and first.report.written > 0
    return site


def test_a_second_build_of_the_same_inputs_reads_no_article(small: SiteDir,
                                                            monkeypatch) -> None:
    small.write({"content/c.md": article("Gamma", "2025-06-03T10:00:00Z")})
    first = built(small)
    before = small.snapshot()
    inode = small.out.stat().st_ino
    reading_forbidden(monkeypatch)
    result = built(small)
    assert result.site is None  # it did not run
    assert (result.articles, result.pages, result.feeds) == (3, first.pages, first.feeds)
    assert result.report.size == first.report.size
    assert small.snapshot() == before and small.out.stat().st_ino == inode


def test_a_build_with_nothing_to_do_loads_none_of_the_phases(small: SiteDir) -> None:
    """The command line as a user runs it: what a build that changes nothing imports is
    most of its time, so the phases' code (Markdown, Jinja, the worker pool, the search
    index) is left unloaded."""
    script = ("import sys\nfrom digest.cli import main\nsys.argv = ['digest', 'build']\n"
              "try:\n    main()\nexcept SystemExit:\n    pass\n"
              "print(sorted(name for name in sys.modules if name.split('.')[0] in "
              "('markdown', 'jinja2', 'multiprocessing', 'concurrent') or name in "
              "('digest.reuse.phases', 'digest.search', 'digest.render')))")
    env = {**os.environ, "SOURCE_DATE_EPOCH": str(int(NOW.timestamp()))}
    time.sleep(RACY_SECONDS + 0.1)  # that process trusts no stamp younger
    for _ in range(2):  # the second, at least, finds nothing to do
        ran = subprocess.run([sys.executable, "-c", script], cwd=small.root, env=env,
                             capture_output=True, text=True, check=True)
    told, loaded = ran.stdout.strip().splitlines()
    assert told.startswith("Built 2 articles") and loaded == "[]"


@pytest.mark.parametrize("change", [
    "edit an article", "same size and time", "add an article", "delete an article",
    "add a template", "edit site.yaml", "add a static file", "other options"])
def test_any_change_of_the_inputs_makes_the_build_run(small: SiteDir, change: str) -> None:
    path = small.root / "content/a.md"
    options = {}
    if change == "edit an article":
        path.write_text(article("Alpha, again", topic="World"))
    elif change == "same size and time":  # only the change time tells
        info = path.stat()
        path.write_text(article("Alphz", topic="World"))
        os.utime(path, ns=(info.st_atime_ns, info.st_mtime_ns))
    elif change == "add an article":
        small.write({"content/c.md": article("Gamma", "2025-06-03T10:00:00Z")})
    elif change == "delete an article":
        path.unlink()
    elif change == "add a template":
        small.write({"layouts/tag.html": "{% extends 'base.html' %}"})
    elif change == "edit site.yaml":
        small.write({"site.yaml": "title: Loud\n"})
    elif change == "add a static file":
        small.write({"static/robots.txt": "User-agent: *\n"})
    elif change == "other options":
        options = {"drafts": True}
    result = built(small, **options)
    assert result.site is not None  # it ran
    assert snapshot_of_clean(small, **options) == small.snapshot()


def snapshot_of_clean(site: SiteDir, **options) -> dict[str, str]:
    """What a build that reuses nothing writes from the same inputs, in a copy."""
    import shutil

    copy = SiteDir(site.root.parent / "clean")
    shutil.rmtree(copy.root, ignore_errors=True)
    shutil.copytree(site.root, copy.root, ignore=shutil.ignore_patterns("_site", ".digest-*"))
    built(copy, clean=True, **options)
    return copy.snapshot()


@pytest.mark.parametrize("how", ["deleted", "edited", "emptied"])
def test_an_output_changed_by_hand_is_written_again(small: SiteDir, how: str) -> None:
    before = small.snapshot()
    page = small.out / "2025/06/01/a/index.html"
    if how == "deleted":
        page.unlink()
    elif how == "edited":
        page.write_text("tampered " * 400)
    else:
        for path in sorted(small.out.rglob("*"), reverse=True):
            if path.name != ".digest-manifest.json":
                path.unlink() if path.is_file() else path.rmdir()
    result = built(small)
    assert result.site is not None
    assert small.snapshot() == before


def test_time_alone_brings_in_an_article_dated_later(small: SiteDir) -> None:
    small.write({"content/later.md": article("Later", "2026-03-01T09:00:00Z")})
    built(small)
    assert built(small).site is None
    assert not (small.out / "2026/03/01/later/index.html").exists()
    result = built(small, now=datetime(2026, 3, 2, tzinfo=timezone.utc))
    assert result.site is not None
    assert (small.out / "2026/03/01/later/index.html").exists()


def test_a_skipped_build_tells_what_the_last_one_told(small: SiteDir) -> None:
    small.write({"content/c.md": article("Gamma", "2025-06-03T10:00:00Z",
                                         body="![](/img/photo.jpg)")})
    first = small.build()
    second = small.build()
    assert "warning:" in first.errors
    assert second.errors == first.errors
    assert second.output.split(" in ")[0] == first.output.split(" in ")[0]


def test_a_recent_change_is_never_trusted_to_its_stamp(small: SiteDir, monkeypatch) -> None:
    monkeypatch.setattr(snapshot, "RACY_NS", 10 ** 12)  # every file counts as just written
    built(small)
    assert not (small.root / ".digest-cache" / snapshot.RECORD).exists()
    assert built(small).site is not None


def test_a_build_right_after_an_edit_leaves_a_record_once_the_edit_is_old_enough(
        small: SiteDir, monkeypatch) -> None:
    """The edited article is too recent to be trusted to its stamp when the build starts;
    by its end it is not, its stamp is the same and it holds the bytes the build read."""
    import time
    from types import SimpleNamespace

    monkeypatch.setattr(snapshot, "RACY_NS", 150_000_000)
    time.sleep(0.3)  # the site's other files are older than that
    (small.root / "content/a.md").write_text(article("Alpha, edited", topic="World"))
    calls = [0]

    def later() -> int:  # the stamp at the start, then a second later
        calls[0] += 1
        return time.time_ns() + (0 if calls[0] == 1 else 1_000_000_000)

    monkeypatch.setattr(snapshot, "time", SimpleNamespace(time_ns=later))
    assert built(small).site is not None
    assert calls[0] == 2 and (small.root / ".digest-cache" / snapshot.RECORD).exists()
    monkeypatch.setattr(snapshot, "time", time)
    time.sleep(0.2)  # as the edit is, now
    assert built(small).site is None
