"""Article files: bytes in, `Article` out, or the problems that stop it."""

from __future__ import annotations

import re
from datetime import datetime
from email.utils import parsedate_to_datetime
from pathlib import Path, PurePosixPath
from typing import Any
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

from .checks import notice
from .config import Config
from .errors import DigestError, Problem, did_you_mean, problem
from .limits import markdown_problem, size_problem, slug_problem
from .markup import Renderer, first_paragraph, plain_text, split_more
from .model import Article, Image, Label, ParsedArticle, Source, reading_minutes, standfirst
from .slugs import match_key, slugify
from .yamltext import Field, load_mapping, type_name

KNOWN_KEYS = ("title", "date", "topic", "tags", "author", "authors", "summary", "source",
              "image", "slug", "updated", "draft", "lead", "weight")
_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}"
                       r"(?:[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d{1,6})?)?\s*(?:[Zz]|[+-]\d{2}:?\d{2})?)?$")
_DATE_PREFIX = re.compile(r"^\d{4}-\d{2}-\d{2}[-_]")
_DELIMITER = re.compile(r"^---[ \t]*$")


def decode(data: bytes, path: str) -> str:
    """UTF-8 text with any byte-order mark dropped and every line ending made \\n."""
    too_big = size_problem(len(data), path)
    if too_big:
        raise DigestError(too_big)
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as err:
        line = data.count(b"\n", 0, err.start) + 1
        raise DigestError(problem(path, line, "not UTF-8 text: save the file as UTF-8 "
                                              f"(bad byte 0x{data[err.start]:02x})"))
    return text.removeprefix("\ufeff").replace("\r\n", "\n").replace("\r", "\n")


def split_front_matter(text: str, path: str) -> tuple[str, str, int]:
    """(front matter, body, the file's line number where the body starts)."""
    lines = text.split("\n")
    if not lines or not _DELIMITER.match(lines[0]):
        raise DigestError(problem(path, 1, "missing front matter: an article starts with a "
                                           "line '---', then title: and date:, then '---'"))
    for number, line in enumerate(lines[1:], start=2):
        if _DELIMITER.match(line) or line.rstrip() == "...":
            return "\n".join(lines[1:number - 1]), "\n".join(lines[number:]), number + 1
    raise DigestError(problem(path, 1, "front matter is not closed: add a line '---' after it"))


def parse_date(value: Any, zone: ZoneInfo) -> tuple[datetime, bool]:
    """(aware datetime in `zone`, whether a time was given); ValueError says why not."""
    text = str(value).strip() if isinstance(value, (str, int, float)) else None
    if not text:
        raise ValueError(f"expected a date such as 2024-03-22 or 2024-03-22T15:16:00-04:00, "
                         f"found {type_name(value)}")
    if _ISO_DATE.match(text):
        normal = re.sub(r"\s*([Zz]|[+-]\d{2}:?\d{2})$", r"\1", text).replace(" ", "T")
        try:
            moment = datetime.fromisoformat(normal.upper())
        except ValueError as err:
            raise ValueError(f"'{text}' is not a real date or time ({err})") from None
        has_time = len(text) > 10
    else:
        try:  # RFC 822, as in feeds and mail: "Fri, 22 Mar 2024 15:16:00 -0400"
            moment, has_time = parsedate_to_datetime(text), True
        except (TypeError, ValueError, IndexError, OverflowError):
            raise ValueError(f"'{text}' is not a date: write 2024-03-22, 2024-03-22 15:16 or "
                             "2024-03-22T15:16:00-04:00") from None
    if moment.tzinfo is None:
        return moment.replace(tzinfo=zone), has_time
    try:
        return moment.astimezone(zone), has_time
    except OverflowError:  # 9999-12-31T23:00-05:00 is already in the year 10000 in UTC
        raise ValueError(f"'{text}' is out of range: in the site's timezone it falls "
                         "outside the years 1 to 9999") from None


