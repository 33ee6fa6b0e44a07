"""Page fingerprints: stable digests of what goes into each page, the same in every process
and every run, so that a page whose fingerprint did not change is not rendered again."""

from __future__ import annotations

import dataclasses
import hashlib
from collections.abc import Sequence
from datetime import date, datetime

from ..model import Article, Heading, Label
from ..pages import Pagination
from . import reads as theme_reads
from .store import RenderCache


class Fingerprints:
    """Stable digests of model values, the same in every process and every run.

    An article is known by its path, its source's hash and the canonical names of its topic
    and tags (the only things grouping changes in it); anything else by its fields. Values seen
    before in this build are not walked again. With `reads` (the site uses the theme's
    templates alone), a page's data and a part are known by what the theme reads of them
    (see reads.py).
    """

    def __init__(self, key: str, sources: dict[str, str],
                 articles: dict[int, tuple[Article, bytes]] | None = None,
                 values: dict[int, tuple[object, bytes]] | None = None,
                 remember: bool = False, reads: bool = False):
        self.key = key
        self.reads = reads
        self.sources = sources  # article path -> content hash
        # whether pages are remembered by what they are made of, for the next rebuild (the
        # dev server's); a build's process ends with the build
        self.remember = remember
        self._labels: dict[Label, bytes] = {}  # each article has its own: known by value
        # Values keep their identity between the dev server's rebuilds: their digests too,
        # kept from rebuild to rebuild (a month's unchanged days, say, which an edit of one
        # day does not digest again), each with its value, so that its id stays its own.
        self.memo = values if values is not None else {}
        self._articles = articles if articles is not None else {}

    def of_page(self, page, favicon: str | None) -> str:
        """A page's fingerprint: everything that goes into rendering it."""
        digest = hashlib.blake2b(self.key.encode(), digest_size=16)
        head = "".join([f"{len(part)}:{part}" for part in (
            page.template, page.url, page.title, favicon or "")])
        digest.update(head.encode("utf-8", "surrogatepass"))
        digest.update(self._digest(page.feeds))
        context = page.context
        readers = theme_reads.PAGES.get(page.template) if self.reads else None
        for name in sorted(context):
            value = context[name]
            if readers is not None and name in readers:
                value = repr(readers[name](value))
            digest.update(self._digest(name))
            digest.update(self._digest(value))
        return digest.hexdigest()

    def of_part(self, favicon: str | None, part: tuple) -> str:
        """A part's fingerprint (see layout_fingerprints)."""
        return self.of(favicon, theme_reads.read_part(part) if self.reads else part)

    def of(self, *values: object) -> str:
        digest = hashlib.blake2b(self.key.encode(), digest_size=16)
        for value in values:
            digest.update(self._digest(value))
        return digest.hexdigest()

    def _digest(self, value: object) -> bytes:
        kind = type(value)
        if kind is str:
            data = value.encode("utf-8", "surrogatepass")
            return b"s%d:%b" % (len(data), data)
        if kind is Article:
            known = self._articles.get(id(value))
            if known is not None and known[0] is value:
                return known[1]
            return self._article(value)
        if kind is tuple:  # the same tuple (a topic's feeds, say) is in many pages
            known = self.memo.get(id(value))
            if known is not None:
                return known[1]
            digest = b"(%d:%b)" % (len(value), b"".join([self._digest(item) for item in value]))
            self.memo[id(value)] = (value, digest)
            return digest
        if kind is list:
            return b"[%d:%b]" % (len(value), b"".join([self._digest(item) for item in value]))
        if kind in _SCALARS:
            return repr(value).encode() + b"\0"
        if kind is Label:
            known_label = self._labels.get(value)
            if known_label is None:
                known_label = self._labels[value] = self._fields(value, kind)
            return known_label
        if kind is dict:
            return b"{%b}" % b"".join([self._digest(str(k)) + self._digest(v) for k, v in
                                       sorted(value.items(), key=lambda kv: str(kv[0]))])
        known = self.memo.get(id(value))
        if known is not None:
            return known[1]
        digest = self._fields(value, kind)
        self.memo[id(value)] = (value, digest)  # the value is kept so its id stays its own
        return digest

    def _fields(self, value: object, kind: type) -> bytes:
        """A dataclass by its type's name and its fields."""
        names = _FIELDS.get(kind)
        if names is None:
            if not dataclasses.is_dataclass(value):
                raise TypeError(f"cannot fingerprint {kind.__name__}")
            names = _FIELDS[kind] = tuple(f.name for f in dataclasses.fields(value))
        parts = (kind.__name__, *(getattr(value, name) for name in names))
        return hashlib.blake2b(self._digest(parts), digest_size=16).digest()

    def _article(self, article: Article) -> bytes:
        """An article by its path, its file's content and the names grouping gave its topic
        and tags: everything else in it comes from those and the settings."""
        parts = (article.path, self.sources[article.path], article.topic.name,
                 *(tag.name for tag in article.tags))
        text = "".join([f"{len(part)}:{part}" for part in parts])
        digest = b"a" + hashlib.blake2b(text.encode("utf-8", "surrogatepass"),
                                        digest_size=16).digest()
        self._articles[id(article)] = (article, digest)
        return digest

    def forget_articles_except(self, articles: Sequence[Article]) -> None:
        """Drop the digests of articles that are gone, so the memory does not grow: once
        there are many more than articles, not at every rebuild (a look at each)."""
        if len(self._articles) <= 2 * len(articles) + _SLACK:
            return
        alive = {id(article) for article in articles}
        for key in [key for key in self._articles if key not in alive]:
            del self._articles[key]


