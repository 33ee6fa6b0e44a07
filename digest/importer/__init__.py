"""`digest import`: clippings in (saved pages, copied text, feeds, URLs), article files out.

Each source is read into `Clipping`s (html, text, feeds), each clipping is placed in the site
(topic, file name, date, duplicates) and checked with the same parser `digest build` uses,
then written. Nothing is ever overwritten."""

from __future__ import annotations

import re
import shutil
from dataclasses import dataclass, field, replace
from urllib.parse import urlsplit, urlunsplit

from ..articles import parse_date, parse_source, split_front_matter
from ..config import Config
from ..errors import DigestError, Problem, problem
from ..markup import Renderer, first_paragraph, plain_text
from ..project import Project, scan
from ..slugs import match_key, slugify
from ..yamltext import load_mapping
from .clipping import Clipping, Refused, body_key, front_matter, without_tracking
from .dates import Moment, parse_moment
from .sources import expand, read_input

# "GDANSK, Poland (Meridian) — ": where the story was filed, not what it says
_DATELINE = re.compile(r"^[A-ZÀ-Ý][A-ZÀ-Ý .'’-]{2,40}(?:,\s*[\w .'’-]{2,40})?\s*"
                       r"(?:\([^)]{2,40}\))?\s*(?:—|–|--)\s*")
SLUG_LENGTH = 80  # characters of the title kept in a file name


@dataclass(frozen=True)
class Choices:
    topic: str | None = None
    tags: tuple[str, ...] = ()
    draft: bool = False
    dry_run: bool = False
    date: Moment | None = None  # for sources that give none


@dataclass
class Outcome:
    written: list[tuple[str, str]] = field(default_factory=list)  # (file, origin)
    skipped: list[tuple[str, str]] = field(default_factory=list)  # (origin, file holding it)
    refused: list[Problem] = field(default_factory=list)


def parse_date_option(text: str) -> Moment:
    moment = parse_moment(text)
    if moment is None:
        raise DigestError(problem("--date", 0, f"'{text}' is not a date: write 2024-03-22, "
                                               "'2024-03-22 15:16' or 2024-03-22T15:16-04:00"))
    return moment


@dataclass
class Existing:
    """What the site already holds: to skip a story imported before, and to give a new
    one a file name and URL no other article has."""

    by_url: dict[str, str] = field(default_factory=dict)
    by_body: dict[str, str] = field(default_factory=dict)
    urls: set[tuple[str, str]] = field(default_factory=set)  # (day, slug)

    @classmethod
    def read(cls, project: Project, config: Config) -> Existing:
        found = cls()
        files, _ = scan(project.content) if project.content.is_dir() else ([], [])
        for path in files:
            if path.suffix != ".md":
                continue
            shown = project.shown(path)
            try:
                text = path.read_text(encoding="utf-8")
                front, body, _ = split_front_matter(text, shown)
                fields = load_mapping(front, shown)
            except (DigestError, OSError, UnicodeDecodeError):
                continue
            values = {key: item.value for key, item in fields.items()}
            source = values.get("source")
            url = source.get("url") if isinstance(source, dict) else source
            if isinstance(url, str):
                found.by_url.setdefault(canonical_url(url), shown)
            found.by_body.setdefault(body_key(body), shown)
            slug = values.get("slug") if isinstance(values.get("slug"), str) else \
                slugify(re.sub(r"^\d{4}-\d{2}-\d{2}[-_]", "", path.stem))
            try:
                day = parse_date(values.get("date"), config.zone)[0].date().isoformat()
            except ValueError:
                continue
            found.urls.add((day, slug))
        return found

    def holder(self, clip: Clipping) -> str:
        if clip.source_url and canonical_url(clip.source_url) in self.by_url:
            return self.by_url[canonical_url(clip.source_url)]
        return self.by_body.get(body_key(clip.body), "")

    def add(self, clip: Clipping, shown: str, day: str, slug: str) -> None:
        if clip.source_url:
            self.by_url.setdefault(canonical_url(clip.source_url), shown)
        self.by_body.setdefault(body_key(clip.body), shown)
        self.urls.add((day, slug))


