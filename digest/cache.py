"""What a build can reuse: parsed articles and rendered pages, in memory and on disk.

Parsed articles are kept by path and content hash; rendered pages by a fingerprint of
everything that goes into them (template, title, URL, feeds and context). Both are valid
only for the settings they were made with: the digest version, site.yaml and the
templates. `digest serve` keeps them in memory between rebuilds; `digest build` keeps
them in `.digest-cache/`, which is safe to delete at any time.
"""

from __future__ import annotations

import dataclasses
import hashlib
import os
import pickle
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path

from .config import Config
from .model import Article
from .pages import Pagination
from .project import THEME_TEMPLATES, Project, walk

CACHE_FOLDER = ".digest-cache"
_FORMAT = 2  # of the cache files; a change makes older caches start afresh


def content_hash(data: bytes) -> str:
    return hashlib.blake2b(data, digest_size=16).hexdigest()


def template_hashes(project: Project) -> tuple[tuple[str, str], ...]:
    """Every template that can be used, by name and content: layouts/ first, then the theme."""
    found = []
    for folder in (project.layouts, THEME_TEMPLATES):
        for path in walk(folder):
            found.append((path.relative_to(folder).as_posix(), content_hash(path.read_bytes())))
    return tuple(found)


def settings_key(config: Config, templates: tuple[tuple[str, str], ...] = ()) -> str:
    """What every cached result depends on besides its own input."""
    from importlib.metadata import PackageNotFoundError, version

    try:
        versions = (version("digest"), version("Markdown"), version("nh3"), version("Jinja2"))
    except PackageNotFoundError:
        versions = ("unknown",)
    return content_hash(repr((_FORMAT, versions, config, templates)).encode())


@dataclass
class ParseCache:
    """Parsed articles by (path, content hash), for one settings key."""

    key: str = ""
    entries: dict[tuple[str, str], Article] = field(default_factory=dict)
    # The dev server's last read of each file, by path: (inode, size, mtime), bytes.
    files: dict[str, tuple[tuple[int, int, int], bytes]] | None = None

    def reset_unless(self, key: str) -> None:
        if self.key != key:
            self.key, self.entries = key, {}


@dataclass
class RenderCache:
    """Rendered pages by fingerprint (in memory), and each output path's last fingerprint."""

    key: str = ""
    pages: dict[str, bytes] = field(default_factory=dict)
    fingerprints: dict[str, str] = field(default_factory=dict)  # output path -> fingerprint
    # output path -> sha256 of the file the build with those fingerprints wrote: a page is
    # taken from the output only if the file there is still that one (the dev server or a
    # build killed before saving this cache may have written another since)
    written: dict[str, str] = field(default_factory=dict)
    feeds: dict[str, bytes] = field(default_factory=dict)  # fingerprint + feed path -> bytes
    # In memory only: a page's fingerprint by the identity of what went into it, with those
    # values kept alive (so an id cannot be reused by another object while it is here).
    by_identity: dict[tuple, tuple[str, object]] = field(default_factory=dict)
    articles: dict[int, tuple[Article, bytes]] = field(default_factory=dict)  # id -> digest
    environment: object = None  # the Jinja environment, kept by the dev server

    def reset_unless(self, key: str) -> None:
        if self.key != key:
            self.key, self.pages, self.fingerprints, self.feeds = key, {}, {}, {}
            self.written = {}
            self.by_identity, self.articles, self.environment = {}, {}, None

    def on_disk(self) -> RenderCache:
        """What is worth keeping between builds: the fingerprint of each output path."""
        return RenderCache(self.key, fingerprints=self.fingerprints, written=self.written)

    def page_fingerprints(self, pages: list, favicon: str | None,
                          fingerprints: Fingerprints) -> list[str]:
        """Each page's fingerprint; a page made of the very objects seen last time (an
        unchanged article between the dev server's rebuilds) is not digested again."""
        known, self.by_identity = self.by_identity, {}
        found = []
        for page in pages:
            values = tuple(page.context.values())
            identity = (page.template, page.url, page.title, tuple(map(id, page.feeds)),
                        favicon, tuple(page.context), tuple(map(_identity, values)))
            entry = known.get(identity)
            if entry is None:
                entry = (fingerprints.of(page.template, page.url, page.title, page.feeds,
                                         favicon, page.context), (values, page.feeds))
            self.by_identity[identity] = entry
            found.append(entry[0])
        return found


