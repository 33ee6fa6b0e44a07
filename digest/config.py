"""site.yaml: one frozen Config, a default for every key, every problem named by key."""

from __future__ import annotations

import dataclasses
import re
import typing
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from .errors import DigestError, Problem, did_you_mean, problem
from .i18n import check_locale, site_text
from .slugs import match_key, slugify
from .yamltext import Field, load_mapping, type_name


@dataclass(frozen=True)
class TopicConfig:
    title: str  # as shown on pages
    description: str = ""  # one line under the topic's heading
    slug: str = ""  # its URL segment; from the title when empty


@dataclass(frozen=True)
class MarkdownConfig:
    unsafe_html: bool = False  # let raw HTML in articles through unsanitized
    smart_quotes: bool = True  # "curly" quotes, en and em dashes, ellipses
    heading_anchors: bool = True  # ids on headings, for links into an article


FEED_CONTENTS = ("full", "summary")


@dataclass(frozen=True)
class FeedsConfig:
    content: str = "full"  # what an item carries: the whole article, or its summary alone
    # what the items of tag feeds carry: a site has many tags, and each feed's copies of
    # whole articles would soon outweigh the rest of the output
    tags: str = "summary"


@dataclass(frozen=True)
class Config:
    title: str = "News Digest"  # the site's name, in every page title and feed
    description: str = "The day's news, grouped by topic."  # under the title; feed description
    base_url: str = "http://localhost:8000/"  # where the site is published; may carry a sub-path
    language: str = "en"  # BCP 47 tag for <html lang> and feeds; the theme's words and dates
    locale: str = ""  # CLDR locale for words, dates and times when not `language` (de_CH)
    timezone: str = "UTC"  # times without an offset are read here; days are counted here
    author: str = ""  # default byline and feed author
    topics: tuple[TopicConfig, ...] = ()  # topics in display order; others follow by name
    default_topic: str = "General"  # the topic of an article that names none
    strict_topics: bool = False  # an article with a topic not listed above is an error
    front_page_days: int = 7  # how many days (with articles) the front page shows
    page_size: int = 20  # entries per page of a topic or tag listing
    feed_items: int = 20  # newest items in each feed
    output: str = "_site"  # output folder, relative to the project
    cname: str = ""  # custom domain for GitHub Pages, written to CNAME
    markdown: MarkdownConfig = field(default_factory=MarkdownConfig)
    feeds: FeedsConfig = field(default_factory=FeedsConfig)
    search: bool = True  # full-text search of the articles: a box in every page's header
    # the theme's words changed: msgid -> text, or -> texts (one a plural form)
    strings: tuple[tuple[str, str | tuple[str, ...]], ...] = ()

    @property
    def base_path(self) -> str:
        """The sub-path of base_url, always starting and ending with '/'."""
        return urlsplit(self.base_url).path

    @property
    def site_root(self) -> str:
        """scheme://host without the sub-path, for making absolute URLs."""
        parts = urlsplit(self.base_url)
        return f"{parts.scheme}://{parts.netloc}"

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)


_LANGUAGE = re.compile(r"^[A-Za-z]{2,3}(-[A-Za-z0-9]{1,8})*$")
_HOST = re.compile(r"^[A-Za-z0-9.-]+(:\d+)?$")
# keys of site.yaml that hold a mapping of their own
_SECTIONS: dict[str, type] = {"markdown": MarkdownConfig, "feeds": FeedsConfig}


def read_config(path: Path, shown_as: str) -> Config:
    """Read site.yaml; a missing file is the default configuration."""
    if not path.exists():
        return Config()
    try:
        text = path.read_bytes().decode("utf-8-sig")
    except UnicodeDecodeError as err:
        raise DigestError(problem(shown_as, 1, f"not UTF-8 text (byte {err.start})"))
    return parse_config(text, shown_as)


