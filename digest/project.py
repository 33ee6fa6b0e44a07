"""Where a site's inputs live, and the one place that reads them from disk."""

from __future__ import annotations

import os
import stat
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from .config import Config, read_config
from .errors import DigestError, Problem, fail, problem
from .limits import size_problem

ARTICLE_SUFFIXES = (".md", ".markdown")
SITE_FILE = "site.yaml"
THEME_TEMPLATES = Path(__file__).parent / "theme" / "templates"


@dataclass(frozen=True)
class Project:
    root: Path  # the folder that holds site.yaml, content/, layouts/, static/
    config_file: Path

    @classmethod
    def at(cls, config_file: Path) -> Project:
        config_file = config_file.absolute()
        return cls(config_file.parent, config_file)

    @classmethod
    def named(cls, config_file: Path) -> Project:
        """The site whose settings the user named (--config): the file must exist, or a
        typo would build an empty site with the defaults somewhere unexpected."""
        hint = "--config names the site's settings"
        if config_file.is_dir():
            raise fail(config_file, 0, f"is a folder; {hint}, a file such as site.yaml")
        if not config_file.exists():
            raise fail(config_file, 0, f"no such file; {hint} (leave it out to use the "
                                       "site.yaml of this folder or above)")
        return cls.at(config_file)

    @classmethod
    def find(cls, folder: Path) -> Project:
        """The site that `folder` is in, found as git finds its repository.

        The nearest folder at or above `folder` holding a site.yaml; failing that, a site
        without one (it builds with the defaults): `folder` itself when it holds content/,
        or the folder whose content/ it is inside. Nothing else above counts: a content/
        folder is too common a name to write a site beside any one found up the tree.
        """
        folder = folder.absolute()
        for above in (folder, *folder.parents):
            if (above / SITE_FILE).is_file():
                return cls.at(above / SITE_FILE)
        for above in (folder, *folder.parents):
            # inside content/, its parent is the site, even if an earlier `digest new` run
            # there left a content/ in it
            if above.name == "content":
                return cls.at(above.parent / SITE_FILE)
            if above == folder and (above / "content").is_dir():
                return cls.at(above / SITE_FILE)
        raise fail(folder, 0, "not in a site: no site.yaml here or in a folder above, and no "
                              "content/ folder; make a site with 'digest init DIR', or name "
                              "its settings with --config FILE")

    @property
    def content(self) -> Path:
        return self.root / "content"

    @property
    def layouts(self) -> Path:
        return self.root / "layouts"

    @property
    def static(self) -> Path:
        return self.root / "static"

    def shown(self, path: Path) -> str:
        """A path as messages show it: relative to the project."""
        try:
            return path.relative_to(self.root).as_posix()
        except ValueError:
            return str(path)

    def read_config(self) -> Config:
        return read_config(self.config_file, self.shown(self.config_file))

    def output(self, config: Config) -> Path:
        return (self.root / config.output).absolute()

    def read_articles(self, known: dict[str, tuple[tuple[int, int, int, int], bytes]] | None = None,
                      unread: Callable[[str, tuple[int, int, int, int]], bool] | None = None
                      ) -> tuple[list[tuple[str, bytes | None, tuple[int, int, int, int]]],
                                 list[Problem]]:
        """(path, bytes, stamp) of every article file, in folder order, and the files it
        refused. A stamp is (inode, size, modification and change times in ns): a write
        changes the change time, even one that sets the modification time back.

        With `known` (the dev server's memory of earlier reads), a file whose stamp is
        unchanged is not read again; `known` is brought up to date. A file for which
        `unread(path, stamp)` says so (a build's memory, or a file the parsers will read
        with read_article) is not read: its bytes are None.
        """
        found: list[tuple[str, bytes | None, tuple[int, int, int, int]]] = []
        # a link or a pipe among the images of content/ does no harm: digest never reads them
        files, problems = self._scan(self.content, wanted=lambda path: path.name.endswith(
            ARTICLE_SUFFIXES), stats=True)
        seen: set[str] = set()
        root = len(str(self.root)) + 1
        for name, info in files:
            if not name.endswith(ARTICLE_SUFFIXES):
                continue
            shown = name[root:].replace(os.sep, "/")  # self.shown(path), quicker
            too_big = size_problem(info.st_size, shown)
            if too_big:  # refused before it is read, so it cannot fill the memory
                problems.append(too_big)
                continue
            stamp = (info.st_ino, info.st_size, info.st_mtime_ns, info.st_ctime_ns)
            try:
                if known is None:
                    skip = unread is not None and unread(shown, stamp)
                    found.append((shown, None if skip else _read(name), stamp))
                    continue
                if shown not in known or known[shown][0] != stamp:
                    known[shown] = (stamp, _read(name))
                found.append((shown, known[shown][1], stamp))
                seen.add(shown)
            except OSError as err:
                problems.append(problem(shown, 0, f"cannot read: {err.strerror}"))
        for gone in set(known or ()) - seen:
            del known[gone]
        return found, problems

    def refresh_articles(self, known: dict[str, tuple[tuple[int, int, int, int], bytes]],
                         changed: frozenset[str]) -> bool:
        """Bring `known` (read_articles' memory) up to date for the `changed` article paths
        alone, those the file watcher saw change since `known` was complete; False when a
        full scan must decide (a link, a folder, a file too big, a folder that is not a
        plain one)."""
        content = os.path.realpath(self.content)
        updates: dict[str, tuple[tuple[int, int, int, int], bytes] | None] = {}
        for shown in changed:
            parts = shown.split("/")
            if (parts[0] != "content" or len(parts) < 2 or not shown.endswith(ARTICLE_SUFFIXES)
                    or any(part.startswith(".") or is_leftover(part) for part in parts[1:])):
                return False
            path = os.path.join(self.root, *parts)
            try:
                info = os.lstat(path)
            except FileNotFoundError:
                updates[shown] = None
                continue
            except OSError:
                return False
            if (not stat.S_ISREG(info.st_mode) or size_problem(info.st_size, shown)
                    or os.path.realpath(os.path.dirname(path))
                    != os.path.join(content, *parts[1:-1])):
                return False
            stamp = (info.st_ino, info.st_size, info.st_mtime_ns, info.st_ctime_ns)
            if shown in known and known[shown][0] == stamp:
                continue
            try:
                with open(path, "rb") as stream:
                    updates[shown] = (stamp, stream.read())
            except OSError:
                return False
        for shown, entry in updates.items():
            if entry is None:
                known.pop(shown, None)
            else:
                known[shown] = entry
        return True

    def static_files(self) -> tuple[dict[str, Path], list[Problem]]:
        """static/ as output paths; links that leave it are refused."""
        files, problems = self._scan(self.static, hidden=True)
        return {path.relative_to(self.static).as_posix(): path for path in files}, problems

    def _scan(self, folder: Path, hidden: bool = False, wanted=lambda path: True,
              stats: bool = False) -> tuple[list, list[Problem]]:
        """`scan`, with each file's problems as the project shows them; with `stats`, each
        file as its path (a string) and its stat, the file a link leads to's."""
        if os.path.islink(folder) and not _inside(folder, self.root):
            return [], [problem(self.shown(folder), 0, "a symbolic link out of the project; "
                                                       "move the folder into it instead")]
        files, refused = _scan_stats(folder, hidden) if stats else scan(folder, hidden)
        return files, [problem(self.shown(path), 0, why) for path, why in refused
                       if why in _ABOUT_FOLDERS or wanted(path)]

    def favicon(self, config: Config) -> str | None:
        for name in ("favicon.svg", "favicon.ico", "favicon.png"):
            if (self.static / name).is_file():
                return f"{config.base_path}{name}"
        return None