def load(project_root: Path, name: str, empty):
    """A cache saved by an earlier build, or `empty` when there is none or it is unreadable."""
    try:
        with open(project_root / CACHE_FOLDER / f"{name}.pickle", "rb") as stream:
            loaded = pickle.load(stream)  # noqa: S301 - digest's own file, in the project
    except (OSError, pickle.PickleError, EOFError, AttributeError, ImportError, TypeError,
            ValueError):
        return empty
    if not isinstance(loaded, type(empty)) or not all(
            hasattr(loaded, f.name) for f in dataclasses.fields(empty)):
        return empty  # another version's cache, or not a cache at all
    return loaded


def save(project_root: Path, name: str, value) -> None:
    """Replace a cache file atomically; a cache that cannot be written is just not kept."""
    folder = project_root / CACHE_FOLDER
    try:
        folder.mkdir(exist_ok=True)
        if not (folder / ".gitignore").exists():
            (folder / ".gitignore").write_text("*\n", encoding="utf-8")
        temporary = folder / f".{name}.{os.getpid()}.tmp"
        with open(temporary, "wb") as stream:
            pickle.dump(value, stream, protocol=pickle.HIGHEST_PROTOCOL)
        os.replace(temporary, folder / f"{name}.pickle")
    except OSError:
        pass


class Fingerprints:
    """Stable digests of model values, the same in every process and every run.

    An article is known by its path, its source's hash and the canonical names of its topic
    and tags (the only things grouping changes in it); anything else by its fields. Values seen
    before in this build are not walked again.
    """

    def __init__(self, key: str, sources: dict[str, str],
                 articles: dict[int, tuple[Article, bytes]] | None = None):
        self.key = key
        self.sources = sources  # article path -> content hash
        self._memo: dict[int, tuple[object, bytes]] = {}
        # Articles keep their identity between the dev server's rebuilds: their digests too.
        self._articles = articles if articles is not None else {}

    def of(self, *values: object) -> str:
        digest = hashlib.blake2b(self.key.encode(), digest_size=16)
        for value in values:
            digest.update(self._digest(value))
        return digest.hexdigest()

    def _digest(self, value: object) -> bytes:
        if value is None or isinstance(value, (str, int, float, bool, date, datetime)):
            return repr(value).encode() + b"\0"
        if isinstance(value, (tuple, list)):
            return b"(" + b"".join([self._digest(item) for item in value]) + b")"
        if isinstance(value, dict):
            return (b"{" + b"".join([self._digest(k) + self._digest(v) for k, v in
                                     sorted(value.items(), key=lambda kv: str(kv[0]))])
                    + b"}")
        known = self._memo.get(id(value))
        if known is not None:
            return known[1]
        if isinstance(value, Article):
            kept = self._articles.get(id(value))
            if kept is not None:
                return kept[1]
            parts: tuple = (value.path, self.sources[value.path], value.topic.name,
                            tuple(tag.name for tag in value.tags))
        else:
            names = _FIELDS.get(type(value))
            if names is None:
                if not dataclasses.is_dataclass(value):
                    raise TypeError(f"cannot fingerprint {type(value).__name__}")
                names = _FIELDS[type(value)] = tuple(f.name for f in dataclasses.fields(value))
            parts = (type(value).__name__, *(getattr(value, name) for name in names))
        digest = hashlib.blake2b(self._digest(parts), digest_size=16).digest()
        memo = self._articles if isinstance(value, Article) else self._memo
        memo[id(value)] = (value, digest)  # the value is kept so its id stays its own
        return digest

    def forget_articles_except(self, articles) -> None:
        """Drop the digests of articles that are gone, so the memory does not grow."""
        alive = {id(article) for article in articles}
        for key in [key for key in self._articles if key not in alive]:
            del self._articles[key]


_FIELDS: dict[type, tuple[str, ...]] = {}


def _identity(value: object) -> object:
    """Small values stand for themselves; anything else for the object it is."""
    if value is None or isinstance(value, (str, int, Pagination)):
        return value
    if isinstance(value, tuple):  # a page's slice of a listing is a new tuple every time
        return tuple(map(_identity, value))
    return id(value)
