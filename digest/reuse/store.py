"""What is kept between builds: parsed articles and page fingerprints, in memory and on disk.

Parsed articles are kept by path and content hash, valid for the settings parsing reads
(the versions, the timezone, the Markdown options); page fingerprints and rendered pages
for the settings pages depend on (site.yaml and the templates). `digest serve` keeps them
in memory between rebuilds; `digest build` keeps them in `.digest-cache/`, which is safe
to delete at any time.
"""

from __future__ import annotations

import dataclasses
import functools
import hashlib
import json
import os
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from ..config import Config
from ..i18n import MESSAGES
from ..model import Article, Findings, Image, ParsedArticle, Source
from ..project import THEME_TEMPLATES, Project, walk

CACHE_FOLDER = ".digest-cache"
SPARE_OUTPUT = "output"  # in CACHE_FOLDER: an earlier output, which the next build updates
_FORMAT = 9  # of the cache files; a change makes older caches start afresh


def content_hash(data: bytes) -> str:
    return hashlib.blake2b(data, digest_size=16).hexdigest()


def template_hashes(project: Project) -> tuple[tuple[str, str], ...]:
    """Every template that can be used, by name and content: layouts/ first, then the theme."""
    found = []
    for folder in (project.layouts, THEME_TEMPLATES, MESSAGES):  # and the theme's words
        for path in walk(folder):
            found.append((path.relative_to(folder).as_posix(), content_hash(path.read_bytes())))
    return tuple(found)


@functools.cache
def _versions() -> tuple[str, ...]:
    """The versions whose change can change digest's output; looked up once per process."""
    from importlib.metadata import PackageNotFoundError, version

    try:
        return (version("digest"), version("Markdown"), version("nh3"), version("Jinja2"),
                version("Babel"))
    except PackageNotFoundError:
        return ("unknown",)


def settings_key(config: Config, templates: tuple[tuple[str, str], ...] = ()) -> str:
    """What every rendered page depends on besides its own input."""
    return content_hash(repr((_FORMAT, _versions(), config, templates)).encode())


def parse_key(config: Config) -> str:
    """What parsing an article reads besides its file: only the timezone and the Markdown
    options of site.yaml, so that editing the others parses nothing again."""
    return content_hash(repr((_FORMAT, _versions(), config.timezone, config.markdown)).encode())