def walk(folder: Path, hidden: bool = False) -> list[Path]:
    """Files below `folder`, sorted, without editor leftovers (and hidden files unless asked).

    For templates: anything `scan` refuses is an error, hidden files included, because a
    template can include any file of its folder by name.
    """
    files, refused = scan(folder, hidden, every_name=True)
    if refused:
        raise DigestError([problem(f"{folder.name}/{path.relative_to(folder).as_posix()}"
                                   if path != folder else folder.name, 0, why)
                           for path, why in refused])
    return files


def scan(folder: Path, hidden: bool = False,
         every_name: bool = False) -> tuple[list[Path], list[tuple[Path, str]]]:
    """The regular files below `folder` in order, and the entries refused, with why.

    Symbolic links to files inside `folder` are read as the files they point to; links
    that lead out of it, links to folders (which could loop), and pipes or devices (which
    would hang a read) are refused. With `every_name`, hidden files and leftovers are
    checked too, though not returned.
    """
    files, refused = _scan_stats(folder, hidden, every_name)
    return [Path(path) for path, _ in files], refused


def _scan_stats(folder: Path, hidden: bool = False, every_name: bool = False
                ) -> tuple[list[tuple[str, os.stat_result]], list[tuple[Path, str]]]:
    """`scan`, each file as its path and its stat (the file a link leads to's)."""
    files: list[tuple[str, os.stat_result]] = []
    refused: list[tuple[Path, str]] = []
    if not os.path.lexists(folder):
        return files, refused
    if not os.path.isdir(folder):
        return files, [(folder, "is not a folder")]
    root, name = os.path.realpath(folder), folder.name
    pending = [(os.fspath(folder), False)]  # a folder, and whether it is one of those skipped
    while pending:
        current, skipped_folder = pending.pop()
        try:
            entries = sorted(os.scandir(current), key=lambda entry: entry.name)
        except OSError:
            refused.append((Path(current), _UNREADABLE_FOLDER))
            continue
        folders: list[tuple[str, bool]] = []
        for entry in entries:
            skipped = skipped_folder or is_leftover(entry.name) or (
                entry.name.startswith(".") and not hidden)
            if skipped and not every_name:
                continue
            why, info = _refusal(entry, root, name)
            if why is None and stat.S_ISDIR(info.st_mode) and not entry.is_symlink():
                folders.append((entry.path, skipped))
            elif why is None and not skipped:
                files.append((entry.path, info))
            elif why and not (skipped and why == _NOTHING):  # an editor's lock is a dead link
                refused.append((Path(entry.path), why))
        pending.extend(reversed(folders))
    return files, refused


