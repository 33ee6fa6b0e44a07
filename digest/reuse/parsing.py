"""Parsing what changed: the articles of the last build are reused by path and content.

The parse phase itself (`articles.parse_source`, `articles.place_article`) is plain; here
it runs on the files that are new or changed only, on every core when there are many.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from operator import itemgetter

from ..articles import decode, parse_source, place_article, placement
from ..config import Config
from ..errors import DigestError, Problem
from ..markup import Renderer
from ..model import Article, ParsedArticle
from ..project import Project, read_article
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
    parsed article that is the very same object, under the same settings of placement."""
    settings = placement(config)
    if parse_cache.placed_for != settings:
        parse_cache.placed, parse_cache.placed_for = {}, settings
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
    building = parse_cache.files is None
    # A build leaves unread the files it knows unchanged, and those it has never parsed: the
    # parsers read these themselves, on every core (a first build: all of them).
    cached = {path for path, _ in parse_cache.entries} if building else set()
    unchanged: set[str] = set()

    def unread(path: str, stamp: tuple[int, int, int, int]) -> bool:
        known = stamps.get(path)
        if known is not None and known[0] == stamp and (path, known[1]) in parse_cache.entries:
            unchanged.add(path)
            return True
        return path not in cached

    found, problems = project.read_articles(parse_cache.files, unread if building else None)
    hashes: dict[str, str] = {}
    todo: list[tuple[str, bytes | None]] = []
    for path, data, _ in found:
        if data is None:
            if path in unchanged:
                hashes[path] = stamps[path][1]
            else:
                todo.append((path, None))
            continue
        hashes[path] = store.content_hash(data) if building else parse_cache.hash_of(path,
                                                                                      data)
        if (path, hashes[path]) not in parse_cache.entries:
            todo.append((path, data))
    parsed: dict[str, ParsedArticle] = {}
    for (path, _), (digest, outcome) in zip(todo, _parse(
            config, os.fspath(project.root.absolute()), todo, progress, parse_cache.park)):
        if digest is not None:
            hashes[path] = digest
        if isinstance(outcome, ParsedArticle):
            parsed[path] = outcome
        else:
            problems.extend(outcome)
    parse_cache.parked_all()
    hashes = {path: hashes[path] for path, _, _ in found if path in hashes}  # in folder order
    if building:
        # A file changed just before it was read could change again with the same stamp
        # (git's "racy" case): it is read again next time.
        parse_cache.stamps = {path: (stamp, hashes[path]) for path, _, stamp in found
                              if stamp[3] < started - RACY_NS and path in hashes}
    else:
        parse_cache.hashes = {path: parse_cache.hashes[path] for path in hashes}
    kept = {(path, digest): parsed.get(path) or parse_cache.entries.get((path, digest))
            for path, digest in hashes.items()}
    parse_cache.entries = {key: article for key, article in kept.items() if article is not None}
    if not building:
        parse_cache.last = {path: kept[(path, digest)] for path, digest in hashes.items()}
        parse_cache.sources = hashes
    return list(parse_cache.entries.values()), hashes, problems


def _parse_changed(config: Config, parse_cache: ParseCache, changed: frozenset[str],
                   progress: Callable[[str, int, int], None] | None = None
                   ) -> tuple[list[ParsedArticle], dict[str, str], list[Problem]]:
    """parse_articles for the dev server, when only the `changed` files can differ."""
    assert parse_cache.files is not None and parse_cache.last is not None
    problems: list[Problem] = []
    todo: list[tuple[str, bytes | None]] = []  # all read: the dev server keeps their bytes
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
    for (path, _), (_, outcome) in zip(todo, _parse(config, "", todo, progress)):
        if isinstance(outcome, ParsedArticle):
            parse_cache.last[path] = parse_cache.entries[(path, parse_cache.sources[path])] = \
                outcome
        else:
            parse_cache.last[path] = None
            problems.extend(outcome)
    articles = [article for article in parse_cache.last.values() if article is not None]
    return articles, parse_cache.sources, problems


# What parsing a file gave: the content hash of the bytes its parser read (None when it
# was given them), and the article, or the problems that stopped it
_Outcome = tuple[str | None, ParsedArticle | list[Problem]]


def _parse(config: Config, root: str, todo: list[tuple[str, bytes | None]],
           progress: Callable[[str, int, int], None] | None = None,
           receive: Callable[[list], list] | None = None) -> list[_Outcome]:
    """Each file parsed, on every core when there are many; a file given as None is read
    from the project folder `root` by its parser. `receive` is given the parsed articles and
    problems as they come, and returns what to keep of them (see ParseCache.park)."""
    def keep(part: list[_Outcome]) -> list[_Outcome]:
        if receive is None:
            return part
        return list(zip([digest for digest, _ in part], receive([item for _, item in part])))

    parsed = run_in_parallel(_parse_chunk, (config, root), todo, PARSE_MIN,
                             progress=progress and (lambda done, total: progress(
                                 "parsing", done, total)), picklable=True, receive=keep)
    if parsed is None:
        parsed = keep(_parse_chunk((config, root), todo))
    return parsed


def _parse_chunk(shared: tuple[Config, str], chunk: list[tuple[str, bytes | None]]
                 ) -> list[_Outcome]:
    config, root = shared
    renderer = _renderer(config)
    zone = config.zone
    results: list[_Outcome] = []
    for path, data in chunk:
        digest = None
        try:
            if data is None:
                data = read_article(root, path)
                digest = store.content_hash(data)
            results.append((digest, parse_source(decode(data, path), path, zone, renderer)))
        except DigestError as err:
            results.append((digest, err.problems))
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