def parse_article(text: str, path: str, config: Config, renderer: Renderer) -> Article:
    """One article from its text, placed in the site of `config`."""
    return place_article(parse_source(text, path, config.zone, renderer), config)


def parse_source(text: str, path: str, zone: ZoneInfo, renderer: Renderer) -> ParsedArticle:
    """One article file's text as parsed, nothing of the site in it; `path` is for
    messages and the default slug."""
    front, body_text, body_line = split_front_matter(text, path)
    fields = load_mapping(front, path, first_line=2)
    problems: list[Problem] = []
    reader = _FieldReader(fields, path, problems)

    for key, item in fields.items():
        if key not in KNOWN_KEYS and did_you_mean(key, KNOWN_KEYS):
            problems.append(problem(path, item.line, f"unknown key '{key}'"
                                                     f"{did_you_mean(key, KNOWN_KEYS)}"))
    title = reader.text("title", required=True)
    date, has_time = reader.date("date", zone, required=True)
    updated, _ = reader.date("updated", zone)
    if date and updated and updated < date:
        problems.append(problem(path, fields["updated"].line, "updated: is earlier than date"))
    topic = None
    written = reader.text("topic")
    if written:
        topic = (written, slugify(written))
        if not topic[1]:
            problems.append(problem(path, fields["topic"].line, "topic: needs a letter or a digit"))
        elif slug_problem(topic[1]):
            problems.append(problem(path, fields["topic"].line,
                                    f"topic: {slug_problem(topic[1])}"))
    tags = tuple((name, slugify(name)) for name in reader.names("tags"))
    if "author" in fields and "authors" in fields:
        problems.append(problem(path, fields["authors"].line, "use either author or authors"))
    authors = reader.names("authors")
    authors = authors or ((reader.text("author"),) if reader.text("author") else ())
    source = reader.source("source")
    image = reader.image("image")
    slug = reader.slug("slug", path)
    draft = reader.flag("draft")
    lead = reader.flag("lead")
    weight = reader.whole_number("weight")
    slow = markdown_problem(body_text, path, body_line)
    if slow:
        problems.append(slow)
    if problems or date is None:
        raise DigestError(problems)

    try:
        body = renderer.to_html(body_text)
        opening = plain_text(first_paragraph(body))  # the body's first paragraph, as text
        summary = reader.text("summary")
        if not summary:
            more = split_more(body_text)
            summary = plain_text(renderer.to_html(more)) if more is not None else opening
    except RecursionError:  # Python-Markdown recurses once per level of nesting
        raise DigestError(problem(path, body_line, "the Markdown is nested too deeply (lists, "
                                                   "quotes or emphasis inside one another "
                                                   "hundreds of times)")) from None
    except Exception as err:  # noqa: BLE001 - Python-Markdown or an extension failed on it
        raise DigestError(problem(path, body_line, f"the Markdown could not be converted "
                                                   f"({type(err).__name__}: {err}); simplify "
                                                   "unusual markup, such as {attribute} "
                                                   "lists")) from None
    extra = {key: item.value for key, item in fields.items() if key not in KNOWN_KEYS}
    findings = notice(body, body_text, body_line, f"{date:%Y/%m/%d}/{slug}/", fields, image)
    return ParsedArticle(
        path=path, title=title, date=date, has_time=has_time, updated=updated, topic=topic,
        topic_line=fields["topic"].line if "topic" in fields else 1, tags=tags,
        authors=authors, summary=summary, source=source, image=image, slug=slug, draft=draft,
        html=body, standfirst=standfirst(summary, opening), reading_minutes=reading_minutes(body),
        extra=extra, findings=findings, lead=lead, weight=weight)


def placement(config: Config) -> tuple:
    """What of the settings `place_article` reads: the same for two configs, it places an
    article alike in both (a site.yaml edit of the title, say, places nothing again)."""
    return (config.base_path, config.topics, config.strict_topics, config.default_topic,
            config.author)


