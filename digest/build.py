"""A build, as phases in the order they run: read, parse, group, plan, render, write."""

from __future__ import annotations

import dataclasses
import gc
import os
import stat
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path

from . import cache, feeds
from .articles import decode, parse_source, place_article
from .cache import Fingerprints, ParseCache, RenderCache
from .config import Config
from .errors import DigestError, Problem, problem
from .markup import Renderer
from .model import Article, ParsedArticle
from .output import (MANIFEST, Content, Kept, Stage, Staged, WriteReport, check_output_folder,
                     read_manifest, write_site, write_staged)
from .pages import Page, plan_pages
from .project import Project
from .render import make_environment, render
from .site import Site, group_site, select
from .workers import PARSE_MIN, RENDER_MIN, run_in_parallel


# Files changed this shortly before a build read them are read again by the next one: a
# second change could keep their stamp (coarse clocks, file systems with 2-second times).
RACY_NS = 2_000_000_000


@dataclass(frozen=True)
class Options:
    drafts: bool = False  # include articles marked draft: true
    future: bool = False  # include articles dated after the build time
    clean: bool = False  # write every file again instead of keeping unchanged ones
    # told (what, done, total) as articles are parsed and pages rendered, for a progress bar
    progress: Callable[[str, int, int], None] | None = field(default=None, compare=False)


@dataclass(frozen=True)
class Result:
    site: Site
    files: dict[str, Content]
    pages: int
    feeds: int
    seconds: float
    report: WriteReport | None = None


def build_time() -> datetime:
    """Now, or SOURCE_DATE_EPOCH for reproducible builds."""
    epoch = os.environ.get("SOURCE_DATE_EPOCH")
    if epoch and epoch.strip().isdigit():
        return datetime.fromtimestamp(int(epoch), timezone.utc)
    return datetime.now(timezone.utc)


def build(project: Project, config: Config, options: Options, now: datetime,
          write: bool = True) -> Result:
    """Build the site; every problem is raised at once, before anything is written.

    What an earlier build left in .digest-cache/ and in the output folder is reused,
    unless `options.clean`; `write=False` (digest check) writes neither.
    """
    started = time.perf_counter()
    output = project.output(config)
    if write:
        check_output_folder(output, project.root, config.output)
    reuse = not options.clean
    parse_cache = cache.load_articles(project.root, config) if reuse else ParseCache()
    render_cache = cache.load_pages(project.root) if reuse else RenderCache()
    previous = Previous.of(output) if reuse and write else None
    stage = Stage(output) if write else None
    # A build makes few reference cycles and lives briefly: the collector's passes over tens
    # of thousands of articles and pages (and over the memory forked workers share) are waste.
    collecting = gc.isenabled()
    gc.disable()
    try:
        # the parsed articles are saved while the workers render: they are good whatever
        # happens next
        save = (lambda: cache.save_articles(project.root, parse_cache)) if write else None
        result = assemble(project, config, options, now, parse_cache, render_cache, previous,
                          stage=stage, meanwhile=save)
        report = None
        if write:
            report = write_site(result.files, output, reuse=reuse, stage=stage,
                                spare=project.root / cache.CACHE_FOLDER / cache.SPARE_OUTPUT)
    finally:
        if stage is not None:
            stage.close()
        if collecting:
            gc.enable()
    if report is not None:
        render_cache.written = report.manifest
        cache.save_pages(project.root, render_cache)
    return dataclasses.replace(result, seconds=time.perf_counter() - started, report=report)


def assemble(project: Project, config: Config, options: Options, now: datetime,
             parse_cache: ParseCache, render_cache: RenderCache,
             previous: Previous | None = None, previous_site: Site | None = None,
             changed: frozenset[str] | None = None, stage: Stage | None = None,
             meanwhile: Callable[[], None] | None = None) -> Result:
    """Everything the output folder will hold, in memory. The caches make a rebuild cheap;
    `changed` names the only article files that changed since the last call, if known.
    With `stage`, pages rendered in bulk go straight into the new output folder.
    `meanwhile` is done once the articles are parsed, while pages render."""
    articles, sources, problems = parse_articles(project, config, parse_cache, changed,
                                                 options.progress)
    site, site_problems = group_site(select(articles, now, options.drafts, options.future),
                                     config, previous_site)
    if problems or site_problems:
        raise DigestError(problems + site_problems)
    pages = plan_pages(site, config, render_cache.plan)
    files = render_site(project, config, site, pages, now, render_cache, sources, previous,
                        stage, meanwhile, options.progress)
    files = add_static(files, project)
    return Result(site, files, len(pages), _count_feeds(files), 0.0)