@dataclass
class ParseCache:
    """Parsed articles by (path, content hash), for one settings key."""

    key: str = ""
    entries: dict[tuple[str, str], ParsedArticle] = field(default_factory=dict)
    # The dev server's last read of each file, by path: (inode, size, mtime), bytes.
    files: dict[str, tuple[tuple[int, int, int, int], bytes]] | None = None
    # A build's memory of each file: its stamp (inode, size, mtime, ctime) and content hash
    # when last read, so that a file with the same stamp is not read again.
    stamps: dict[str, tuple[tuple[int, int, int, int], str]] = field(default_factory=dict)
    saved_stamps: dict | None = None
    store: object = None  # the bodies.bin the entries read from .digest-cache/ are in
    # The content hash of each file's bytes, by path, so unchanged files are not hashed again.
    hashes: dict[str, tuple[bytes, str]] = field(default_factory=dict)
    # The dev server's last result: each file's article (None if it failed), and its hash.
    last: dict[str, ParsedArticle | None] | None = None
    sources: dict[str, str] = field(default_factory=dict)
    # Each parsed article as placed in the site of `placed_for`, by path.
    placed: dict[str, tuple[ParsedArticle, Article]] = field(default_factory=dict)
    placed_for: Config | None = None
    # The JSON line of each entry as read from .digest-cache/, None when not read from there.
    saved: dict[tuple[str, str], bytes] | None = None
    # Where a build that writes parks the bodies of the articles it parses (the cache
    # folder), so that they are not all held in memory; and the file they are parked in.
    parking: Path | None = None
    parked: _BodyStore | None = None

    def park(self, results: list) -> list:
        """`results` with each newly parsed article's body moved into a file beside
        bodies.bin (which save_articles makes part of it), read back when a page needs it:
        a body in memory takes two bytes a character once it holds a curly quote."""
        if self.parking is None:
            return results
        try:
            if self.parked is None:
                self.parked = _BodyStore.create(self.parking / f".{_BODIES}.{os.getpid()}.tmp")
            kept = []
            for item in results:
                if isinstance(item, ParsedArticle) and isinstance(item.html, str):
                    try:
                        data = item.html.encode("utf-8")
                    except UnicodeEncodeError:  # kept in memory, as bodies.bin cannot hold it
                        kept.append(item)
                        continue
                    item = dataclasses.replace(item, html=StoredText(
                        self.parked, self.parked.append(data), len(data)))
                kept.append(item)
            return kept
        except OSError:  # a folder that cannot be written: they stay in memory
            self.parking = None
            return results

    def parked_all(self) -> None:
        """Parsing is over: the file the bodies were parked in is only read from now on."""
        if self.parked is not None:
            try:
                self.parked.seal()
            except OSError:
                pass

    def hash_of(self, path: str, data: bytes) -> str:
        known = self.hashes.get(path)
        if known is None or known[0] is not data:
            known = self.hashes[path] = (data, content_hash(data))
        return known[1]

    def reset_unless(self, key: str) -> None:
        if self.key != key:
            self.key, self.entries, self.saved, self.last = key, {}, None, None


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
    inputs: str = ""  # a digest of everything the fingerprints were made from
    parts: dict[str, str] = field(default_factory=dict)  # part of the site -> fingerprint
    loaded: dict | None = None  # what was read from .digest-cache/, to save only a change
    # In memory only: a page's fingerprint by the identity of what went into it, with those
    # values kept alive (so an id cannot be reused by another object while it is here).
    by_identity: dict[tuple, tuple[str, object]] = field(default_factory=dict)
    articles: dict[int, tuple[Article, bytes]] = field(default_factory=dict)  # id -> digest
    values: dict[int, tuple[object, bytes]] = field(default_factory=dict)  # id -> digest
    # The pages of the last rebuilds by identity: (page, fingerprint, identity).
    by_page: dict[int, tuple] = field(default_factory=dict)
    favicon: str | None = None  # the one the fingerprints in by_page were made with
    sitemap: dict[int, tuple[object, str]] = field(default_factory=dict)  # page id -> entry
    environment: object = None  # the Jinja environment, kept by the dev server

    def reset_unless(self, key: str) -> None:
        if self.key != key:
            self.key, self.pages, self.fingerprints, self.feeds = key, {}, {}, {}
            self.written, self.inputs, self.parts = {}, "", {}
            self.by_identity, self.articles, self.environment = {}, {}, None
            self.values, self.by_page, self.sitemap = {}, {}, {}


class StoredText:
    """An article's body kept in .digest-cache/bodies.bin, read when a page needs it: a
    build that renders few pages reads few bodies."""

    __slots__ = ("store", "offset", "length")

    def __init__(self, store: _BodyStore, offset: int, length: int):
        self.store, self.offset, self.length = store, offset, length

    def __str__(self) -> str:
        data = os.pread(self.store.fd, self.length, self.offset)
        return data.decode("utf-8", "replace")

    def __eq__(self, other: object) -> bool:
        return str(self) == str(other)

    def __hash__(self) -> int:
        return hash(str(self))

    def __reduce__(self):
        return str, (str(self),)  # sent to another process: the text itself