def parse_config(text: str, path: str) -> Config:
    fields = load_mapping(text, path)
    problems: list[Problem] = []
    values = _check_keys(Config, fields, path, problems, "")
    for key, kind in _SECTIONS.items():
        if key in fields:
            section = _check_section(key, kind, fields[key], path, problems)
            if section is not None:
                values[key] = section
    if "topics" in fields:
        values["topics"] = _check_topics(fields["topics"], path, problems)
    if "strings" in fields:
        values["strings"] = _check_strings(fields["strings"], path, problems)
    config = Config(**_with_trailing_slash(values))
    lines = {k: f.line for k, f in fields.items()}
    problems.extend(validate(config, path, lines))
    output = PurePosixPath(config.output.replace("\\", "/"))
    if output.is_absolute() or ".." in output.parts or re.match(r"^[A-Za-z]:", config.output):
        # a cloned project must not write elsewhere; --output, the user's own word, may
        problems.append(problem(path, lines.get("output", 0), f"output: '{config.output}' "
                                "is outside the project; name a folder inside it, or use "
                                "--output"))
    if problems:
        raise DigestError(problems)
    if "description" not in fields:  # the default, in the site's language
        config = dataclasses.replace(
            config, description=site_text(config, "The day's news, grouped by topic."))
    return config


def _check_section(key: str, kind: type, item: Field, path: str,
                   problems: list[Problem]) -> Any:
    """A nested section such as `markdown:`; None when it is empty or wrong."""
    if isinstance(item.value, dict):
        sub = {k: Field(v, str(v) if not isinstance(v, (dict, list)) else None, item.line)
               for k, v in item.value.items()}
        return kind(**_check_keys(kind, sub, path, problems, f"{key}."))
    if item.value is not None:
        problems.append(problem(path, item.line, f"{key}: expected a mapping, "
                                                 f"found {type_name(item.value)}"))
    return None


def override(config: Config, **changes: Any) -> Config:
    """Apply command-line options (None means not given) and check them again."""
    given = {k: v for k, v in changes.items() if v is not None}
    config = dataclasses.replace(config, **_with_trailing_slash(given))
    problems = validate(config, "command line", {})
    if problems:
        raise DigestError(problems)
    return config


def validate(config: Config, path: str, lines: dict[str, int]) -> list[Problem]:
    """Values that have the right type but make no sense."""
    found: list[Problem] = []

    def bad(key: str, message: str) -> None:
        found.append(problem(path, lines.get(key, 0), f"{key}: {message}"))

    url = urlsplit(config.base_url)
    if url.scheme not in ("http", "https") or not url.netloc or not _HOST.match(url.netloc):
        bad("base_url", f"'{config.base_url}' is not an absolute http(s) URL "
                        "such as https://example.org/news/")
    elif url.query or url.fragment:
        bad("base_url", "must not have a query or a fragment")
    if not _LANGUAGE.match(config.language):
        bad("language", f"'{config.language}' is not a language tag such as en or pt-BR")
    elif message := check_locale(config.language, config.locale):
        bad("locale" if config.locale else "language", message)
    try:
        ZoneInfo(config.timezone)
    except (ZoneInfoNotFoundError, ValueError):
        hint = did_you_mean(config.timezone, available_timezones())
        bad("timezone", f"unknown timezone '{config.timezone}'{hint}")
    for key in ("front_page_days", "page_size", "feed_items"):
        if getattr(config, key) < 1:
            bad(key, "must be 1 or more")
    if not config.output.strip() or "\0" in config.output:
        bad("output", "must name a folder")
    if not slugify(config.default_topic):
        bad("default_topic", "must contain a letter or a digit")
    for key in ("content", "tags"):
        value = getattr(config.feeds, key)
        if value not in FEED_CONTENTS:
            found.append(problem(path, lines.get("feeds", 0), f"feeds.{key}: "
                                 f"'{value}' is not one of: full, summary"))
    if config.cname and not re.match(r"^[A-Za-z0-9.-]+$", config.cname):
        bad("cname", f"'{config.cname}' is not a domain name")
    return found


def _with_trailing_slash(values: dict[str, Any]) -> dict[str, Any]:
    """https://x.github.io/news and https://x.github.io/news/ are the same site."""
    url = values.get("base_url")
    if isinstance(url, str) and not url.endswith("/"):
        values = {**values, "base_url": url + "/"}
    return values


