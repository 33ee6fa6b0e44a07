"""`Reuse`: what earlier builds made, and the phases run again on what changed since (see
the package's description)."""

from __future__ import annotations

import operator
from collections.abc import Callable, Set
from datetime import date, datetime
from pathlib import Path

from .. import checks
from ..config import Config
from ..errors import Problem
from ..model import Article
from ..output import Content, Stage
from ..pages import Page, part_key, parts, plan_part, site_pages
from ..project import Project
from ..search import FOLDER as SEARCH_FOLDER
from ..site import Site, group_site
from . import parsing, rendering, store
from .regroup import Grouped, regroup
from .rendering import Previous
from .store import ParseCache, RenderCache

__all__ = ["Previous", "Reuse"]


class Reuse:
    """What earlier builds made, and the phases run again on what changed since."""

    def __init__(self, parsed: ParseCache | None = None, rendered: RenderCache | None = None,
                 in_memory: bool = False):
        # in_memory: the dev server's, which keeps the site and its pages between rebuilds
        self.parsed = parsed or ParseCache(files={} if in_memory else None)
        self.rendered = rendered or RenderCache()
        self.in_memory = in_memory
        self.grouped: Grouped | None = None  # the last good site, in memory
        self._grouped_for: Config | None = None
        self._plans: dict[str, tuple[tuple, list[Page]]] = {}
        self._layout: list[tuple[str, object, int]] = []  # the last plan's parts, in order
        self._plans_for: Config | None = None
        self._static: tuple[dict[str, Path], list[Problem]] | None = None
        # the articles found without a warning, by identity, for these settings and files
        self._fine: dict[int, Article] = {}
        self._checked_for: Config | None = None
        self._outputs: Set[str] = frozenset()

    @classmethod
    def load(cls, project_root: Path, config: Config) -> Reuse:
        """What the last `digest build` kept in .digest-cache/."""
        return cls(store.load_articles(project_root, config), store.load_pages(project_root))

    def start_from_build(self, project: Project, config: Config) -> Previous | None:
        """The dev server's first rebuild: the fingerprints of the pages the last `digest
        build` wrote, and its output, whose files stand in for the pages that did not change
        since (see rendering.Previous). None when there is no such build or a rebuild ran."""
        if not self.in_memory or self.rendered.pages or self.rendered.key:
            return None
        previous = Previous.of(project.output(config))
        if previous is not None:
            self.rendered = store.load_pages(project.root)
        return previous

    def forget_output(self) -> None:
        """The output folder was removed or emptied: the pages that stood for its files are
        made again."""
        self.rendered.pages = {print_: data for print_, data in self.rendered.pages.items()
                               if isinstance(data, bytes)}
        self.rendered.feeds = {key: data for key, data in self.rendered.feeds.items()
                               if isinstance(data, bytes)}

    def save_articles(self, project_root: Path) -> None:
        store.save_articles(project_root, self.parsed)

    def save_pages(self, project_root: Path, manifest: dict[str, str]) -> None:
        self.rendered.written = manifest
        store.save_pages(project_root, self.rendered)

    def articles(self, project: Project, config: Config, changed: frozenset[str] | None = None,
                 progress: Callable[[str, int, int], None] | None = None
                 ) -> tuple[list[Article], dict[str, str], list[Problem]]:
        """Every article, each file's content hash, and the problems of those that failed.
        `changed`: the only article files that changed since the last call, if known.

        In memory, the first call starts from the articles the last `digest build` kept in
        .digest-cache/: the dev server parses only the files changed since."""
        if self.in_memory and self.parsed.last is None and not self.parsed.entries:
            kept = store.load_articles(project.root, config)
            self.parsed.key, self.parsed.entries = kept.key, kept.entries
            self.parsed.store = kept.store
        return parsing.parse_articles(project, config, self.parsed, changed, progress)

    def warnings(self, project: Project, config: Config, site: Site, outputs) -> list[Problem]:
        """`checks.site_warnings`; in memory, an article found without a warning is not
        looked at again while the settings stay the same and no file it could link to goes
        away, unless it links to a place in a page (which an edit of that page may remove).
        The search index's files, whose names change with every edit, are no such file."""
        if not self.in_memory:
            return checks.site_warnings(project, config, site, outputs)
        gone = self._outputs - outputs
        if self._checked_for != config or any(not name.startswith(_INDEX) for name in gone):
            self._fine, self._checked_for = {}, config
        self._outputs = outputs  # the keys of the files a rebuild made, which it keeps as made
        fine = self._fine
        todo = [article for article in site.articles if fine.get(id(article)) is not article]
        found = checks.site_warnings(project, config, site, outputs, todo)
        warned = {problem.path for problem in found}
        fine.update((id(article), article) for article in todo
                    if article.path not in warned and _plainly_fine(article, outputs))
        if len(fine) > 2 * len(site.articles) + 1000:  # forget the articles gone
            self._fine = {id(article): article for article in site.articles
                          if fine.get(id(article)) is article}
        return found  # the articles not looked at have no warning

    def static_files(self, project: Project, changed: frozenset[str] | None = None
                     ) -> tuple[dict[str, Path], list[Problem]]:
        """`Project.static_files`; in memory, the last look at static/ while only articles
        changed (`changed`, as for `articles`)."""
        if not self.in_memory:
            return project.static_files()
        if changed is None or self._static is None:
            self._static = project.static_files()
        return self._static

    def group(self, articles: list[Article], config: Config) -> tuple[Site, list[Problem]]:
        """`group_site`; in memory, what did not change is the very object of last time."""
        if not self.in_memory:
            return group_site(articles, config)
        last = self.grouped if self._grouped_for == config else None
        grouped, problems = regroup(articles, config, last)
        if not problems:  # a failed rebuild leaves the last good site to compare with
            self.grouped, self._grouped_for = grouped, config
        return grouped.site, problems

    def plan(self, site: Site, config: Config, today: date | None = None) -> list[Page]:
        """`plan_pages`; the pages of a part made of the very objects of last time (see
        `_same`) are the very pages planned then."""
        if self._plans_for != config:
            self._plans, self._plans_for = {}, config
        known, planned = self._plans, {}
        pages = site_pages(site, config, today)
        self._layout = [("", None, len(pages))]
        for part in parts(site, today):
            key = part_key(part)
            same = known.get(key)
            if same is None or len(same[0]) != len(part) or not all(map(_same, same[0], part)):
                same = (part, plan_part(part, config))
            planned[key] = same
            pages += same[1]
            # the part of last time, when it is made of the same objects: its digest is known
            self._layout.append((key, same[0], len(same[1])))
        if self.in_memory:
            self._plans = planned
        return pages

    def render(self, project: Project, config: Config, site: Site, pages: list[Page],
               now: datetime, sources: dict[str, str], previous: Previous | None = None,
               stage: Stage | None = None, meanwhile: Callable[[], None] | None = None,
               progress: Callable[[str, int, int], None] | None = None) -> dict[str, Content]:
        """Every page, feed and sitemap as bytes (or as a file kept or already written),
        by path in the output; only what changed is rendered. `pages`: what `plan` gave."""
        layout = self._layout
        if sum(count for _, _, count in layout) != len(pages):  # not planned here
            layout = [("", None, len(pages))]
        return rendering.render_site(project, config, site, pages, layout, now,
                                     self.rendered, sources, previous, stage, meanwhile,
                                     progress, remember=self.in_memory)


def _same(old: object, new: object) -> bool:
    """Whether a value of a part is that of last time: the very object; for a tuple (a run
    of articles, made anew), the very objects; for text or a number, the same value."""
    if old is new:
        return True
    kind = type(old)
    if kind is not type(new):
        return False
    if kind is tuple:
        return len(old) == len(new) and all(map(operator.is_, old, new))  # type: ignore
    return kind in (str, int) and old == new


def _plainly_fine(article: Article, outputs) -> bool:
    """Whether what `checks.site_warnings` says of the article depends on nothing but the
    article, the settings and the files written: no warning of its own, and every link it
    has leads to a file written, without a place in it."""
    findings = article.findings
    return not findings.warnings and all(
        not anchor and file in outputs and not file.startswith(_INDEX)
        for _, file, anchor, _ in findings.links)


_INDEX = f"{SEARCH_FOLDER}/"  # where the search index is, in the output
