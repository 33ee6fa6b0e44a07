"""Nothing outside the project is read or written: links, pipes, names and slugs."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from conftest import SiteDir, article

GOOD = {"content/good.md": article("Good article")}


@pytest.fixture
def secret(tmp_path: Path) -> Path:
    folder = tmp_path / "elsewhere"
    folder.mkdir()
    (folder / "secret.md").write_text(article("SECRET article"))
    (folder / "secret.txt").write_text("SECRET")
    (folder / "secret.html").write_text("SECRET {{ config.title }}")
    return folder


def built_files_mention(site: SiteDir, text: str) -> list[str]:
    if not site.out.exists():
        return []
    return [p.name for p in site.out.rglob("*") if p.is_file() and text in p.read_text(
        "utf-8", errors="replace")]


# name: (link made in the site -> target in `secret`, or None for a pipe; message on stderr)
LINKS = {
    "an article linked from outside content/": (
        "content/leak.md", "secret.md",
        "content/leak.md: a symbolic link to something outside content/; copy the file in "
        "instead (digest never reads outside the project)"),
    "a folder of articles linked from outside": (
        "content/more", ".",
        "content/more: a symbolic link to a folder; digest does not follow these: move the "
        "folder"),
    "a static file linked from outside": (
        "static/leak.txt", "secret.txt",
        "static/leak.txt: a symbolic link to something outside static/; copy the file in "
        "instead (digest never reads outside the project)"),
    "a hidden static file linked from outside": (
        "static/.well-known/leak", "secret.txt",
        "static/.well-known/leak: a symbolic link to something outside static/; copy the "
        "file in instead (digest never reads outside the project)"),
    "a static folder linked from outside": (
        "static/shared", ".",
        "static/shared: a symbolic link to a folder; digest does not follow these: move the "
        "folder"),
    "a template linked from outside": (
        "layouts/404.html", "secret.html",
        "layouts/404.html: a symbolic link to something outside layouts/; copy the file in "
        "instead (digest never reads outside the project)"),
    "a hidden template a layout could include": (
        "layouts/.x.html", "secret.html",
        "layouts/.x.html: a symbolic link to something outside layouts/; copy the file in "
        "instead (digest never reads outside the project)"),
    "static/ itself linked from outside the project": (
        "static", ".",
        "static: a symbolic link out of the project; move the folder into it instead"),
    "a pipe named like an article": (
        "content/pipe.md", None,
        "content/pipe.md: not a regular file (a pipe, socket or device); digest reads only "
        "files"),
    "a pipe in static/": (
        "static/pipe", None,
        "static/pipe: not a regular file (a pipe, socket or device); digest reads only files"),
    "a dead link in static/": (
        "static/dead.txt", "no-such-file",
        "static/dead.txt: a symbolic link to nothing"),
}


@pytest.mark.parametrize("name", LINKS)
def test_links_and_pipes_that_would_read_elsewhere_are_refused(site: SiteDir, secret: Path,
                                                               name: str) -> None:
    where, target, message = LINKS[name]
    site.write(GOOD)
    site.build()
    before = site.snapshot()
    path = site.root / where
    path.parent.mkdir(parents=True, exist_ok=True)
    if target is None:
        os.mkfifo(path)  # reading it would wait for ever
    elif target == "no-such-file":
        path.symlink_to(path.parent / target)
    else:
        path.symlink_to((secret / target).resolve())
    run = site.digest("build")
    assert run.exit_code == 1
    assert message in run.errors.splitlines(), run.errors
    assert site.snapshot() == before
    assert not built_files_mention(site, "SECRET")


def test_links_inside_their_folder_are_read_as_the_files_they_point_to(site: SiteDir) -> None:
    site.write({**GOOD, "static/img/logo.svg": "<svg/>",
                "content/shared/story.txt": article("Linked story", slug="linked")})
    (site.root / "static/logo.svg").symlink_to("img/logo.svg")
    (site.root / "content/alias.md").symlink_to("shared/story.txt")
    (site.root / "content/.#good.md").symlink_to("someone@host.1234:1700000000")  # emacs lock
    (site.root / "content/photo.jpg").symlink_to("/etc/hostname")  # never read: not an article
    site.build()
    copied = site.out / "logo.svg"
    assert copied.read_text() == "<svg/>" and not copied.is_symlink()
    assert "Linked story" in site.read("index.html")


def test_a_pipe_among_content_images_is_harmless(site: SiteDir) -> None:
    site.write(GOOD)
    os.mkfifo(site.root / "content/camera-feed")
    site.build()


def test_the_output_folder_is_never_a_link(site: SiteDir, tmp_path: Path) -> None:
    site.write(GOOD)
    real = tmp_path / "real-output"
    real.mkdir()
    (site.root / "_site").symlink_to(real)
    run = site.digest("build")
    assert run.exit_code == 1
    assert "_site: the output folder is a symbolic link; digest replaces the folder as a " \
           "whole, so name the real folder instead" in run.errors.splitlines()
    assert list(real.iterdir()) == []


def test_a_link_placed_in_the_output_is_foreign_and_never_written_through(
        site: SiteDir, secret: Path) -> None:
    site.write(GOOD)
    site.build()
    (site.out / "topics").rename(site.root / "moved")
    (site.out / "topics").symlink_to(secret)
    run = site.digest("build")
    assert run.exit_code == 1
    assert "files not written by digest are in the output folder: topics" in run.errors
    assert sorted(p.name for p in secret.iterdir()) == ["secret.html", "secret.md",
                                                        "secret.txt"]


@pytest.mark.parametrize("field", [
    "slug: ../../../../etc", "slug: ..", "slug: a/b", "slug: 'a\\\\b'", "slug: /etc/x",
    "topic: ../..", "tags: ['..', '../x']", "image: {src: ../../etc/passwd, alt: x}",
    "image: {src: '/../../etc/passwd', alt: x}",
])
def test_no_front_matter_value_writes_outside_the_output(site: SiteDir, field: str) -> None:
    site.write({**GOOD, "content/evil.md": f"---\ntitle: Evil\ndate: 2025-01-02\n{field}\n"
                                           "---\nx\n"})
    run = site.digest("build")
    outside = {p.relative_to(site.root).as_posix() for p in site.root.rglob("*")
               if not p.relative_to(site.root).as_posix().startswith(("_site", "content",
                                                                    ".digest-cache"))}
    assert outside == set()
    assert not (site.root.parent / "etc").exists()
    if run.exit_code == 0:  # a slug that made a safe name of it is fine
        for path in site.out.rglob("*"):
            assert path.resolve().is_relative_to(site.out.resolve())


class _MakesFolder:
    """Unpickling this makes a folder: the least harm a cache file could do."""

    def __init__(self, path: Path):
        self.path = path

    def __reduce__(self):
        return (os.makedirs, (str(self.path),))


def test_a_cache_file_shipped_with_a_project_cannot_run_code(site: SiteDir,
                                                             tmp_path: Path) -> None:
    import pickle

    marker = tmp_path / "code-ran"
    site.write(GOOD)
    (site.root / ".digest-cache").mkdir()
    for name in ("articles", "pages"):  # a pickle, were digest to read one; JSON, now it must
        for suffix in ("pickle", "json"):
            (site.root / f".digest-cache/{name}.{suffix}").write_bytes(
                pickle.dumps(_MakesFolder(marker)))
    site.build()
    assert not marker.exists()


@pytest.mark.parametrize("absolute", [False, True])
def test_a_site_yaml_cannot_send_the_output_outside_the_project(site: SiteDir, tmp_path: Path,
                                                                absolute: bool) -> None:
    """A cloned project could name a folder that something runs the files of (an
    autostart folder) and ship static/evil.desktop; --output on the command line, the
    user's own choice, may still name any folder."""
    target = tmp_path / "autostart"
    output = str(target) if absolute else "../autostart"
    site.write({**GOOD, "site.yaml": f"output: {output}\n", "static/evil.desktop": "[x]\n"})
    run = site.digest("build")
    assert run.exit_code == 1 and not target.exists()