def _check_keys(kind: type, fields: dict[str, Field], path: str,
                problems: list[Problem], prefix: str) -> dict[str, Any]:
    """Values of the right type for the scalar keys of dataclass `kind`."""
    known = typing.get_type_hints(kind)
    values: dict[str, Any] = {}
    for key, item in fields.items():
        expected = known.get(key)
        if expected is None:
            problems.append(problem(path, item.line, f"unknown key '{prefix}{key}'"
                                                      f"{did_you_mean(key, known)}"))
            continue
        if key in _SECTIONS or key in ("topics", "strings"):
            continue
        value = item.value
        if expected is str and isinstance(value, (int, float, bool)) and item.raw is not None:
            value = item.raw  # `title: 2024` or `author: No` are text
        if value is None and expected is str:
            value = ""
        if expected is int and isinstance(value, bool) or not isinstance(value, expected):
            problems.append(problem(path, item.line, f"{prefix}{key}: expected "
                                    f"{type_name(expected())}, found {type_name(value)}"))
            continue
        values[key] = value.strip() if isinstance(value, str) else value
    return values


def _check_topics(item: Field, path: str, problems: list[Problem]) -> tuple[TopicConfig, ...]:
    if item.value is None:
        return ()
    if not isinstance(item.value, list):
        problems.append(problem(path, item.line, f"topics: expected a list, "
                                                 f"found {type_name(item.value)}"))
        return ()
    topics: list[TopicConfig] = []
    seen: dict[str, str] = {}
    for index, entry in enumerate(item.value, 1):
        where = f"topics[{index}]"
        if isinstance(entry, str):
            entry = {"title": entry}
        if not isinstance(entry, dict):
            problems.append(problem(path, item.line, f"{where}: expected a title or a mapping "
                                                     f"with title and description"))
            continue
        unknown = set(entry) - {"title", "description", "slug"}
        if unknown:
            key = sorted(map(str, unknown))[0]
            problems.append(problem(path, item.line, f"{where}: unknown key '{key}'"
                                    f"{did_you_mean(key, ['title', 'description', 'slug'])}"))
            continue
        title, description, slug = (entry.get(k, "") for k in ("title", "description", "slug"))
        if not all(isinstance(v, str) for v in (title, description or "", slug or "")):
            problems.append(problem(path, item.line, f"{where}: title, description and slug "
                                                     "must be text"))
            continue
        slug = slug or slugify(title)
        if not title.strip() or not slug or slugify(slug) != slug:
            problems.append(problem(path, item.line, f"{where}: needs a title with a letter or "
                                                     "digit, and a slug of letters, digits, -"))
            continue
        key = match_key(title)
        if key in seen:
            problems.append(problem(path, item.line, f"{where}: topic '{title}' is listed twice"))
            continue
        seen[key] = title
        topics.append(TopicConfig(title.strip(), (description or "").strip(), slug))
    return tuple(topics)


_PLACEHOLDER = re.compile(r"%\((\w+)\)[sd]")


def _check_strings(item: Field, path: str, problems: list[Problem]
                   ) -> tuple[tuple[str, str | tuple[str, ...]], ...]:
    """`strings: {"Front page": "Startseite"}`; a msgid with plurals takes a list."""
    if item.value is None:
        return ()
    if not isinstance(item.value, dict):
        problems.append(problem(path, item.line, f"strings: expected a mapping of the theme's "
                                                 f"words to yours, found {type_name(item.value)}"))
        return ()
    found: list[tuple[str, str | tuple[str, ...]]] = []
    for key, value in item.value.items():
        if isinstance(value, list) and value and all(isinstance(v, str) for v in value):
            value = tuple(value)
        if not isinstance(key, str) or not isinstance(value, (str, tuple)):
            problems.append(problem(path, item.line, f"strings: '{key}' must map to a text, "
                                                     "or to a list of texts for plurals"))
            continue
        wanted = set(_PLACEHOLDER.findall(key)) | {"num"}
        for text in (value,) if isinstance(value, str) else value:
            names = set(_PLACEHOLDER.findall(text))
            if names - wanted or "%" in _PLACEHOLDER.sub("", text).replace("%%", ""):
                shown = ", ".join(f"%({name})s" for name in sorted(wanted - {"num"}))
                allowed = f"only {shown}" if shown else "no placeholder"
                problems.append(problem(path, item.line, f"strings: '{text}' for '{key}' may "
                                        f"use {allowed}; write %% for a %"))
                break
        else:
            found.append((key, value))
    return tuple(sorted(found))