_NOTHING = "a symbolic link to nothing"
_FOLDER_LINK = "a symbolic link to a folder; digest does not follow these: move the folder"
_UNREADABLE_FOLDER = "cannot read this folder"
_ABOUT_FOLDERS = (_FOLDER_LINK, _UNREADABLE_FOLDER, "is not a folder")


def _refusal(entry: os.DirEntry, root: str, name: str
             ) -> tuple[str | None, os.stat_result | None]:
    """Why digest will not read this entry of the folder `name` (really at `root`), or None
    and its stat (the file a link leads to's)."""
    if entry.is_symlink():
        target = os.path.realpath(entry.path)
        if os.path.isdir(target):
            return _FOLDER_LINK, None
        if not (target == root or target.startswith(root + os.sep)):
            return (f"a symbolic link to something outside {name}/; copy the file in "
                    "instead (digest never reads outside the project)"), None
        if not os.path.exists(target):
            return _NOTHING, None
    try:
        info = entry.stat()
    except OSError as err:
        return f"cannot read: {err.strerror}", None
    if stat.S_ISDIR(info.st_mode) or stat.S_ISREG(info.st_mode):
        return None, info
    return "not a regular file (a pipe, socket or device); digest reads only files", None


def read_article(root: str, shown: str) -> bytes:
    """The bytes of the article file at `shown` (a path from the project folder `root`), as
    read_articles would read them; a file that cannot be read, or grew past the size limit
    since it was listed, is a problem."""
    try:
        data = _read(os.path.join(root, shown))
    except OSError as err:
        raise DigestError([problem(shown, 0, f"cannot read: {err.strerror}")]) from None
    too_big = size_problem(len(data), shown)
    if too_big:
        raise DigestError([too_big])
    return data


def _read(path: str) -> bytes:
    with open(path, "rb") as stream:
        return stream.read()


def is_leftover(name: str) -> bool:
    """Editors' lock, swap and backup files, and system clutter."""
    return (name.startswith((".#", "#")) or name.endswith(("~", ".swp", ".swx", ".tmp"))
            or name in (".DS_Store", "Thumbs.db", ".gitkeep"))


def _inside(path: Path, folder: Path) -> bool:
    try:
        path.resolve().relative_to(folder.resolve())
        return True
    except ValueError:
        return False