def place_article(parsed: ParsedArticle, config: Config) -> Article:
    """The parsed article in the site of `config`: its URL, its topic and tags as the site
    names them, the site's author when it names none, its image under the base path."""
    base = config.base_path
    topic = _topic(parsed.topic, config)
    if config.strict_topics and topic.url == "":
        names = [t.title for t in config.topics] + [config.default_topic]
        raise DigestError(problem(parsed.path, parsed.topic_line, f"topic: unknown topic "
                                  f"'{topic.name}'{did_you_mean(topic.name, names)}; "
                                  "strict_topics allows only the topics of site.yaml"))
    image = parsed.image
    if image is not None and not image.src.startswith(("http://", "https://")):
        image = Image(base + image.src.lstrip("/"), image.alt, image.caption, image.credit)
    return Article(
        path=parsed.path, title=parsed.title, date=parsed.date, has_time=parsed.has_time,
        updated=parsed.updated, topic=topic,
        tags=tuple(Label(name, slug, f"{base}tags/{slug}/") for name, slug in parsed.tags),
        authors=parsed.authors or ((config.author,) if config.author else ()),
        summary=parsed.summary, source=parsed.source, image=image, slug=parsed.slug,
        draft=parsed.draft, html=parsed.html,
        url=f"{base}{parsed.date:%Y/%m/%d}/{parsed.slug}/", standfirst=parsed.standfirst,
        reading_minutes=parsed.reading_minutes, extra=parsed.extra,
        base_path=base, findings=parsed.findings, lead=parsed.lead, weight=parsed.weight)


def _topic(written: tuple[str, str] | None, config: Config) -> Label:
    """The configured topic of that name, or a new one (with no URL under strict_topics)."""
    name = written[0] if written is not None else config.default_topic
    key = match_key(name)
    for topic in config.topics:
        if match_key(topic.title) == key:
            return Label(topic.title, topic.slug, f"{config.base_path}topics/{topic.slug}/")
    slug = written[1] if written is not None else slugify(name)
    known = key == match_key(config.default_topic) or not config.strict_topics
    return Label(" ".join(name.split()), slug,
                 f"{config.base_path}topics/{slug}/" if known and slug else "")


