"""A build, as phases in the order they run: read, parse, group, plan, render, write."""

from __future__ import annotations

import dataclasses
import functools
import gc
import os
import time
from collections.abc import Callable, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, time as dt_time, timedelta, timezone
from itertools import takewhile
from pathlib import Path
from typing import TYPE_CHECKING

from . import checks
from .config import Config
from .errors import DigestError, Problem
from .model import Article
from .output import Content, Stage, WriteReport, check_output_folder, write_site
from .project import Project
from .reuse import CACHE_FOLDER, SPARE_OUTPUT, snapshot
from .site import Site, select

if TYPE_CHECKING:
    from .reuse.phases import Previous, Reuse
    from .search import SearchIndex


@dataclass(frozen=True)
class Options:
    drafts: bool = False  # include articles marked draft: true
    future: bool = False  # include articles dated after the build time
    clean: bool = False  # write every file again instead of keeping unchanged ones
    # told (what, done, total) as articles are parsed and pages rendered, for a progress bar
    progress: Callable[[str, int, int], None] | None = field(default=None, compare=False)
    strict: bool = False  # warnings are problems: the build fails and writes nothing


@dataclass(frozen=True)
class Result:
    site: Site | None  # None when nothing had changed and the build did not run
    files: dict[str, Content]
    pages: int
    feeds: int  # the RSS feeds, counted by `build`, which tells them (the dev server does not)
    seconds: float
    report: WriteReport | None = None
    warnings: tuple[Problem, ...] = ()  # mistakes that still build, by path and line
    left_out: str = ""  # "1 draft and 1 future article left out: --drafts, --future"
    articles: int = 0  # published
    until: float | None = None  # when time alone changes what the build writes (a timestamp)


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
    with _no_collector():
        return _build(project, config, options, now, write)


@contextmanager
def _no_collector():
    """A build makes few reference cycles and lives briefly: the collector's passes over tens
    of thousands of articles and pages (and over the memory forked workers share) are waste."""
    collecting = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if collecting:
            # what the build made is left out of the collector's passes: turned on with it
            # all in its youngest generation, it would walk it all at once (a quarter of a
            # second at 10,000 articles) to free almost nothing, as it cycles little
            gc.freeze()
            gc.enable()


def _build(project: Project, config: Config, options: Options, now: datetime,
           write: bool) -> Result:
    started = time.perf_counter()
    output = project.output(config)
    keep = not options.clean
    cache = project.root / CACHE_FOLDER
    inputs = None
    settings = (config, dataclasses.replace(options, progress=None), output)
    if write and keep:  # taken before any input is read: an edit from now on is seen
        inputs = snapshot.stamp(project, settings)
        told = snapshot.unchanged(cache, inputs, output, now)
        if told is not None:  # nothing to do: what the last build told is still true
            return Result(None, {}, told.pages, told.feeds, time.perf_counter() - started,
                          WriteReport(0, 0, {}, size=told.size), told.warnings,
                          told.left_out, told.articles)
    # the phases' code, loaded only now: a build that would change nothing needs none of it
    from .reuse.phases import Previous, Reuse
    from .search import SearchIndex
    from .workers import worker_count

    if write:
        snapshot.forget(cache)  # from here on the output may change
        check_output_folder(output, project.root, config.output)
    reuse = Reuse.load(project.root, config) if keep else Reuse()
    if write:  # the bodies of the articles it parses wait in .digest-cache/, not in memory
        reuse.parsed.parking = cache
    previous = Previous.of(output) if keep and write else None
    spare = cache / SPARE_OUTPUT if keep else None
    stage = Stage(output, spare) if write else None
    try:
        # the parsed articles are saved while the workers render: they are good whatever
        # happens next
        save = (lambda: reuse.save_articles(project.root)) if write else None
        search = SearchIndex(cache / "search", worker_count(), fresh=not keep) if write else None
        result = assemble(project, config, options, now, reuse, previous, stage=stage,
                          meanwhile=save, search=search)
        result = dataclasses.replace(result, feeds=_count_feeds(result.files))
        report = None
        if write:
            report = write_site(result.files, output, stage=stage, reuse=keep)
    finally:
        if stage is not None:
            stage.close()
    if report is not None:
        reuse.save_pages(project.root, report.manifest)
        read = {path: digest for path, digest in reuse.parsed.entries}
        snapshot.save(cache, snapshot.settled(project, settings, inputs, read), output,
                      result.until,
                      snapshot.Told(result.articles, result.pages, result.feeds, report.size,
                                    result.warnings, result.left_out), report.sizes or {})
    return dataclasses.replace(result, seconds=time.perf_counter() - started, report=report)