_FIELDS: dict[type, tuple[str, ...]] = {}
_SLACK = 1000  # pages of earlier rebuilds remembered beyond twice the site's before forgetting
_SCALARS = frozenset({type(None), int, float, bool, date, datetime})


def _identity(value: object) -> object:
    """Small values stand for themselves; anything else for the object it is."""
    if value is None or isinstance(value, (str, int, Pagination, Heading)):
        return value
    if isinstance(value, tuple):  # a page's slice of a listing is a new tuple every time
        return tuple(map(_identity, value))
    return id(value)


def page_fingerprints(memory: RenderCache, pages: list, favicon: str | None,
                      fingerprints: Fingerprints, site_pages: list) -> list[str]:
    """Each page's fingerprint; a page made of the very objects seen last time (an
    unchanged article between the dev server's rebuilds) is not digested again, and the
    very page planned last time is not even looked into. `site_pages`: all the pages of the
    site, whose fingerprints are kept for the next time."""
    if not fingerprints.remember:
        return [fingerprints.of_page(page, favicon) for page in pages]
    if favicon != memory.favicon:
        memory.by_page, memory.favicon = {}, favicon
    by_page, by_identity = memory.by_page, memory.by_identity
    found = []
    for page in pages:
        same = by_page.get(id(page))
        if same is not None and same[0] is page:
            found.append(same[1])
            continue
        values = tuple(page.context.values())
        identity = (page.template, page.url, page.title, tuple(map(id, page.feeds)),
                    favicon, tuple(page.context), tuple(map(_identity, values)))
        entry = by_identity.get(identity)
        if entry is None:
            entry = by_identity[identity] = (
                fingerprints.of_page(page, favicon), (values, page.feeds))
        by_page[id(page)] = (page, entry[0], identity)
        found.append(entry[0])
    if len(by_page) > 2 * len(site_pages) + _SLACK:  # forget the pages the site no longer has
        memory.by_page = {id(page): by_page[id(page)] for page in site_pages
                          if id(page) in by_page and by_page[id(page)][0] is page}
        memory.by_identity = {kept[2]: by_identity[kept[2]] for kept in memory.by_page.values()}
    return found


def layout_fingerprints(memory: RenderCache, pages: list, layout: list[tuple[str, object, int]],
                        favicon: str | None, fingerprints: Fingerprints
                        ) -> tuple[list[str], dict[str, str]]:
    """Each page's fingerprint, and each part's (see pages.parts), the pages being laid out
    as `layout` says: (part's key, part, how many pages), None for the site's own pages.

    A part's pages are made of it alone, so a part whose fingerprint is that of last time has
    pages whose fingerprints are those of last time: they are not worked out again. An edit
    digests the pages of the parts it is in, and the site's own pages. Between the dev
    server's rebuilds, the very part of last time is not even digested again."""
    last_parts, last_prints = memory.parts, memory.fingerprints
    by_part = memory.by_part if fingerprints.remember else {}
    found: list[str | None] = []
    parts: dict[str, str] = {}
    todo: list[int] = []
    start = 0
    for key, part, count in layout:
        same = by_part.get(key)
        if same is not None and same[0] is part and same[1] == favicon:
            parts[key] = same[2]
            found += same[3]
            start += count
            continue
        chunk = pages[start:start + count]
        if part is not None:  # as part_fingerprints
            parts[key] = print_ = fingerprints.of_part(favicon, part)
            if last_parts.get(key) == print_:
                known = [last_prints.get(page.output) for page in chunk]
                if None not in known:
                    found += known
                    start += count
                    continue
        found += [None] * count
        todo += range(start, start + count)
        start += count
    made = page_fingerprints(memory, [pages[index] for index in todo], favicon, fingerprints,
                             pages)
    for index, print_ in zip(todo, made):
        found[index] = print_
    if fingerprints.remember:
        kept, start = {}, 0
        for key, part, count in layout:
            if part is not None:
                kept[key] = (part, favicon, parts[key], found[start:start + count])
            start += count
        memory.by_part = kept
    return found, parts  # type: ignore[return-value]


def part_fingerprints(layout: list[tuple[str, object, int]], favicon: str | None,
                      fingerprints: Fingerprints) -> dict[str, str]:
    """Each part's fingerprint, as layout_fingerprints makes them."""
    return {key: fingerprints.of_part(favicon, part) for key, part, _ in layout
            if part is not None}