class _FieldReader:
    """Typed access to front-matter fields; each problem is recorded, not raised."""

    def __init__(self, fields: dict[str, Field], path: str, problems: list[Problem]):
        self.fields, self.path, self.problems = fields, path, problems

    def _bad(self, key: str, message: str) -> None:
        self.problems.append(problem(self.path, self.fields[key].line, f"{key}: {message}"))

    def text(self, key: str, required: bool = False) -> str:
        item = self.fields.get(key)
        if item is None or item.value is None or item.value == "":
            if required:
                self.problems.append(problem(self.path, 1, f"missing {key}: add '{key}: ...' "
                                                           "to the front matter"))
            return ""
        if isinstance(item.value, str):
            return " ".join(item.value.split())
        if item.raw is not None:  # `title: 1984` or `author: No` mean the text as written
            return " ".join(item.raw.split())
        self._bad(key, f"expected text, found {type_name(item.value)}")
        return ""

    def date(self, key: str, zone: ZoneInfo,
             required: bool = False) -> tuple[datetime | None, bool]:
        item = self.fields.get(key)
        if item is None or item.value in (None, ""):
            if required:
                self.problems.append(problem(self.path, 1, f"missing {key}: add '{key}: "
                                                           "2024-03-22T15:16:00-04:00'"))
            return None, False
        try:
            return parse_date(item.value, zone)
        except ValueError as err:
            self._bad(key, str(err))
            return None, False

    def names(self, key: str) -> tuple[str, ...]:
        """A list of names (a single name is a list of one), duplicates dropped."""
        item = self.fields.get(key)
        if item is None or item.value is None:
            return ()
        values = item.value if isinstance(item.value, list) else [item.value]
        found: dict[str, str] = {}
        for value in values:
            if isinstance(value, (int, float)) and not isinstance(value, bool):
                value = str(value)
            if not isinstance(value, str):
                self._bad(key, f"expected a list of names, found {type_name(value)} in it")
                return ()
            name = " ".join(value.split())
            if not slugify(name):
                self._bad(key, f"'{name}' needs a letter or a digit")
                return ()
            if slug_problem(slugify(name)):
                self._bad(key, f"'{name[:40]}...': {slug_problem(slugify(name))}")
                return ()
            found.setdefault(match_key(name), name)
        return tuple(found.values())

    def source(self, key: str) -> Source | None:
        item = self.fields.get(key)
        if item is None or item.value is None:
            return None
        value = item.value if isinstance(item.value, dict) else {"url": item.value}
        url, name = value.get("url"), value.get("name")
        if set(value) - {"url", "name"} or not isinstance(url, str) or not (
                name is None or isinstance(name, str)):
            self._bad(key, "expected {name: ..., url: https://...} or a URL")
            return None
        parts = urlsplit(url.strip())
        if parts.scheme not in ("http", "https") or not parts.netloc:
            self._bad(key, f"'{url}' is not an absolute http(s) URL")
            return None
        return Source((name or parts.netloc).strip(), url.strip())

    def image(self, key: str) -> Image | None:
        item = self.fields.get(key)
        if item is None or item.value is None:
            return None
        value = item.value if isinstance(item.value, dict) else {"src": item.value}
        src, alt = value.get("src"), value.get("alt")
        if set(value) - {"src", "alt", "caption", "credit"} or not isinstance(src, str) \
                or not src.strip():
            self._bad(key, "expected {src: /img/photo.jpg, alt: what the image shows} "
                           "(caption: and credit: may follow)")
            return None
        if not isinstance(alt, str):
            self._bad(key, "add alt: text that says what the image shows, for readers who "
                           "cannot see it")
            return None
        notes = {}
        for name in ("caption", "credit"):
            note = value.get(name)
            if note is not None and not isinstance(note, str):
                self._bad(key, f"{name}: expected text, found {type_name(note)}")
                return None
            notes[name] = " ".join((note or "").split())
        parts = urlsplit(src.strip())
        if parts.scheme in ("http", "https") and parts.netloc:
            return Image(src.strip(), alt.strip(), **notes)
        if parts.scheme or parts.netloc or ".." in PurePosixPath(parts.path).parts:
            self._bad(key, f"src '{src}' must be a path in the site or an http(s) URL")
            return None
        return Image("/" + src.strip().lstrip("/"), alt.strip(), **notes)

    def slug(self, key: str, path: str) -> str:
        slug = self._slug(key, path)
        too_long = slug_problem(slug)
        if too_long:
            self.problems.append(problem(path, self.fields[key].line if key in self.fields else 1,
                                         f"{key}: {too_long}"))
        return slug

    def _slug(self, key: str, path: str) -> str:
        written = self.text(key)
        if written:
            if "/" in written or "\\" in written or ".." in written:
                self._bad(key, f"'{written}' would leave the output folder; "
                               "a slug is letters, digits and hyphens")
            elif slugify(written) != written:
                self._bad(key, f"'{written}' is not a slug (did you mean '{slugify(written)}'?)")
            return written
        stem = _DATE_PREFIX.sub("", Path(path).stem)
        slug = slugify(stem)
        if not slug:
            self.problems.append(problem(path, 1, "the file name gives no slug: "
                                                  "add 'slug: ...' to the front matter"))
        return slug

    def whole_number(self, key: str) -> int:
        item = self.fields.get(key)
        if item is None or item.value is None:
            return 0
        value = item.value
        if isinstance(value, bool) or not isinstance(value, int) or abs(value) > 10**9:
            self._bad(key, f"expected a whole number such as 10 (higher leads its day "
                           f"first), found {item.raw or type_name(value)}")
            return 0
        return value

    def flag(self, key: str) -> bool:
        item = self.fields.get(key)
        if item is None or item.value is None:
            return False
        if not isinstance(item.value, bool):
            self._bad(key, f"expected true or false, found {type_name(item.value)}")
            return False
        return item.value
