"""Parsing what changed: the articles of the last build are reused by path and content.

The parse phase itself (`articles.parse_source`, `articles.place_article`) is plain; here
it runs on the files that are new or changed only, on every core when there are many.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from operator import itemgetter

from ..articles import decode, parse_source, place_article
from ..config import Config
from ..errors import DigestError, Problem
from ..markup import Renderer
from ..model import Article, ParsedArticle
from ..project import Project
from ..workers import PARSE_MIN, run_in_parallel
from . import store
from .store import ParseCache

# Files changed this shortly before a build read them are read again by the next one: a
# second change could keep their stamp (coarse clocks, file systems with 2-second times).
RACY_NS = 2_000_000_000


def parse_articles(project: Project, config: Config, parse_cache: ParseCache,
                   changed: frozenset[str] | None = None,
                   progress: Callable[[str, int, int], None] | None = None
                   ) -> tuple[list[Article], dict[str, str], list[Problem]]:
    """Every article parsed, each file's content hash, and the problems of those that failed.

    A file whose path and bytes are in the cache is not parsed again; the others are parsed
    on every core when there are many. Given the `changed` paths (the dev server), only
    those are looked at.
    """
    parse_cache.reset_unless(store.parse_key(config))
    if (changed is not None and parse_cache.files is not None and parse_cache.last is not None
            and project.refresh_articles(parse_cache.files, changed)):
        parsed, sources, problems = _parse_changed(config, parse_cache, changed, progress)
    else:
        parsed, sources, problems = _parse_all(project, config, parse_cache, progress)
    articles, place_problems = _place_articles(parsed, config, parse_cache)
    return articles, sources, problems + place_problems


def _place_articles(parsed: list[ParsedArticle], config: Config, parse_cache: ParseCache
                    ) -> tuple[list[Article], list[Problem]]:
    """Each parsed article placed in the site; the very Article of the last call for a
    parsed article that is the very same object, under the same settings."""
    if parse_cache.placed_for != config:
        parse_cache.placed, parse_cache.placed_for = {}, config
    # by identity, the parsed articles being kept alive there: looked up all at once
    keys = list(map(id, parsed))
    pairs = list(map(parse_cache.placed.get, keys))
    problems: list[Problem] = []
    if None in pairs:
        for index in [index for index, pair in enumerate(pairs) if pair is None]:
            try:
                pairs[index] = (parsed[index], place_article(parsed[index], config))
            except DigestError as err:
                problems.extend(err.problems)
    parse_cache.placed = {key: pair for key, pair in zip(keys, pairs) if pair is not None} \
        if problems else dict(zip(keys, pairs))
    return list(map(_ARTICLE, filter(None, pairs))), problems


_ARTICLE = itemgetter(1)


def _parse_all(project: Project, config: Config, parse_cache: ParseCache,
               progress: Callable[[str, int, int], None] | None = None
               ) -> tuple[list[ParsedArticle], dict[str, str], list[Problem]]:
    started = time.time_ns()
    stamps = parse_cache.stamps

    def unchanged(path: str, stamp: tuple[int, int, int, int]) -> bool:
        known = stamps.get(path)
        return (known is not None and known[0] == stamp
                and (path, known[1]) in parse_cache.entries)

    found, problems = project.read_articles(parse_cache.files, unchanged)
    if parse_cache.files is None:  # a build: files with the stamp of last time are not read
        hashes = {path: stamps[path][1] if data is None else store.content_hash(data)
                  for path, data, _ in found}
        # A file changed just before it was read could change again with the same stamp
        # (git's "racy" case): it is read again next time.
        parse_cache.stamps = {path: (stamp, hashes[path]) for path, _, stamp in found
                              if stamp[3] < started - RACY_NS}
    else:
        hashes = {path: parse_cache.hash_of(path, data) for path, data, _ in found}
        parse_cache.hashes = {path: parse_cache.hashes[path] for path in hashes}
    kept = {(path, hashes[path]): parse_cache.entries.get((path, hashes[path]))
            for path, _, _ in found}
    todo = [(path, data) for path, data, _ in found if kept[(path, hashes[path])] is None]
    for (path, _), outcome in zip(todo, _parse(config, todo, progress, parse_cache.park)):
        if isinstance(outcome, ParsedArticle):
            kept[(path, hashes[path])] = outcome
        else:
            problems.extend(outcome)
    parse_cache.parked_all()
    parse_cache.entries = {key: article for key, article in kept.items() if article is not None}
    if parse_cache.files is not None:
        parse_cache.last = {path: kept[(path, hashes[path])] for path, _, _ in found}
        parse_cache.sources = hashes
    articles = [kept[(path, hashes[path])] for path, _, _ in found]
    return [a for a in articles if a is not None], hashes, problems


def _parse_changed(config: Config, parse_cache: ParseCache, changed: frozenset[str],
                   progress: Callable[[str, int, int], None] | None = None
                   ) -> tuple[list[ParsedArticle], dict[str, str], list[Problem]]:
    """parse_articles for the dev server, when only the `changed` files can differ."""
    assert parse_cache.files is not None and parse_cache.last is not None
    problems: list[Problem] = []
    todo: list[tuple[str, bytes]] = []
    for path in sorted(changed):
        old_hash = parse_cache.sources.get(path)
        known = parse_cache.files.get(path)
        digest = None if known is None else parse_cache.hash_of(path, known[1])
        if digest is not None and digest == old_hash and path in parse_cache.last:
            continue  # touched, not changed
        if old_hash is not None:
            parse_cache.entries.pop((path, old_hash), None)
            del parse_cache.sources[path]
        if known is None or digest is None:  # gone
            parse_cache.last.pop(path, None)
            parse_cache.hashes.pop(path, None)
            continue
        parse_cache.sources[path] = digest
        todo.append((path, known[1]))
    for (path, _), outcome in zip(todo, _parse(config, todo, progress)):
        if isinstance(outcome, ParsedArticle):
            parse_cache.last[path] = parse_cache.entries[(path, parse_cache.sources[path])] = \
                outcome
        else:
            parse_cache.last[path] = None
            problems.extend(outcome)
    articles = [article for article in parse_cache.last.values() if article is not None]
    return articles, parse_cache.sources, problems


def _parse(config: Config, todo: list[tuple[str, bytes]],
           progress: Callable[[str, int, int], None] | None = None,
           receive: Callable[[list], list] | None = None
           ) -> list[ParsedArticle | list[Problem]]:
    """Each file parsed, on every core when there are many; `receive` is given the results
    as they come, and returns what to keep (see ParseCache.park)."""
    parsed = run_in_parallel(_parse_chunk, config, todo, PARSE_MIN, progress=progress and (
        lambda done, total: progress("parsing", done, total)), picklable=True,
        receive=receive)
    if parsed is None:
        parsed = _parse_chunk(config, todo)
        if receive is not None:
            parsed = receive(parsed)
    return parsed


def _parse_chunk(config: Config, chunk: list[tuple[str, bytes]]
                 ) -> list[ParsedArticle | list[Problem]]:
    renderer = _renderer(config)
    zone = config.zone
    results: list[ParsedArticle | list[Problem]] = []
    for path, data in chunk:
        try:
            results.append(parse_source(decode(data, path), path, zone, renderer))
        except DigestError as err:
            results.append(err.problems)
    return results


_RENDERERS: dict[object, Renderer] = {}


def _renderer(config: Config) -> Renderer:
    """One Markdown renderer per Markdown options, kept: making one costs more than a short
    article."""
    renderer = _RENDERERS.get(config.markdown)
    if renderer is None:
        _RENDERERS.clear()
        renderer = _RENDERERS[config.markdown] = Renderer(config)
    return renderer