@dataclass(frozen=True)
class Previous:
    """The output of the last build, whose files can stand in for pages that did not change."""

    output: Path
    manifest: dict[str, str]
    finished: int  # when its manifest was written, in ns: its files are not newer

    @classmethod
    def of(cls, output: Path) -> Previous | None:
        try:
            finished = os.stat(output / MANIFEST).st_mtime_ns
        except OSError:
            return None
        return cls(output, read_manifest(output) or {}, finished)

    def kept(self, name: str) -> Kept | None:
        """The file as digest wrote it, if it is still there and untouched since: a file
        changed by hand is newer than the manifest written after it."""
        digest = self.manifest.get(name)
        if digest is None:
            return None
        try:
            info = os.lstat(os.path.join(self.output, name))
        except OSError:
            return None
        if not stat.S_ISREG(info.st_mode) or info.st_mtime_ns > self.finished:
            return None
        return Kept(digest, info.st_size)


# digest writes these, but a file of the same name in static/ is meant to replace them
_REPLACEABLE = frozenset({"theme.css", ".nojekyll", "CNAME", "robots.txt"})


def add_static(files: dict[str, Content], project: Project) -> dict[str, Content]:
    """The built files plus static/; a static file may not take a page's place."""
    static, problems = project.static_files()
    for name in sorted(static.keys() & files.keys() - _REPLACEABLE):
        problems.append(Problem(f"static/{name}", 0, "has the same path as a file digest "
                                                     "writes; rename or remove it"))
    if problems:
        raise DigestError(problems)
    return {**files, **static}