def canonical_url(url: str) -> str:
    """One spelling for one story's URL: no fragment, tracking parameters, "www." or
    trailing slash, and the host in lower case."""
    parts = urlsplit(without_tracking(url))
    host = (parts.hostname or "").removeprefix("www.")
    return urlunsplit(("https" if parts.scheme in ("http", "https") else parts.scheme,
                       host, parts.path.rstrip("/") or "/", parts.query, ""))


def import_sources(project: Project, config: Config, sources: list[str], choices: Choices,
                   stdin, report) -> Outcome:
    """Import every source; `report(line, error)` is told each file written, skipped or
    refused as it happens."""
    outcome = Outcome()
    existing = Existing.read(project, config)
    renderer = Renderer(config)
    for source in sources:
        for item in expand(source, stdin):
            if isinstance(item, Refused):
                _refuse(outcome, report, item.origin or source, item.message)
                continue
            for clip in read_input(item):
                if isinstance(clip, Refused):
                    _refuse(outcome, report, clip.origin or item.origin, clip.message)
                    continue
                try:
                    _place(project, config, clip, choices, existing, renderer, outcome, report)
                except Refused as err:
                    _refuse(outcome, report, clip.origin, err.message)
    return outcome


def _refuse(outcome: Outcome, report, origin: str, message: str) -> None:
    item = problem(origin, 0, message)
    outcome.refused.append(item)
    report(str(item), True)


def _place(project: Project, config: Config, clip: Clipping, choices: Choices,
           existing: Existing, renderer: Renderer, outcome: Outcome, report) -> None:
    if clip.date is None and clip.updated is not None:  # a page that says "Updated" alone
        clip = clip.but(date=clip.updated, updated=None)
    if clip.date is None:
        if choices.date is None:
            raise Refused("no publication date found in it; give one with --date "
                          "2024-03-22 (or --date '2024-03-22 15:16')")
        clip = clip.but(date=choices.date)
    if clip.updated and _aware(clip.updated.when, config) <= _aware(clip.date.when, config):
        clip = clip.but(updated=None)  # an "update" no later than the story says nothing
    holder = existing.holder(clip)
    if holder:
        outcome.skipped.append((clip.origin, holder))
        report(f"{clip.origin}: skipped: already imported as {holder}", False)
        return
    if not clip.topic:  # a section line near the headline that is one of the site's topics
        listed = {match_key(item.title) for item in config.topics}
        clip = clip.but(topic=next((s for s in clip.sections if match_key(s) in listed), ""))
    topic = _topic(config, choices.topic) if choices.topic else _topic(config, clip.topic, True)
    tags = choices.tags or clip.tags
    clip = clip.but(tags=tuple(t for t in tags if slugify(t)))
    when = clip.date.when if clip.date.when.tzinfo else clip.date.when.replace(tzinfo=config.zone)
    day = when.astimezone(config.zone).date().isoformat()
    folder = project.content / (_topic_slug(config, topic))
    base = _slug(clip.title)
    slug, number = base, 1
    while (day, slug) in existing.urls or (folder / f"{day}-{slug}.md").exists():
        number += 1
        slug = f"{base}-{number}"
    path = folder / f"{day}-{slug}.md"
    shown = project.shown(path)
    if clip.image and clip.image.local:
        clip = clip.but(image=_copy_image(project, clip.image, f"{day}-{slug}",
                                          choices.dry_run))
    if clip.image and not clip.image.alt:  # the page said nothing: its caption or headline
        clip = clip.but(image=replace(clip.image, alt=clip.image.caption or clip.title))
    if not clip.summary:  # as digest would take it, but written down to be edited
        first = plain_text(first_paragraph(renderer.to_html(clip.body)))
        clip = clip.but(summary=_DATELINE.sub("", first) or first)
    text = front_matter(clip, topic, choices.draft)
    try:  # exactly what `digest build` will read
        parse_source(text, shown, config.zone, renderer)
    except DigestError as err:
        raise Refused("the article made from it would not build: "
                      + "; ".join(p.message for p in err.problems)) from None
    if not choices.dry_run:
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            with path.open("x", encoding="utf-8", newline="\n") as file:
                file.write(text)
        except FileExistsError:
            raise Refused(f"{shown} appeared while importing; not overwritten") from None
        except OSError as err:
            raise Refused(f"cannot write {shown} ({err.strerror})") from None
    existing.add(clip, shown, day, slug)
    outcome.written.append((shown, clip.origin))
    report(f"{shown}  <- {clip.origin}", False)


