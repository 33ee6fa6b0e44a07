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
import marshal
import os
import zlib
from collections.abc import Iterable
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
_FORMAT = 12  # of the cache files; a change makes older caches start afresh


def content_hash(data: bytes) -> str:
    return hashlib.blake2b(data, digest_size=16).hexdigest()


def template_hashes(project: Project) -> tuple[tuple[str, str], ...]:
    """Every template that can be used, by name and content: layouts/ first, then the theme."""
    found = []
    for folder in (project.layouts, THEME_TEMPLATES, MESSAGES):  # and the theme's words
        for path in walk(folder):
            found.append((path.relative_to(folder).as_posix(), content_hash(path.read_bytes())))
    return tuple(found)


def theme_only(project: Project) -> bool:
    """Whether every template is the theme's: `layouts/` holds none of the site's own."""
    return not walk(project.layouts)


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
    # Each parsed article as placed in a site of the settings `placed_for` (see
    # articles.placement), by the parsed article's identity (it is kept alive here, so that
    # its id stays its own).
    placed: dict[int, tuple[ParsedArticle, Article]] = field(default_factory=dict)
    placed_for: tuple | None = None
    # The entries as read from .digest-cache/ (None when not read from there), and the
    # file's pieces: each run of entries, by their keys, as its bytes and their digest.
    saved: set[tuple[str, str]] | None = None
    pieces: dict[tuple, tuple[bytes, str]] = field(default_factory=dict)
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
    loaded: tuple | None = None  # what was read from .digest-cache/, to save only a change
    # In memory only: a page's fingerprint by the identity of what went into it, with those
    # values kept alive (so an id cannot be reused by another object while it is here).
    by_identity: dict[tuple, tuple[str, object]] = field(default_factory=dict)
    articles: dict[int, tuple[Article, bytes]] = field(default_factory=dict)  # id -> digest
    values: dict[int, tuple[object, bytes]] = field(default_factory=dict)  # id -> digest
    # The pages of the last rebuilds by identity: (page, fingerprint, identity).
    by_page: dict[int, tuple] = field(default_factory=dict)
    favicon: str | None = None  # the one the fingerprints in by_page were made with
    # Each part of the last rebuild by its key: (the part, favicon, its fingerprint, its
    # pages' fingerprints), kept alive like by_page's values.
    by_part: dict[str, tuple] = field(default_factory=dict)
    sitemap: dict[int, tuple[object, str]] = field(default_factory=dict)  # page id -> entry
    environment: object = None  # the Jinja environment, kept by the dev server

    def reset_unless(self, key: str) -> None:
        if self.key != key:
            self.key, self.pages, self.fingerprints, self.feeds = key, {}, {}, {}
            self.written, self.inputs, self.parts = {}, "", {}
            self.by_identity, self.articles, self.environment = {}, {}, None
            self.values, self.by_page, self.sitemap, self.by_part = {}, {}, {}, {}


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
_ARTICLES, _FILES, _PAGES = "articles.bin", "files.bin", "pages.bin"
# The article records are kept in runs cut after an article whose path hashes to a multiple
# of _RUN_SPREAD once a run has _RUN_SHORTEST, and always at _RUN_LONGEST: an edit makes one
# run again, and the runs of a large site are not all held in memory at once.
_RUN_SHORTEST, _RUN_SPREAD, _RUN_LONGEST = 64, 256, 1024


def load_articles(project_root: Path, config: Config) -> ParseCache:
    """The parsed articles an earlier build kept, or none when they cannot be trusted.

    articles.bin holds every article as a record of plain values, in runs (see _read and
    save_articles), with the settings key and which bodies.bin it goes with. The bytes of
    each run are kept, so that saving the cache again costs little for the runs whose
    articles did not change. Their bodies are in bodies.bin, which only grows until it is
    written anew, and are read from there when needed.
    """
    key = parse_key(config)
    stamps = _load_stamps(project_root)
    read = _read(project_root, _ARTICLES)
    if read is None or read[0].get("key") != key:
        return ParseCache(stamps=stamps)
    header, pieces = read
    try:
        store = _BodyStore(project_root / CACHE_FOLDER / _BODIES)
        if header.get("bodies") != [store.inode, min(store.size, header["bodies"][1])]:
            return ParseCache(stamps=stamps)
        end = header["bodies"][1]
        zone = config.zone
        entries, known = {}, {}
        for records, data, digest in pieces:
            if type(records) is not list:
                raise TypeError("not a list of records")
            keys = []
            for record in records:
                article = _article_from_record(record, zone, store, end)
                keys.append((article.path, record[1]))
                entries[keys[-1]] = article
            known[tuple(keys)] = (data, digest)
    except (OSError, KeyError, TypeError, ValueError, AttributeError, IndexError):
        return ParseCache(stamps=stamps)
    return ParseCache(key, entries, saved=set(entries), pieces=known, stamps=stamps,
                      saved_stamps=dict(stamps), store=store)