def parse_articles(project: Project, config: Config, parse_cache: ParseCache,
                   changed: frozenset[str] | None = None,
                   progress: Callable[[str, int, int], None] | None = None
                   ) -> tuple[list[Article], dict[str, str], list[Problem]]:
    """Every article parsed, each file's content hash, and the problems of those that failed.

    A file whose path and bytes are in the cache is not parsed again; the others are parsed
    on every core when there are many. Given the `changed` paths (the dev server), only
    those are looked at.
    """
    parse_cache.reset_unless(cache.parse_key(config))
    if (changed is not None and parse_cache.files is not None and parse_cache.last is not None
            and project.refresh_articles(parse_cache.files, changed)):
        parsed, sources, problems = _parse_changed(config, parse_cache, changed)
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
    known, placed = parse_cache.placed, {}
    articles: list[Article] = []
    problems: list[Problem] = []
    for item in parsed:
        same = known.get(item.path)
        if same is not None and same[0] is item:
            article = same[1]
        else:
            try:
                article = place_article(item, config)
            except DigestError as err:
                problems.extend(err.problems)
                continue
        placed[item.path] = (item, article)
        articles.append(article)
    parse_cache.placed = placed
    return articles, problems


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
        hashes = {path: stamps[path][1] if data is None else cache.content_hash(data)
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
    parsed = run_in_parallel(_parse_chunk, config, todo, PARSE_MIN, progress=progress and (
        lambda done, total: progress("parsing", done, total)))
    if parsed is None:
        parsed = _parse_chunk(config, todo)
    for (path, _), outcome in zip(todo, parsed):
        if isinstance(outcome, ParsedArticle):
            kept[(path, hashes[path])] = outcome
        else:
            problems.extend(outcome)
    parse_cache.entries = {key: article for key, article in kept.items() if article is not None}
    if parse_cache.files is not None:
        parse_cache.last = {path: kept[(path, hashes[path])] for path, _, _ in found}
        parse_cache.sources = hashes
    articles = [kept[(path, hashes[path])] for path, _, _ in found]
    return [a for a in articles if a is not None], hashes, problems


def _parse_changed(config: Config, parse_cache: ParseCache, changed: frozenset[str]
                   ) -> tuple[list[ParsedArticle], dict[str, str], list[Problem]]:
    """parse_articles for the dev server, when only the `changed` files can differ."""
    assert parse_cache.files is not None and parse_cache.last is not None
    problems: list[Problem] = []
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
        outcome = _parse_chunk(config, [(path, known[1])])[0]
        if isinstance(outcome, ParsedArticle):
            parse_cache.last[path] = parse_cache.entries[(path, digest)] = outcome
        else:
            parse_cache.last[path] = None
            problems.extend(outcome)
    articles = [article for article in parse_cache.last.values() if article is not None]
    return articles, parse_cache.sources, problems


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


def render_site(project: Project, config: Config, site: Site, pages: list[Page],
                now: datetime, render_cache: RenderCache, sources: dict[str, str],
                previous: Previous | None = None, stage: Stage | None = None,
                also: Callable[[], None] | None = None,
                progress: Callable[[str, int, int], None] | None = None) -> dict[str, Content]:
    """Every page, feed and extra file as bytes, keyed by its path in the output.

    A page whose fingerprint (template, title, URL, feeds, context) is the same as last time
    is not rendered again: its bytes come from memory (dev server) or from the previous
    output (digest build). An edited article re-renders only the pages that show it.
    With `stage`, many pages to render are written into the new output folder instead of
    returned as bytes; `also` is done by the main process while worker processes render.
    """
    render_cache.reset_unless(cache.settings_key(config, cache.template_hashes(project)))
    favicon = project.favicon(config)
    fingerprints = Fingerprints(render_cache.key, sources, render_cache.articles,
                                render_cache.values)
    fingerprints.forget_articles_except(site.articles)
    files: dict[str, Content] = {}
    done: dict[str, bytes] = {}

    last_prints = render_cache.fingerprints

    def previous_file(name: str, print_: str) -> Kept | None:
        """The last build's file, if it was made from the same fingerprint and is intact."""
        if (last_prints.get(name) == print_
                and render_cache.written.get(name) == previous.manifest.get(name)):
            return previous.kept(name)
        return None

    reusable = previous is not None or bool(render_cache.pages)
    prints: list[str] | None = None
    todo: list[int] = []
    # The same settings, templates, favicon and published articles (by path and content)
    # plan the same pages: their fingerprints are those of last time, not worked out again.
    inputs = fingerprints.of(favicon, sorted((a.path, sources[a.path]) for a in site.articles))
    if reusable and inputs == render_cache.inputs:
        prints = [last_prints.get(page.output, "") for page in pages]
        if "" in prints:
            prints = None
    if reusable:
        if prints is None:
            prints = render_cache.page_fingerprints(pages, favicon, fingerprints)
        for index, (page, print_) in enumerate(zip(pages, prints)):
            html = render_cache.pages.get(print_)
            if html is None and previous:
                html = previous_file(page.output, print_)
            if html is None:
                todo.append(index)
            else:
                files[page.output] = html
                if isinstance(html, bytes):
                    done[print_] = html
    else:
        todo = list(range(len(pages)))  # a first build: every page is rendered
    if render_cache.environment is None:
        render_cache.environment = make_environment(project.layouts, config, project.root)

    def reuse_feed(name: str, key: str) -> Content | None:
        data = render_cache.feeds.get(f"{key} {name}")
        if data is None and previous:
            data = previous_file(name, key)
        return data

    feed_keys: dict[str, str] = {}
    made: dict[str, Content] = {}
    ran: list[bool] = []

    def meanwhile() -> None:
        """The main process's share, done while the workers render."""
        nonlocal prints
        if also is not None:
            also()
        if prints is None:
            prints = render_cache.page_fingerprints(pages, favicon, fingerprints)
        made.update(feeds.feed_files(config, site, pages, now, fingerprints.of, reuse_feed,
                                     feed_keys, render_cache.sitemap))
        ran.append(True)

    # Many pages (a first build, a changed template) are written into the new output folder
    # as they are rendered, by every core, rather than held in memory.
    target = stage.open() if stage is not None and len(todo) >= RENDER_MIN else None
    shared = (render_cache.environment, config, pages, favicon, target,
              stage.output if stage is not None else None)
    rendered = run_in_parallel(_render_chunk, shared, todo, RENDER_MIN, meanwhile,
                               progress and (lambda done, total: progress("rendering", done,
                                                                          total)))
    if rendered is None:
        rendered = _render_chunk(shared, todo)
    if not ran:
        meanwhile()
    assert prints is not None
    problems: list[Problem] = []
    for index, outcome in zip(todo, rendered):
        if isinstance(outcome, bytes):
            files[pages[index].output] = done[prints[index]] = outcome
        elif isinstance(outcome, Staged):
            files[pages[index].output] = outcome
        else:
            problems.extend(outcome)
    if problems:
        raise DigestError(problems)
    render_cache.pages = done
    render_cache.fingerprints = {page.output: print_ for page, print_ in zip(pages, prints)}
    render_cache.inputs = inputs
    render_cache.values = fingerprints.memo
    render_cache.feeds = {f"{feed_keys[name]} {name}": data for name, data in made.items()
                          if name in feed_keys and isinstance(data, bytes)}
    render_cache.fingerprints.update(feed_keys)
    files.update(made)
    files["theme.css"] = (Path(__file__).parent / "theme" / "static" / "theme.css").read_bytes()
    files[".nojekyll"] = b""
    if config.cname:
        files["CNAME"] = f"{config.cname}\n".encode()
    return files


def _render_chunk(shared: tuple, chunk: list[int]) -> list[bytes | Staged | list[Problem]]:
    """Each page's bytes, or where it was written when there is a target folder."""
    environment, config, pages, favicon, target, output = shared
    common = {"theme_css": f"{config.base_path}theme.css", "favicon": favicon}
    results: list[bytes | Staged | list[Problem]] = []
    failed: set[str] = set()
    cannot_write = False
    for index in chunk:
        page = pages[index]
        if page.template in failed or cannot_write:
            results.append([])  # one message per broken template, not one per page
            continue
        try:
            html = render(environment, page.template, {**common, **page.context, "page": page})
            data = html.encode("utf-8")
            results.append(data if target is None else write_staged(target, page.output, data))
        except DigestError as err:
            failed.add(page.template)
            results.append(err.problems)
        except OSError as err:  # writing into the new output folder: a full disk, say
            cannot_write = True
            where = f" ({err.filename})" if err.filename else ""
            results.append([problem(output, 0, f"cannot write the output: "
                                               f"{err.strerror or err}{where}")])
    return results


def _count_feeds(files: dict[str, Content]) -> int:
    return sum(1 for name in files if name.endswith("feed.xml"))