def _aware(when, config: Config):
    return when if when.tzinfo else when.replace(tzinfo=config.zone)


def _topic(config: Config, name: str | None, from_page: bool = False) -> str:
    """The site's spelling of the topic. A page's own section that the site does not list
    gives way to the default topic when site.yaml lists its topics (a site that lists none
    takes any); the one given with --topic is kept."""
    name = " ".join((name or "").split()) or config.default_topic
    for topic in config.topics:
        if match_key(topic.title) == match_key(name):
            return topic.title
    if (config.strict_topics or not slugify(name) or from_page and config.topics
            and match_key(name) != match_key(config.default_topic)):
        return config.default_topic
    return name


def _topic_slug(config: Config, topic: str) -> str:
    for item in config.topics:
        if item.title == topic:
            return item.slug
    return slugify(topic)


def _slug(title: str) -> str:
    slug = slugify(title) or "story"
    if len(slug) > SLUG_LENGTH:
        slug = slug[:SLUG_LENGTH].rsplit("-", 1)[0] or slug[:SLUG_LENGTH]
    return slug


def _copy_image(project: Project, image, stem: str, dry_run: bool):
    """A picture saved with the page, copied into static/images/ under the article's
    name (never over another file)."""
    suffix = image.local.suffix.lower() or ".jpg"
    target = project.static / "images" / f"{stem}{suffix}"
    number = 1
    while target.exists():
        number += 1
        target = project.static / "images" / f"{stem}-{number}{suffix}"
    if not dry_run:
        try:
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(image.local, target)
        except OSError as err:
            raise Refused(f"cannot copy its image to {project.shown(target)} "
                          f"({err.strerror})") from None
    src = "/" + target.relative_to(project.static).as_posix()
    return type(image)(src, image.alt, image.caption, image.credit, None)


def check_topic(config: Config, topic: str | None) -> None:
    """--topic under strict_topics must be one of the site's topics."""
    if not topic:
        return
    from ..errors import did_you_mean

    known = [t.title for t in config.topics] + [config.default_topic]
    if config.strict_topics and not any(match_key(k) == match_key(topic) for k in known):
        raise DigestError(problem("--topic", 0, f"unknown topic '{topic}'"
                                                f"{did_you_mean(topic, known)}; strict_topics "
                                                "allows only the topics of site.yaml"))
    if not slugify(topic):
        raise DigestError(problem("--topic", 0, "needs a letter or a digit"))




def run(site: tuple[Project, Config], sources: tuple[str, ...], topic: str | None,
        tags: tuple[str, ...], draft: bool, dry_run: bool, date_text: str | None,
        report) -> int:
    """The `digest import` command: the exit status, 1 when any source was refused."""
    import sys

    project, config = site
    for module in ("trafilatura", "feedparser", "lxml"):
        try:
            __import__(module)
        except ImportError:
            raise DigestError(problem("digest import", 0, f"needs {module}, which digest "
                                      "installs only when asked: pip install 'digest[import]'"))
    check_topic(config, topic)
    bad_tags = [tag for tag in tags if not slugify(tag)]
    if bad_tags:
        raise DigestError(problem("--tag", 0, f"'{bad_tags[0]}' needs a letter or a digit"))
    choices = Choices(topic=topic, tags=tuple(dict.fromkeys(" ".join(t.split()) for t in tags)),
                      draft=draft, dry_run=dry_run,
                      date=parse_date_option(date_text) if date_text else None)
    outcome = import_sources(project, config, list(sources), choices, sys.stdin, report)
    verb = "Would import" if dry_run else "Imported"
    count = len(outcome.written)
    parts = [f"{verb} {count} article{'s' * (count != 1)}"]
    if outcome.skipped:
        parts.append(f"skipped {len(outcome.skipped)} already imported")
    if outcome.refused:
        parts.append(f"refused {len(outcome.refused)}")
    summary = ", ".join(parts) + ("; nothing was written" if dry_run else "")
    report(summary, bool(outcome.refused))
    return 1 if outcome.refused else 0