def _load_stamps(project_root: Path) -> dict[str, tuple[tuple[int, int, int, int], str]]:
    read = _read(project_root, _FILES)
    stamps = read[1][0][0] if read is not None and len(read[1]) == 1 else None
    if (type(stamps) is not dict or not set(map(type, stamps)) <= _TEXT
            or not {_row(value) for value in stamps.values()} <= {(tuple, str)}
            or not {_row(value[0]) for value in stamps.values()} <= {(int, int, int, int)}):
        return {}
    return stamps


def save_articles(project_root: Path, parse_cache: ParseCache) -> None:
    """Write the cache, unless it holds exactly what was read from it. New bodies are added
    at the end of bodies.bin; it is written anew when most of it is no longer used."""
    if parse_cache.stamps != parse_cache.saved_stamps:
        _write(project_root, _FILES, {}, [_piece(parse_cache.stamps)])
    if parse_cache.saved is not None and parse_cache.saved == parse_cache.entries.keys():
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
        saved, append = parse_cache.saved or set(), True
    else:  # none yet, or mostly bodies no article uses: written anew
        saved, append, store = set(), False, None
    offsets: dict[tuple[str, str], tuple[int, int]] = {}
    new = [key for key in sorted(entries) if key not in saved and _plain(entries[key].extra)]
    if not append and parked is not None:  # the parked bodies are where they will stay
        store = parked
    try:
        if append:
            name = folder / _BODIES
        else:
            name = parked.path if parked is not None else folder / f".{_BODIES}.{os.getpid()}.tmp"
        with open(name, "ab" if append or parked is not None else "wb") as stream:
            end = stream.seek(0, os.SEEK_END)
            for key in new:
                html = entries[key].html
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
    known = parse_cache.pieces if append else {}

    def pieces():
        """The records in runs of a few hundred, cut after the same articles whatever else
        changed: a run whose articles are those of a run read is not made again."""
        run: list[tuple[str, str]] = []
        for key in sorted(entries):
            if key in saved or key in offsets:
                run.append(key)
                if len(run) >= _RUN_LONGEST or (len(run) >= _RUN_SHORTEST and not zlib.crc32(
                        key[0].encode("utf-8", "surrogatepass")) % _RUN_SPREAD):
                    yield made(run)
                    run = []
        if run:
            yield made(run)

    def made(run: list[tuple[str, str]]) -> tuple[bytes, str]:
        same = known.get(tuple(run))
        if same is not None:
            return same
        return _piece([_article_to_record(key[1], entries[key],
                                          offsets.get(key) or _body_of(entries[key]))
                       for key in run])

    _write(project_root, _ARTICLES, {"key": parse_cache.key, "bodies": [inode, end]}, pieces())


def load_pages(project_root: Path) -> RenderCache:
    read = _read(project_root, _PAGES)
    value = read[1][0][0] if read is not None and len(read[1]) == 1 else None
    if type(value) is not tuple or len(value) != 4:
        return RenderCache()
    header, (fingerprints, written, inputs, parts) = read[0], value
    if not (_texts_by_text(fingerprints) and _texts_by_text(written)
            and _texts_by_text(parts) and type(inputs) is str and type(header.get("key")) is str):
        return RenderCache()
    return RenderCache(header["key"], fingerprints=dict(fingerprints), written=dict(written),
                       inputs=inputs, parts=dict(parts), loaded=value)


def save_pages(project_root: Path, render_cache: RenderCache) -> None:
    """Write the page fingerprints, unless they are what was read."""
    data = (render_cache.fingerprints, render_cache.written, render_cache.inputs,
            render_cache.parts)
    if data != render_cache.loaded:
        _write(project_root, _PAGES, {"key": render_cache.key}, [_piece(data)])


def _texts_by_text(value: object) -> bool:
    return (type(value) is dict and set(map(type, value)) <= _TEXT
            and set(map(type, value.values())) <= _TEXT)


def _read(project_root: Path, name: str) -> tuple[dict, list[tuple[object, bytes, str]]] | None:
    """A cache file's header, and each of its pieces as its value, bytes and digest; None
    unless the file is whole and of this format.

    A cache file is pieces of data in marshal's format, then a line of JSON: the format,
    each piece's size and digest, and what else the header holds. marshal reads far quicker
    than JSON; a piece is unmarshalled only once its digest says it is what was written
    (marshal is not meant for damaged data). Neither can run code."""
    try:
        with open(project_root / CACHE_FOLDER / name, "rb") as stream:
            data = stream.read()
    except OSError:
        return None
    body, _, head = data.rpartition(b"\n")
    try:
        header = json.loads(head)
        if not isinstance(header, dict) or header.get("format") != _FORMAT:
            return None
        pieces, start = [], 0
        view = memoryview(body)
        for size, digest in header["pieces"]:
            piece = view[start:start + size]
            start += size
            if len(piece) != size or content_hash(piece) != digest:
                return None
            pieces.append((marshal.loads(piece), piece, digest))
        return (header, pieces) if start == len(body) else None
    except (ValueError, TypeError, KeyError, EOFError, RecursionError):
        return None


def _piece(value: object) -> tuple[bytes, str]:
    data = marshal.dumps(value)
    return data, content_hash(data)


