"""A build that would change nothing is not run at all.

After each build that wrote its output, `.digest-cache/build.json` keeps a stamp of every
input it read (site.yaml, content/, layouts/, static/, digest's own files and those of the
libraries that shape its output: their names, inodes, sizes and times, not their bytes),
the settings and options it ran with, the stamp
of the output's manifest, until when its output stays right as time passes (an article dated
later appears, one leaves the news sitemap), and what it told (counts and warnings). The
next build stamps the inputs again and, if nothing differs and the output holds every file
as written, says what the last one said and stops: no article, cache or page is read.

A file changed within two seconds before its stamp was taken could change again and keep
that stamp: a build that sees one saves a record only if, once it is done, the only such
files are articles, their stamps are the same and now old enough, and they hold the bytes
it read; else the next build runs.
"""

from __future__ import annotations

import hashlib
import json
import importlib.util
import os
import stat
import sys
import time
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from ..errors import Problem
from ..output import MANIFEST
from .store import content_hash

RECORD = "build.json"
RACY_NS = 2_000_000_000
_PACKAGE = Path(__file__).resolve().parent.parent
# what parses, renders, cleans and dates: an upgrade of any changes what a build writes
_LIBRARIES = ("markdown", "jinja2", "markupsafe", "nh3", "babel", "yaml", "tzdata")


@dataclass(frozen=True)
class Told:
    """What a build said when it was done."""

    articles: int
    pages: int
    feeds: int
    size: int  # bytes of the output
    warnings: tuple[Problem, ...]
    left_out: str


@dataclass(frozen=True)
class Stamp:
    """The inputs' stamps, digested, and those too recent to be trusted on their own."""

    digest: str
    # inputs changed within RACY_NS before the stamp was taken, by project-relative path
    # ("content/a.md"); "" for one that is not an article
    recent: tuple[str, ...]


def stamp(project, settings: object) -> Stamp | None:
    """A digest of the inputs' stamps and of `settings` (a repr-able value: the Config and
    options); None when a symbolic link makes what is read depend on more than the stamps.
    A file changed within RACY_NS before could change again and keep its stamp: it is
    named in `recent`."""
    digest = hashlib.blake2b(repr((sys.version, settings)).encode("utf-8", "surrogatepass"),
                             digest_size=16)
    since = time.time_ns() - RACY_NS
    recent: list[str] = []
    if not _stamp_tree(digest, _PACKAGE, since, recent, None):
        return None
    for name in _LIBRARIES:
        spec = importlib.util.find_spec(name)
        origin = spec.origin if spec is not None else None
        try:
            digest.update(_entry_bytes(name, os.stat(origin)) if origin else b"-\0")
        except OSError:
            digest.update(b"-\0")
    try:
        info = os.stat(project.config_file)
    except OSError:
        digest.update(b"no settings\0")
    else:
        digest.update(_entry_bytes("site.yaml", info))
        if max(info.st_mtime_ns, info.st_ctime_ns) > since:
            recent.append("")
    for folder in (project.content, project.layouts, project.static):
        digest.update(f"\0{folder.name}\0".encode())
        label = "content/" if folder == project.content else None
        if not _stamp_tree(digest, folder, since, recent, label):
            return None
    return Stamp(digest.hexdigest(), tuple(recent))


def settled(project, settings: object, taken: Stamp | None,
            sources: dict[str, str]) -> str | None:
    """The stamp a build that started with `taken` may be known by when it is done: its
    digest, when nothing in it was recent; or when the only recent inputs were articles,
    none has changed since (the same stamp, now old enough to be trusted) and each holds
    the bytes the build read (`sources`: each article's content hash). Else None."""
    if taken is None or "" in taken.recent:
        return None
    if not taken.recent:
        return taken.digest
    again = stamp(project, settings)
    if again is None or again.digest != taken.digest or again.recent:
        return None
    for path in taken.recent:
        try:
            data = (project.root / path).read_bytes()
        except OSError:
            return None
        if content_hash(data) != sources.get(path):
            return None
    return taken.digest