class _BodyStore:
    """bodies.bin, open for reading for as long as the process lives: a later build that
    replaces the file leaves this one's bodies readable."""

    def __init__(self, path: Path, fd: int | None = None):
        self.path = path
        self.fd = os.open(path, os.O_RDONLY) if fd is None else fd
        info = os.fstat(self.fd)
        self.inode, self.size = info.st_ino, info.st_size

    @classmethod
    def create(cls, path: Path) -> _BodyStore:
        """A new, empty file to append bodies to (see ParseCache.park)."""
        path.parent.mkdir(parents=True, exist_ok=True)
        path.unlink(missing_ok=True)
        return cls(path, os.open(path, os.O_RDWR | os.O_CREAT | os.O_EXCL, 0o644))

    def seal(self) -> None:
        """No more bodies to add: kept open for reading only, as bodies.bin is, so that no
        file of the project stays open for writing while the build goes on."""
        sealed = os.open(self.path, os.O_RDONLY)
        os.close(self.fd)
        self.fd = sealed

    def append(self, data: bytes) -> int:
        """Add `data` at the end; where it starts."""
        offset = self.size
        written = 0
        while written < len(data):
            written += os.pwrite(self.fd, data[written:], offset + written)
        self.size += len(data)
        return offset


_BODIES = "bodies.bin"


def load_articles(project_root: Path, config: Config) -> ParseCache:
    """The parsed articles an earlier build kept, or none when they cannot be trusted.

    The file is JSON lines: a header, then one article per line, whose text is kept so that
    saving the cache again costs nothing for the articles that did not change. Their bodies
    are in bodies.bin, which only grows until it is written anew, and are read from there
    when needed.
    """
    key = parse_key(config)
    stamps = _load_stamps(project_root)
    try:
        with open(project_root / CACHE_FOLDER / "articles.jsonl", "rb") as stream:
            lines = stream.read().splitlines()
        header = json.loads(lines[0]) if lines else None
        if not isinstance(header, dict) or header.get("format") != _FORMAT or \
                header.get("key") != key:
            return ParseCache(stamps=stamps)
        store = _BodyStore(project_root / CACHE_FOLDER / _BODIES)
        if header.get("bodies") != [store.inode, min(store.size, header["bodies"][1])]:
            return ParseCache(stamps=stamps)
        end = header["bodies"][1]
        entries, saved = {}, {}
        for line in lines[1:]:
            path, digest, item = json.loads(line)
            offset, length = item["html"]
            if not (type(offset) is int and type(length) is int and 0 <= offset
                    and 0 <= length and offset + length <= end):
                raise ValueError("a body outside bodies.bin")
            item["html"] = StoredText(store, offset, length)
            entries[(path, digest)] = _article_from_json(item, config.zone)
            saved[(path, digest)] = line
    except (OSError, KeyError, TypeError, ValueError, AttributeError, RecursionError,
            IndexError):
        return ParseCache(stamps=stamps)
    return ParseCache(key, entries, saved=saved, stamps=stamps, saved_stamps=dict(stamps),
                      store=store)


def _load_stamps(project_root: Path) -> dict[str, tuple[tuple[int, int, int, int], str]]:
    data = _read(project_root, "files")
    try:
        stamps = {}
        for path, (inode, size, mtime, ctime, digest) in data["stamps"].items():
            if not all(type(n) is int for n in (inode, size, mtime, ctime)) or \
                    not isinstance(digest, str):
                return {}
            stamps[path] = ((inode, size, mtime, ctime), digest)
        return stamps
    except (KeyError, TypeError, ValueError, AttributeError):
        return {}


