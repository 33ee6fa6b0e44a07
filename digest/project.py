"""Where a site's inputs live, and the one place that reads them from disk."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from .config import Config, read_config
from .errors import Problem, problem

ARTICLE_SUFFIXES = (".md", ".markdown")
THEME_TEMPLATES = Path(__file__).parent / "theme" / "templates"


@dataclass(frozen=True)
class Project:
    root: Path  # the folder that holds site.yaml, content/, layouts/, static/
    config_file: Path

    @classmethod
    def at(cls, config_file: Path) -> Project:
        config_file = config_file.absolute()
        return cls(config_file.parent, config_file)

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

    def read_articles(self, known: dict[str, tuple[tuple[int, int, int], bytes]] | None = None
                      ) -> tuple[list[tuple[str, bytes]], list[Problem]]:
        """(path, bytes) of every article file, sorted by path, and the files it refused.

        With `known` (the dev server's memory of earlier reads), a file whose inode, size
        and modification time are unchanged is not read again; `known` is brought up to date.
        """
        found: list[tuple[str, bytes]] = []
        problems: list[Problem] = []
        seen: set[str] = set()
        for path in walk(self.content):
            if not path.name.endswith(ARTICLE_SUFFIXES):
                continue
            shown = self.shown(path)
            if path.is_symlink() and not _inside(path, self.content):
                problems.append(problem(shown, 0, "a symbolic link to a file outside content/; "
                                                  "copy the file in instead"))
                continue
            try:
                if known is None:
                    found.append((shown, path.read_bytes()))
                    continue
                info = path.stat()
                stamp = (info.st_ino, info.st_size, info.st_mtime_ns)
                if shown not in known or known[shown][0] != stamp:
                    known[shown] = (stamp, path.read_bytes())
                found.append((shown, known[shown][1]))
                seen.add(shown)
            except OSError as err:
                problems.append(problem(shown, 0, f"cannot read: {err.strerror}"))
        for gone in set(known or ()) - seen:
            del known[gone]
        return found, problems

    def static_files(self) -> tuple[dict[str, Path], list[Problem]]:
        """static/ as output paths; links that leave the project are refused."""
        files: dict[str, Path] = {}
        problems: list[Problem] = []
        for path in walk(self.static, hidden=True):
            if path.is_symlink() and not _inside(path, self.static):
                problems.append(problem(self.shown(path), 0, "a symbolic link to a file "
                                                             "outside static/; copy it in"))
                continue
            files[path.relative_to(self.static).as_posix()] = path
        return files, problems

    def template_stamp(self) -> tuple:
        """What identifies the templates in use: layouts/ and the theme, by name and mtime."""
        stamps = []
        for folder in (self.layouts, THEME_TEMPLATES):
            for path in walk(folder):
                info = path.stat()
                stamps.append((path.as_posix(), info.st_mtime_ns, info.st_size))
        return tuple(stamps)

    def favicon(self, config: Config) -> str | None:
        for name in ("favicon.svg", "favicon.ico", "favicon.png"):
            if (self.static / name).is_file():
                return f"{config.base_path}{name}"
        return None


def walk(folder: Path, hidden: bool = False) -> list[Path]:
    """Files below `folder`, sorted, without editor leftovers (and hidden files unless asked).

    Hidden files are kept in static/ (.well-known/, .htaccess) but never in content/,
    where they are editors' lock and swap files.
    """
    files: list[Path] = []
    for current, folders, names in os.walk(folder):
        folders[:] = sorted(f for f in folders if hidden or not f.startswith("."))
        for name in sorted(names):
            if is_leftover(name) or (name.startswith(".") and not hidden):
                continue
            files.append(Path(current) / name)
    return files


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
