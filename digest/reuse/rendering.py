"""Rendering what changed: a page whose fingerprint is that of last time is not rendered
again; its bytes come from memory (dev server) or from the previous output (digest build).

The render phase itself (`render.render`, `feeds.write_feed`) is plain; here it runs on
the pages and feeds that changed, on every core when there are many.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from jinja2 import Environment

from .. import feeds
from ..config import Config
from ..errors import DigestError, Problem, problem
from ..feeds.model import FeedItem, feed_item
from ..feeds.sitemaps import sitemap_entry
from ..model import Article
from ..output import MANIFEST, Content, Kept, Stage, Staged, read_manifest, write_staged
from ..pages import Page
from ..project import Project
from ..render import make_environment, render
from ..site import Site
from ..workers import RENDER_MIN, run_in_parallel, threads_running
from . import store
from .fingerprints import Fingerprints, layout_fingerprints, part_fingerprints
from .store import RenderCache


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




@dataclass
class _Plan:
    """What a render reuses and what it redoes."""

    found: list[Content | None]  # each page's bytes or file reused; None: to be rendered
    files: dict[str, Content]  # feeds reused: bytes, or a file of the last output
    todo: list[int]  # pages to render, by index, then feeds, as -1 - their index
    prints: list[str] | None  # each page's fingerprint; None: made as the pages are rendered
    parts: dict[str, str] | None  # each part's fingerprint, likewise
    feed_keys: dict[str, str]  # each feed file's fingerprint


def render_site(project: Project, config: Config, site: Site, pages: list[Page],
                layout: list[tuple[str, object, int]], now: datetime,
                render_cache: RenderCache, sources: dict[str, str],
                previous: Previous | None = None, stage: Stage | None = None,
                also: Callable[[], None] | None = None,
                progress: Callable[[str, int, int], None] | None = None,
                remember: bool = False) -> dict[str, Content]:
    """Every page, feed and extra file as bytes, keyed by its path in the output.

    A page whose fingerprint (template, title, URL, feeds, context) is the same as last time
    is not rendered again: its bytes come from memory (dev server) or from the previous
    output (digest build). An edited article re-renders only the pages that show it.
    With `stage`, many pages to render are written into the new output folder instead of
    returned as bytes; `also` is done by the main process while worker processes render.
    `layout` tells which part of the site each page is of (see layout_fingerprints).
    `remember`: the pages are remembered by what they are made of, for the next call.
    """
    render_cache.reset_unless(store.settings_key(config, store.template_hashes(project)))
    favicon = project.favicon(config)
    fingerprints = Fingerprints(render_cache.key, sources, render_cache.articles,
                                render_cache.values, remember, store.theme_only(project))
    fingerprints.forget_articles_except(site.articles)
    # The same settings, templates, favicon, published articles (by path and content) and
    # day (which days are "Today" and "Yesterday") plan the same pages: their fingerprints
    # are those of last time, not worked out again. The dev server, once it knows its pages
    # by identity (see page_fingerprints), finds them at less cost than this digest of
    # every article: it does without ("").
    inputs = "" if remember and render_cache.by_page else fingerprints.of(
        favicon, now.astimezone(config.zone).date(),
        "\n".join([f"{a.path}\0{sources[a.path]}" for a in site.articles]))
    feed_sources = feeds.feed_sources(config, site)
    plan = _plan(config, pages, layout, favicon, fingerprints, inputs, feed_sources,
                 render_cache, previous)
    if render_cache.environment is None and plan.todo:
        render_cache.environment = make_environment(project.layouts, config, project.root)
    made: dict[str, Content] = {}
    ran: list[bool] = []
    # Workers started afresh (while other threads run: the dev server) are sent what they
    # render; they do not work out fingerprints, whose memory is of this process's objects.
    sent = threads_running()

    def meanwhile() -> None:
        """The main process's share, done while the workers render."""
        if also is not None:
            also()
        if plan.prints is None and sent:
            plan.prints, plan.parts = layout_fingerprints(render_cache, pages, layout,
                                                          favicon, fingerprints)
        if plan.parts is None:
            plan.parts = part_fingerprints(layout, favicon, fingerprints)
        made.update(_sitemaps(config, site, pages, now, render_cache.sitemap))
        ran.append(True)

    # Many pages (a first build, a changed template) are written into the new output folder
    # as they are rendered, by every core, rather than held in memory.
    todo = plan.todo
    target = stage.open() if stage is not None and len(todo) >= RENDER_MIN else None
    work = [pages[index] if index >= 0 else feed_sources[-1 - index] for index in todo]
    shared = (_Templates(project, config, render_cache.environment), config, work, favicon,
              target, stage.output if stage is not None else None,
              fingerprints if plan.prints is None and not sent else None)
    rendered = run_in_parallel(_render_chunk, shared, range(len(work)), RENDER_MIN, meanwhile,
                               progress and (lambda done, total: progress("rendering", done,
                                                                          total)),
                               picklable=True)
    if rendered is None:  # rendered here, after the share of the main process
        if not ran:
            meanwhile()
        rendered = _render_chunk(shared, range(len(work)))
    prints = plan.prints or [""] * len(pages)
    found = plan.found
    problems: list[Problem] = []
    for index, (outcome, print_) in zip(todo, rendered):
        if index < 0:  # a feed
            if isinstance(outcome, dict):
                made.update(outcome)
            else:
                problems.extend(outcome)
            continue
        if print_:
            prints[index] = print_
        if isinstance(outcome, (bytes, Staged)):
            found[index] = outcome
        else:
            problems.extend(outcome)
    if problems:
        raise DigestError(problems)
    # Every page has its content now, in the pages' order: the maps below are made from
    # the lists (each rebuild of the dev server makes them), with no look-up per page.
    outputs = [page.output for page in pages]
    files = dict(zip(outputs, found))
    files.update(plan.files)
    # A file of the output (Kept) stands for a page as long as the output is not replaced:
    # the dev server's, whose first rebuild starts from what a build wrote. A page a worker
    # wrote into the new output (Staged) is known by its file alone.
    render_cache.pages = dict(zip(prints, found)) if stage is None else {
        print_: data for print_, data in zip(prints, found) if not isinstance(data, Staged)}
    render_cache.fingerprints = dict(zip(outputs, prints))
    render_cache.inputs, render_cache.parts = inputs, plan.parts or {}
    # the digests of values, which grow by those of each rebuild's new values: started
    # again once they are many more than a site holds
    render_cache.values = fingerprints.memo \
        if len(fingerprints.memo) <= 4 * len(site.articles) + 10_000 else {}
    files.update(made)
    render_cache.feeds = {f"{key} {name}": files[name] for name, key in plan.feed_keys.items()
                          if isinstance(files[name], (bytes, Kept))}
    render_cache.fingerprints.update(plan.feed_keys)
    return files


