"""A build, as phases in the order they run: read, parse, group, plan, render, write."""

from __future__ import annotations

import dataclasses
import os
import time
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path

from . import feeds
from .articles import decode, parse_article
from .config import Config
from .errors import DigestError, Problem
from .markup import Renderer
from .model import Article
from .output import Content, WriteReport, check_output_folder, write_site
from .pages import Page, plan_pages
from .project import Project
from .render import make_environment, render
from .site import Site, group_site, select


@dataclass(frozen=True)
class Options:
    drafts: bool = False  # include articles marked draft: true
    future: bool = False  # include articles dated after the build time
    clean: bool = False  # write every file again instead of keeping unchanged ones


@dataclass
class ParseCache:
    """Parsed articles by path, kept while their bytes and the settings stay the same."""

    key: object = None
    entries: dict[str, tuple[bytes, Article]] = field(default_factory=dict)


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
    """Build the site; every problem is raised at once, before anything is written."""
    started = time.perf_counter()
    if write:
        check_output_folder(project.output(config), project.root, config.output)
    result = assemble(project, config, options, now, ParseCache(), RenderCache())
    report = None
    if write:
        report = write_site(result.files, project.output(config), reuse=not options.clean)
    return dataclasses.replace(result, seconds=time.perf_counter() - started, report=report)


def assemble(project: Project, config: Config, options: Options, now: datetime,
             parse_cache: ParseCache, render_cache: RenderCache) -> Result:
    """Everything the output folder will hold, in memory. The caches make a rebuild cheap."""
    articles, problems = parse_articles(project, config, parse_cache)
    site, site_problems = group_site(select(articles, now, options.drafts, options.future),
                                     config)
    if problems or site_problems:
        raise DigestError(problems + site_problems)
    pages = plan_pages(site, config)
    files = add_static(render_site(project, config, site, pages, render_cache), project)
    return Result(site, files, len(pages), _count_feeds(files), 0.0)


# digest writes these, but a file of the same name in static/ is meant to replace them
_REPLACEABLE = frozenset({"theme.css", ".nojekyll", "CNAME"})


def add_static(files: dict[str, Content], project: Project) -> dict[str, Content]:
    """The built files plus static/; a static file may not take a page's place."""
    static, problems = project.static_files()
    for name in sorted(static.keys() & files.keys() - _REPLACEABLE):
        problems.append(Problem(f"static/{name}", 0, "has the same path as a file digest "
                                                     "writes; rename or remove it"))
    if problems:
        raise DigestError(problems)
    return {**files, **static}


def parse_articles(project: Project, config: Config,
                   cache: ParseCache) -> tuple[list[Article], list[Problem]]:
    """Every article file parsed, and the problems of those that could not be.

    A file whose bytes did not change since the cache saw it is not parsed again.
    """
    key = (config, Renderer.__module__)
    if cache.key != key:
        cache.key, cache.entries = key, {}
    renderer = Renderer(config)
    articles: list[Article] = []
    seen = set()
    sources, problems = project.read_articles()
    for path, data in sources:
        seen.add(path)
        cached = cache.entries.get(path)
        if cached and cached[0] == data:
            articles.append(cached[1])
            continue
        try:
            article = parse_article(decode(data, path), path, config, renderer)
        except DigestError as err:
            problems.extend(err.problems)
            continue
        cache.entries[path] = (data, article)
        articles.append(article)
    for gone in set(cache.entries) - seen:
        del cache.entries[gone]
    return articles, problems


@dataclass
class RenderCache:
    """Rendered pages by everything that goes into them, kept while the templates stay."""

    key: object = None
    pages: dict[tuple, bytes] = field(default_factory=dict)


def render_site(project: Project, config: Config, site: Site, pages: list[Page],
                cache: RenderCache | None = None) -> dict[str, Content]:
    """Every page, feed and extra file as bytes, keyed by its path in the output.

    A page whose template, title, URL, feeds and context are equal to one rendered before
    (same cache) is not rendered again: an edited article re-renders only the pages that
    show it.
    """
    cache = cache or RenderCache()
    templates = project.template_stamp()
    if cache.key != (config, templates):
        cache.key, cache.pages = (config, templates), {}
    environment = None
    common = {"theme_css": f"{config.base_path}theme.css", "favicon": project.favicon(config)}
    files: dict[str, Content] = {}
    rendered: dict[tuple, bytes] = {}
    problems: list[Problem] = []
    failed: set[str] = set()
    for page in pages:
        key = (page.template, page.url, page.title, page.feeds, common["favicon"],
               tuple(sorted(page.context.items())))
        html = cache.pages.get(key)
        if html is None and page.template not in failed:
            environment = environment or make_environment(project.layouts, config, project.root)
            try:
                html = render(environment, page.template,
                              {**common, **page.context, "page": page}).encode("utf-8")
            except DigestError as err:
                problems.extend(err.problems)
                failed.add(page.template)  # one message per broken template, not per page
                continue
        if html is not None:
            files[page.output] = rendered[key] = html
    if problems:
        raise DigestError(problems)
    cache.pages = rendered
    files.update(feeds.feed_files(config, site, pages))
    files["theme.css"] = (Path(__file__).parent / "theme" / "static" / "theme.css").read_bytes()
    files[".nojekyll"] = b""
    if config.cname:
        files["CNAME"] = f"{config.cname}\n".encode()
    return files


def _count_feeds(files: dict[str, Content]) -> int:
    return sum(1 for name in files if name.endswith("feed.xml"))