def _stamp_tree(digest, folder: Path, since: int, recent: list[str],
                label: str | None) -> bool:
    """Every file under `folder` into `digest`, sorted, and those changed after `since`
    into `recent` (as `label` and their path, or ""); False at a symbolic link, which
    only digest's own folder may hold (and it is not followed)."""
    pending = [(os.fspath(folder), "")]
    while pending:
        path, prefix = pending.pop()
        try:
            with os.scandir(path) as scan:
                entries = sorted(scan, key=lambda entry: entry.name)
        except FileNotFoundError:
            continue
        except NotADirectoryError:
            return False
        folders = []
        for entry in entries:
            if entry.is_symlink():
                if folder != _PACKAGE:
                    return False
                continue
            if entry.is_dir(follow_symlinks=False):
                if entry.name != "__pycache__":
                    folders.append((entry.path, f"{prefix}{entry.name}/"))
                continue
            info = entry.stat(follow_symlinks=False)
            digest.update(_entry_bytes(prefix + entry.name, info))
            if max(info.st_mtime_ns, info.st_ctime_ns) > since:
                recent.append("" if label is None else label + prefix + entry.name)
        pending.extend(reversed(folders))
    return True


def _entry_bytes(name: str, info: os.stat_result) -> bytes:
    return (f"{name}\0{info.st_ino} {info.st_size} {info.st_mtime_ns} {info.st_ctime_ns}\0"
            .encode("utf-8", "surrogateescape"))


def unchanged(cache: Path, taken: Stamp | None, output: Path, now: datetime) -> Told | None:
    """What the last build told, if it ran on the same inputs, its output still holds every
    file as it wrote it, and time has not changed what it would write."""
    if taken is None or taken.recent:
        return None
    inputs = taken.digest
    try:
        record = json.loads((cache / RECORD).read_bytes())
        if record["inputs"] != inputs or record["output"] != os.fspath(output):
            return None
        if record["until"] is not None and now.timestamp() >= record["until"]:
            return None
        # the manifest the build wrote, by its stamp (a rewrite changes its ctime at
        # least): the files it names are those of `files`, which the build wrote with it
        info = os.stat(output / MANIFEST)
        files, sizes = record["files"], record["sizes"]
        if _manifest_stamp(info) != record["manifest"] or not files \
                or len(files) != len(sizes):
            return None
        if not _as_written(output, files, sizes, info.st_mtime_ns):
            return None  # deleted or edited by hand: the build runs
        return Told(record["articles"], record["pages"], record["feeds"], record["size"],
                    tuple(Problem(path, line, message, True, excerpt, column)
                          for path, line, message, excerpt, column in record["warnings"]),
                    record["left_out"])
    except (OSError, ValueError, KeyError, TypeError):
        return None


def _as_written(output: Path, files: list[str], sizes: list[int], written: int) -> bool:
    """Whether each file is still a regular file of its size, unchanged since `written`."""
    folder = os.open(output, os.O_RDONLY)
    try:
        for rel, size in zip(files, sizes):  # looked up from the folder: a shorter walk
            entry = os.stat(rel, dir_fd=folder, follow_symlinks=False)
            if (entry.st_size != size or entry.st_mtime_ns > written
                    or not stat.S_ISREG(entry.st_mode)):
                return False
    finally:
        os.close(folder)
    return True


def save(cache: Path, inputs: str | None, output: Path, until: float | None, told: Told,
         sizes: dict[str, int]) -> None:
    """Keep what a build that wrote its output read and told; with no stamp (an input
    changed too recently), forget the last record instead."""
    path = cache / RECORD
    if inputs is None:
        forget(cache)
        return
    try:
        info = os.stat(output / MANIFEST)
    except OSError:
        forget(cache)
        return
    record = {"inputs": inputs, "output": os.fspath(output), "until": until,
              "manifest": _manifest_stamp(info), "articles": told.articles,
              "pages": told.pages, "feeds": told.feeds, "size": told.size,
              "warnings": [[p.path, p.line, p.message, p.excerpt, p.column]
                           for p in told.warnings],
              "left_out": told.left_out,
              # two lists rather than a mapping: at 100,000 articles they load in a third of
              # the time, and most of a build that has nothing to do is spent here
              "files": list(sizes), "sizes": list(sizes.values())}
    try:
        cache.mkdir(parents=True, exist_ok=True)
        temporary = path.with_name(f".{RECORD}.tmp")
        temporary.write_text(json.dumps(record, separators=(",", ":")), "utf-8")
        os.replace(temporary, path)
    except OSError:
        forget(cache)  # the next build runs


def forget(cache: Path) -> None:
    """No record until this build saves one. One that cannot be removed does no harm: it
    names the manifest of the output it saw, which any later write replaces."""
    try:
        (cache / RECORD).unlink(missing_ok=True)
    except OSError:
        pass


def _manifest_stamp(info: os.stat_result) -> list[int]:
    return [info.st_dev, info.st_ino, info.st_size, info.st_mtime_ns, info.st_ctime_ns]