def save_articles(project_root: Path, parse_cache: ParseCache) -> None:
    """Write the cache, unless it holds exactly what was read from it. New bodies are added
    at the end of bodies.bin; it is written anew when most of it is no longer used."""
    if parse_cache.stamps != parse_cache.saved_stamps:
        _write(project_root, "files", {"stamps": {
            path: [*stamp, digest] for path, (stamp, digest) in parse_cache.stamps.items()}})
    if parse_cache.saved is not None and parse_cache.saved.keys() == parse_cache.entries.keys():
        return
    entries = parse_cache.entries
    store = parse_cache.store
    used = sum(entry.html.length for entry in entries.values()
               if isinstance(entry.html, StoredText) and entry.html.store is store)
    folder = project_root / CACHE_FOLDER
    try:
        folder.mkdir(exist_ok=True)
        parked = parse_cache.parked
        for leftover in folder.glob(f".{_BODIES}.*.tmp"):  # from a build that was killed
            if parked is None or leftover != parked.path:
                leftover.unlink(missing_ok=True)
        current = os.stat(folder / _BODIES) if store is not None else None
    except OSError:
        current, parked = None, None
    if current is not None and (current.st_ino, current.st_size) == (store.inode, store.size) \
            and current.st_size <= 2 * used + (1 << 20):
        saved, append = parse_cache.saved or {}, True
    else:  # none yet, or mostly bodies no article uses: written anew
        saved, append, store = {}, False, None
    offsets: dict[tuple[str, str], tuple[int, int]] = {}
    items: dict[tuple[str, str], dict] = {}
    for key in sorted(entries):
        if key in saved:
            continue
        try:
            items[key] = _article_to_json(entries[key])
        except TypeError:
            continue  # front matter that JSON cannot hold: parsed again next time
    if not append and parked is not None:  # the parked bodies are where they will stay
        store = parked
    try:
        if append:
            name = folder / _BODIES
        else:
            name = parked.path if parked is not None else folder / f".{_BODIES}.{os.getpid()}.tmp"
        with open(name, "ab" if append or parked is not None else "wb") as stream:
            end = stream.seek(0, os.SEEK_END)
            for key, item in items.items():
                html = item["html"]
                if isinstance(html, StoredText) and html.store is store:
                    offsets[key] = (html.offset, html.length)
                    continue
                data = str(html).encode("utf-8")
                stream.write(data)
                offsets[key] = (end, len(data))
                end += len(data)
        if not append:
            os.replace(name, folder / _BODIES)
            parse_cache.parked = None  # it is bodies.bin now
        elif parked is not None:  # its bodies were copied into bodies.bin
            parked.path.unlink(missing_ok=True)
        inode = os.stat(folder / _BODIES).st_ino
    except OSError:
        return

    def lines():
        yield json.dumps({"format": _FORMAT, "key": parse_cache.key,
                          "bodies": [inode, end]}).encode()
        for key in sorted(entries):
            line = saved.get(key)
            if line is None:
                if key not in items:
                    continue
                item = {**items[key], "html": list(offsets[key])}
                line = json.dumps([*key, item], ensure_ascii=False,
                                  separators=(",", ":")).encode("utf-8")
            yield line

    _write_lines(project_root, "articles.jsonl", lines())


def load_pages(project_root: Path) -> RenderCache:
    data = _read(project_root, "pages")
    try:
        fingerprints, written = data["fingerprints"], data["written"]
        if not all(isinstance(v, str) for d in (fingerprints, written) for v in d.values()):
            return RenderCache()
        parts = data.get("parts", {})
        if not all(isinstance(v, str) for v in parts.values()):
            return RenderCache()
        return RenderCache(str(data["key"]), fingerprints=dict(fingerprints),
                           written=dict(written), inputs=str(data.get("inputs", "")),
                           parts=dict(parts), loaded=data)
    except (KeyError, TypeError, ValueError, AttributeError):
        return RenderCache()


def save_pages(project_root: Path, render_cache: RenderCache) -> None:
    """Write the page fingerprints, unless they are what was read."""
    data = {"format": _FORMAT, "key": render_cache.key,
            "fingerprints": render_cache.fingerprints, "written": render_cache.written,
            "inputs": render_cache.inputs, "parts": render_cache.parts}
    if data != render_cache.loaded:
        _write(project_root, "pages", data)


def _read(project_root: Path, name: str) -> object:
    """A cache file's data; JSON, so that a cache shipped with a project cannot run code."""
    try:
        with open(project_root / CACHE_FOLDER / f"{name}.json", "rb") as stream:
            data = json.load(stream)
    except (OSError, ValueError, RecursionError):
        return None
    return data if isinstance(data, dict) and data.get("format") == _FORMAT else None


def _write(project_root: Path, name: str, data: dict) -> None:
    _write_lines(project_root, f"{name}.json",
                 [json.dumps({"format": _FORMAT, **data}, ensure_ascii=False,
                             separators=(",", ":")).encode("utf-8")])