def _plan(config: Config, pages: list[Page], layout: list[tuple[str, object, int]],
          favicon: str | None, fingerprints: Fingerprints, inputs: str,
          feed_sources: list[feeds.FeedSource], render_cache: RenderCache,
          previous: Previous | None) -> _Plan:
    """Which pages and feeds are reused, from memory or from the previous output, and which
    are made again."""
    last_prints = render_cache.fingerprints

    def from_output(name: str, print_: str) -> Kept | None:
        """The last build's file, if it was made from the same fingerprint and is intact."""
        if (previous is not None and last_prints.get(name) == print_
                and render_cache.written.get(name) == previous.manifest.get(name)):
            return previous.kept(name)
        return None

    def reused(made: dict[str, bytes], key: str, name: str, print_: str) -> Content | None:
        """The bytes made last time (in memory), else the last build's file."""
        data = made.get(key)
        return data if data is not None else from_output(name, print_)

    plan = _Plan([None] * len(pages), {}, [], None, None, {})
    if previous is None and not render_cache.pages:  # a first build: everything is made
        plan.todo = list(range(len(pages)))
    else:
        if inputs and inputs == render_cache.inputs:
            plan.prints = [last_prints.get(page.output, "") for page in pages]
            plan.parts = render_cache.parts
        if plan.prints is None or "" in plan.prints:
            plan.prints, plan.parts = layout_fingerprints(render_cache, pages, layout,
                                                          favicon, fingerprints)
        # the pages made last time, found at once (the dev server's: most of them), then
        # the others in the last build's output
        found = plan.found = list(map(render_cache.pages.get, plan.prints))
        for index in [index for index, data in enumerate(found) if data is None]:
            found[index] = from_output(pages[index].output, plan.prints[index])
            if found[index] is None:
                plan.todo.append(index)
    for number, source in enumerate(feed_sources):
        key = fingerprints.of("feed", source.links, source.home, source.description,
                              source.articles, source.full)
        names = [link.url.removeprefix(config.base_path) for link in source.links]
        plan.feed_keys.update(dict.fromkeys(names, key))
        kept = {name: reused(render_cache.feeds, f"{key} {name}", name, key) for name in names}
        if any(data is None for data in kept.values()):
            plan.todo.append(-1 - number)  # a feed, as the workers know it
        else:
            plan.files.update(kept)
    return plan