def _write(project_root: Path, name: str, header: dict,
           pieces: Iterable[tuple[bytes, str]]) -> None:
    """Write a cache file (see _read) a piece at a time: the article cache of a large site
    would take much more memory if made whole first."""
    sizes: list[list] = []

    def written():
        for data, digest in pieces:
            sizes.append([len(data), digest])
            yield data
        yield b"\n" + json.dumps({"format": _FORMAT, **header, "pieces": sizes}).encode()

    _write_file(project_root, name, written())


def _write_file(project_root: Path, name: str, pieces: Iterable[bytes]) -> None:
    """Replace a cache file atomically; a cache that cannot be written is not kept."""
    folder = project_root / CACHE_FOLDER
    try:
        folder.mkdir(exist_ok=True)
        for leftover in folder.glob(f".{name}.*.tmp"):  # from a build that was killed
            leftover.unlink(missing_ok=True)
        if not (folder / ".gitignore").exists():
            (folder / ".gitignore").write_text("*\n", encoding="utf-8")
        temporary = folder / f".{name}.{os.getpid()}.tmp"
        with open(temporary, "wb") as stream:
            for piece in pieces:
                stream.write(piece)
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


def _body_of(article: ParsedArticle) -> tuple[int, int]:
    """Where an article read from the cache has its body in bodies.bin."""
    html = article.html
    if not isinstance(html, StoredText):
        raise TypeError("a body not in bodies.bin")
    return html.offset, html.length


def _plain(extra: dict) -> bool:
    """Whether front matter's other keys are values the cache gives back the same (not a
    date, say, which it cannot hold: such an article is parsed again next time)."""
    try:
        return marshal.loads(marshal.dumps(extra)) == extra
    except ValueError:
        return False


def _article_to_record(digest: str, article: ParsedArticle, body: tuple[int, int]) -> tuple:
    source, image, findings = article.source, article.image, article.findings
    return (article.path, digest, article.title, _when(article.date), article.has_time,
            _when(article.updated), article.topic, article.topic_line, article.tags,
            article.authors, article.summary, (source.name, source.url) if source else None,
            (image.src, image.alt, image.caption, image.credit) if image else None,
            article.slug, article.draft, body, article.extra,
            (findings.warnings, findings.links, findings.ids, findings.topic_line),
            article.lead, article.weight, article.standfirst, article.reading_minutes)


def _article_from_record(record: object, zone: ZoneInfo, store: _BodyStore, end: int
                         ) -> ParsedArticle:
    """The article a record holds; TypeError or ValueError unless it holds one, each value
    of the type it has in an article."""
    (path, digest, title, date, has_time, updated, topic, topic_line, tags, authors, summary,
     source, image, slug, draft, (offset, length), extra, findings, lead, weight, standfirst,
     minutes) = record  # type: ignore[misc]
    warnings, links, ids, finding_line = findings
    if not (str is type(path) is type(digest) is type(title) is type(summary) is type(slug)
            is type(standfirst) and type(minutes) is int and date is not None
            and type(extra) is dict and type(ids) is frozenset
            and int is type(offset) is type(length) and 0 <= offset and 0 <= length
            and offset + length <= end and _rows(tags, _PAIR)
            and (topic is None or _row(topic) == _PAIR)
            and (source is None or _row(source) == _PAIR)
            and (image is None or _row(image) == _IMAGE)
            and _texts(authors) and _texts(ids) and _rows(warnings, _WARNING)
            and _rows(links, _LINK)):
        raise TypeError("not an article's record")
    return ParsedArticle(
        path=path, title=title, date=_when_back(date, zone), has_time=bool(has_time),
        updated=_when_back(updated, zone) if updated is not None else None,
        topic=topic, topic_line=int(topic_line), tags=tuple(tags), authors=tuple(authors),
        summary=summary, source=Source(*source) if source else None,
        image=Image(*image) if image else None, slug=slug, draft=bool(draft),
        html=StoredText(store, offset, length), standfirst=standfirst, reading_minutes=minutes,
        extra=extra,
        findings=Findings(tuple(warnings), tuple(links), ids, int(finding_line)),
        lead=bool(lead), weight=int(weight))


def _texts(values: tuple | frozenset) -> bool:
    """Whether `values` is a tuple or frozenset of strings (checked in C, not a loop)."""
    return type(values) in (tuple, frozenset) and set(map(type, values)) <= _TEXT


def _row(row: tuple) -> tuple[type, ...] | None:
    """The types of the values of a tuple, in order; None for anything else."""
    return tuple(map(type, row)) if type(row) is tuple else None


def _rows(rows: tuple, types: tuple[type, ...]) -> bool:
    """Whether `rows` is a tuple of tuples whose values have these types, in this order."""
    return (type(rows) is tuple and set(map(type, rows)) <= _TUPLE
            and {tuple(map(type, row)) for row in rows} <= {types})


_TEXT, _TUPLE = {str}, {tuple}
_PAIR, _IMAGE = (str, str), (str, str, str, str)
_WARNING, _LINK = (int, str), (str, str, str, int)