def _write_lines(project_root: Path, name: str, lines) -> None:
    """Replace a cache file atomically, a line at a time (the article cache of a large site
    would double the memory if joined first); a cache that cannot be written is not kept."""
    folder = project_root / CACHE_FOLDER
    try:
        folder.mkdir(exist_ok=True)
        for leftover in folder.glob(f".{name}.*.tmp"):  # from a build that was killed
            leftover.unlink(missing_ok=True)
        if not (folder / ".gitignore").exists():
            (folder / ".gitignore").write_text("*\n", encoding="utf-8")
        temporary = folder / f".{name}.{os.getpid()}.tmp"
        with open(temporary, "wb") as stream:
            for line in lines:
                stream.write(line)
                stream.write(b"\n")
        os.replace(temporary, folder / name)
    except OSError:
        pass


def _when(moment: datetime | None) -> list | None:
    """A datetime in the site's zone as its wall-clock time and fold, to rebuild exactly."""
    return None if moment is None else [moment.replace(tzinfo=None).isoformat(), moment.fold]


def _when_back(value: list | None, zone: ZoneInfo) -> datetime | None:
    if value is None:
        return None
    wall, fold = value
    return datetime.fromisoformat(wall).replace(tzinfo=zone, fold=int(fold))


def _article_to_json(article: ParsedArticle) -> dict:
    if json.loads(json.dumps(article.extra)) != article.extra:  # TypeError if it cannot
        raise TypeError("front matter that JSON does not give back the same")
    source, image = article.source, article.image
    return {
        "path": article.path, "title": article.title, "date": _when(article.date),
        "has_time": article.has_time, "updated": _when(article.updated),
        "topic": list(article.topic) if article.topic else None,
        "topic_line": article.topic_line, "tags": [list(tag) for tag in article.tags],
        "authors": list(article.authors), "summary": article.summary,
        "source": [source.name, source.url] if source else None,
        "image": [image.src, image.alt, image.caption, image.credit] if image else None,
        "slug": article.slug, "draft": article.draft, "html": article.html,  # bytes apart
        "extra": article.extra, "findings": _findings_to_json(article.findings),
        "lead": article.lead, "weight": article.weight,
    }


def _findings_to_json(findings: Findings) -> list:
    return [[list(w) for w in findings.warnings], [list(link) for link in findings.links],
            sorted(findings.ids), findings.topic_line]


def _findings_from_json(value: object) -> Findings:
    warnings, links, ids, topic_line = value  # ValueError unless four
    if not all(isinstance(i, str) for i in ids):
        raise TypeError("not text")
    return Findings(tuple((int(line), str(message)) for line, message in warnings),
                    tuple((str(a), str(b), str(c), int(line)) for a, b, c, line in links),
                    frozenset(ids), int(topic_line))


def _article_from_json(item: dict, zone: ZoneInfo) -> ParsedArticle:
    def text(value: object) -> str:
        if not isinstance(value, str):
            raise TypeError("not text")
        return value

    def pair(value: object) -> tuple[str, str]:
        first, second = value  # ValueError unless two
        return text(first), text(second)

    date = _when_back(item["date"], zone)
    if date is None:
        raise ValueError("no date")
    return ParsedArticle(
        path=text(item["path"]), title=text(item["title"]), date=date,
        has_time=bool(item["has_time"]), updated=_when_back(item["updated"], zone),
        topic=pair(item["topic"]) if item["topic"] is not None else None,
        topic_line=int(item["topic_line"]), tags=tuple(map(pair, item["tags"])),
        authors=tuple(map(text, item["authors"])), summary=text(item["summary"]),
        source=Source(*pair(item["source"])) if item["source"] else None,
        image=Image(*map(text, item["image"])) if item["image"] else None,
        slug=text(item["slug"]), draft=bool(item["draft"]), html=item["html"],
        extra=dict(item["extra"]), findings=_findings_from_json(item["findings"]),
        lead=bool(item["lead"]), weight=int(item["weight"]))