class _Templates:
    """The template environment, made again by a worker that is sent it."""

    def __init__(self, project: Project, config: Config, environment: Environment | None):
        self.recipe = (project.layouts, config, project.root)
        self.environment = environment

    def get(self) -> Environment:
        if self.environment is None:
            self.environment = make_environment(*self.recipe)
        return self.environment

    def __getstate__(self) -> dict:
        return {"recipe": self.recipe, "environment": None}


def _render_chunk(shared: tuple, chunk: Sequence[int]) -> list[tuple[object, str]]:
    """Each page's bytes (or where it was written, when there is a target folder) and its
    fingerprint when asked to make it; each feed's files. `chunk`: places in the work."""
    templates, config, work, favicon, target, output, fingerprints = shared
    common = {"theme_css": f"{config.base_path}theme.css", "favicon": favicon}
    results: list[tuple[object, str]] = []
    failed: set[str] = set()
    cannot_write = False
    for index in chunk:
        page = work[index]
        if isinstance(page, feeds.FeedSource):
            results.append((feeds.write_feed(config, page, _item_maker(config)), ""))
            continue
        print_ = fingerprints.of_page(page, favicon) if fingerprints is not None else ""
        if page.template in failed or cannot_write:
            results.append(([], print_))  # one message per broken template, not one per page
            continue
        try:
            html = render(templates.get(), page.template,
                          {**common, **page.context, "page": page})
            data = html.encode("utf-8")
            results.append((data if target is None else write_staged(target, page.output, data),
                            print_))
        except DigestError as err:
            failed.add(page.template)
            results.append((err.problems, print_))
        except OSError as err:  # writing into the new output folder: a full disk, say
            cannot_write = True
            where = f" ({err.filename})" if err.filename else ""
            results.append(([problem(output, 0, f"cannot write the output: "
                                                f"{err.strerror or err}{where}")], print_))
    return results


# An article is in several feeds: its item is made once per process, by the article's
# identity (kept alive here, so that the id stays its own), the settings and whether it
# carries the article's HTML.
_ITEMS: dict[tuple[int, bool], tuple[Article, FeedItem]] = {}
_ITEMS_FOR: list[Config] = []


def _item_maker(config: Config) -> Callable[[Article, bool], FeedItem]:
    if _ITEMS_FOR != [config] or len(_ITEMS) > 100_000:
        _ITEMS.clear()
        _ITEMS_FOR[:] = [config]

    def item_of(article: Article, full: bool) -> FeedItem:
        known = _ITEMS.get((id(article), full))
        if known is None or known[0] is not article:
            known = _ITEMS[(id(article), full)] = (article, feed_item(config, article, full))
        return known[1]

    return item_of


def _sitemaps(config: Config, site: Site, pages: list[Page], now: datetime,
              known: dict[int, tuple[Page, str]]) -> dict[str, Content]:
    """The sitemaps and robots.txt; the sitemap's entry of a page seen before (`known`, by
    identity) is not made again."""
    entries = []
    for page in pages:
        entry = known.get(id(page))
        if entry is None or entry[0] is not page:
            entry = known[id(page)] = (page, sitemap_entry(config, page))
        entries.append(entry[1])
    if len(known) > 2 * len(pages) + 1000:  # forget the pages gone
        current = {id(page): known[id(page)] for page in pages}
        known.clear()
        known.update(current)
    return feeds.extra_files(config, site, now, feeds.sitemap_files(config, pages, entries))
