"""Page fingerprints: stable digests of what goes into each page, the same in every process
and every run, so that a page whose fingerprint did not change is not rendered again."""

from __future__ import annotations

import dataclasses
import hashlib
from datetime import date, datetime

from ..model import Article, Heading
from ..pages import Pagination
from .store import RenderCache


class Fingerprints:
    """Stable digests of model values, the same in every process and every run.

    An article is known by its path, its source's hash and the canonical names of its topic
    and tags (the only things grouping changes in it); anything else by its fields. Values seen
    before in this build are not walked again.
    """

    def __init__(self, key: str, sources: dict[str, str],
                 articles: dict[int, tuple[Article, bytes]] | None = None,
                 values: dict[int, tuple[object, bytes]] | None = None):
        self.key = key
        self.sources = sources  # article path -> content hash
        # Values keep their identity between the dev server's rebuilds: their digests too.
        # Those of the last rebuild are in `_earlier`; those this one used move to `memo`.
        self._earlier = values if values is not None else {}
        self.memo: dict[int, tuple[object, bytes]] = {}
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
        known = self.memo.get(id(value))
        if known is not None:
            return known[1]
        known = self._earlier.get(id(value))
        if known is not None and known[0] is value:
            self.memo[id(value)] = known
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
        memo = self._articles if isinstance(value, Article) else self.memo
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
    if value is None or isinstance(value, (str, int, Pagination, Heading)):
        return value
    if isinstance(value, tuple):  # a page's slice of a listing is a new tuple every time
        return tuple(map(_identity, value))
    return id(value)


def page_fingerprints(memory: RenderCache, pages: list, favicon: str | None,
                      fingerprints: Fingerprints) -> list[str]:
    """Each page's fingerprint; a page made of the very objects seen last time (an
    unchanged article between the dev server's rebuilds) is not digested again, and the
    very page planned last time is not even looked into."""
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
                fingerprints.of(page.template, page.url, page.title, page.feeds, favicon,
                                page.context), (values, page.feeds))
        by_page[id(page)] = (page, entry[0], identity)
        found.append(entry[0])
    if len(by_page) > 2 * len(pages) + 1000:  # forget what these pages no longer use
        memory.by_page = {id(page): by_page[id(page)] for page in pages}
        memory.by_identity = {kept[2]: by_identity[kept[2]] for kept in memory.by_page.values()}
    return found