def assemble(project: Project, config: Config, options: Options, now: datetime, reuse: Reuse,
             previous: Previous | None = None, changed: frozenset[str] | None = None,
             stage: Stage | None = None, meanwhile: Callable[[], None] | None = None,
             search: SearchIndex | None = None) -> Result:
    """Everything the output folder will hold, in memory: the phases in order, each run by
    `reuse` on what changed since it last ran them. `changed` names the only article files
    that changed since the last call, if known. With `stage`, pages rendered in bulk go
    straight into the new output folder. `meanwhile` is done once the articles are parsed,
    while pages render. `search` makes the search index (none: `digest check`)."""
    articles, sources, problems = reuse.articles(project, config, changed, options.progress)
    site, site_problems = reuse.group(select(articles, now, options.drafts, options.future),
                                      config)
    if problems or site_problems:
        raise DigestError(problems + site_problems)
    if search is not None:  # Pagefind indexes while the pages are planned and rendered
        search.begin(config, site.articles, sources)
    pages = reuse.plan(site, config, now.astimezone(config.zone).date())
    files = reuse.render(project, config, site, pages, now, sources, previous, stage,
                         meanwhile, options.progress)
    files.update(theme_files(config))
    if search is not None:
        files.update(search.files(config, site.articles, sources, previous))
    files = add_static(files, reuse.static_files(project, changed))
    warnings = tuple(reuse.warnings(project, config, site, files.keys()))
    if options.strict and warnings:
        raise DigestError(list(warnings))
    # every article published: none left out, and all of them newest first in the site
    every = len(site.articles) == len(articles)
    return Result(site, files, len(pages), 0, 0.0, warnings=warnings,
                  left_out="" if every else checks.left_out(articles, now, options.drafts,
                                                            options.future),
                  articles=len(site.articles),
                  until=_until(site.articles if every else articles, now, site, config,
                               newest_first=every))


@functools.cache
def _theme_file(name: str) -> bytes:
    """One of the theme's static files, package data: read once per process, so that the
    dev server hands the same bytes to every rebuild and they are not hashed again."""
    return (Path(__file__).parent / "theme" / "static" / name).read_bytes()


def theme_files(config: Config) -> dict[str, Content]:
    """The theme's stylesheet and script, and what GitHub Pages reads."""
    files: dict[str, Content] = {"theme.css": _theme_file("theme.css"),
                                 "share.js": _theme_file("share.js"), ".nojekyll": b""}
    if config.cname:
        files["CNAME"] = f"{config.cname}\n".encode()
    return files


# digest writes these, but a file of the same name in static/ is meant to replace them
_REPLACEABLE = frozenset({"theme.css", "share.js", ".nojekyll", "CNAME", "robots.txt"})


def add_static(files: dict[str, Content],
               found: tuple[dict[str, Path], list[Problem]]) -> dict[str, Content]:
    """The built files with static/ (as Project.static_files finds it) added to them; a
    static file may not take a page's place."""
    static, problems = found
    problems = list(problems)
    for name in sorted(static.keys() & files.keys() - _REPLACEABLE):
        problems.append(Problem(f"static/{name}", 0, "has the same path as a file digest "
                                                     "writes; rename or remove it"))
    if problems:
        raise DigestError(problems)
    files.update(static)  # in the dict the phases made for this build: no copy of it
    return files


def _until(articles: Sequence[Article], now: datetime, site: Site, config: Config,
           newest_first: bool = False) -> float | None:
    """The first moment after `now` at which the output changes with time alone: an article
    dated later appears, one leaves the news sitemap, or the next midnight in the site's
    timezone moves the "Today" and "Yesterday" labels of the days shown. `newest_first`:
    the articles are in the site's order, so those of the news sitemap's window come first
    and the look stops at the first one older."""
    from .feeds.sitemaps import NEWS_WINDOW  # with the phases (see _build)

    at, window = now.timestamp(), NEWS_WINDOW.total_seconds()
    if newest_first:
        soon = list(takewhile(lambda stamp: stamp > at - window,
                              (a.stamp for a in articles)))
    else:
        soon = [a.stamp for a in articles if a.stamp > at - window]  # one pass
    later = min((stamp for stamp in soon if stamp > at), default=None)
    recent = min(soon, default=None)
    today = now.astimezone(config.zone).date()
    labelled = {today - timedelta(days=1), today, today + timedelta(days=1)}
    midnight = None
    if any(day.date in labelled for day in site.days):
        midnight = datetime.combine(today + timedelta(days=1), dt_time(0),
                                    config.zone).timestamp()
    moments = [moment for moment in (later, None if recent is None else recent + window,
                                     midnight) if moment is not None and moment > at]
    return min(moments) if moments else None


def _count_feeds(files: dict[str, Content]) -> int:
    """The RSS feeds: the files named feed.xml."""
    return sum(1 for name in files if name.endswith("feed.xml"))
