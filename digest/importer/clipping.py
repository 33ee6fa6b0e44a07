"""What an imported story is made of, and the article file written from it."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, replace
from pathlib import Path
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from .dates import Moment


class Refused(Exception):
    """A source that gives no article: the message says why and what to do; `origin`
    names the source (or the feed's item) when it is not the whole argument."""

    def __init__(self, message: str, origin: str = ""):
        super().__init__(message)
        self.message, self.origin = message, origin


@dataclass(frozen=True)
class LeadImage:
    src: str  # an http(s) URL, or a path in the site once copied
    alt: str
    caption: str = ""
    credit: str = ""
    local: Path | None = None  # a file saved with the page, copied into static/


@dataclass(frozen=True)
class Clipping:
    """One story as found in a source, before it is placed in the site."""

    origin: str  # the source as the user named it, for messages: a file, a URL, "-"
    title: str
    body: str  # Markdown
    date: Moment | None = None
    updated: Moment | None = None
    authors: tuple[str, ...] = ()
    note: str = ""  # contributor lines: credited, but not as authors
    source_name: str = ""
    source_url: str = ""  # the story's canonical URL
    summary: str = ""
    topic: str = ""
    tags: tuple[str, ...] = ()
    image: LeadImage | None = None
    # short lines near the headline that may name a section ("Local"), nearest first: the
    # topic when one of them is a topic of the site and the page names none
    sections: tuple[str, ...] = ()

    def but(self, **changes) -> Clipping:
        return replace(self, **changes)


def yaml_text(text: str) -> str:
    """A YAML scalar for any text: JSON's double-quoted string is one."""
    return json.dumps(" ".join(text.split()), ensure_ascii=False)


def _flow(pairs: list[tuple[str, str]]) -> str:
    return "{" + ", ".join(f"{key}: {yaml_text(value)}" for key, value in pairs if value) + "}"



def front_matter(clip: Clipping, topic: str, draft: bool) -> str:
    """The article file: front matter that `digest build` reads, then the body."""
    lines = [f"title: {yaml_text(clip.title)}", f"date: {clip.date.front_matter()}"]
    if clip.updated and clip.updated.when != clip.date.when:
        lines.append(f"updated: {clip.updated.front_matter()}")
    lines.append(f"topic: {yaml_text(topic)}")
    if clip.tags:
        lines.append("tags: [" + ", ".join(yaml_text(tag) for tag in clip.tags) + "]")
    if len(clip.authors) == 1:
        lines.append(f"author: {yaml_text(clip.authors[0])}")
    elif clip.authors:
        lines.append("authors: [" + ", ".join(yaml_text(name) for name in clip.authors) + "]")
    if clip.summary:
        lines.append(f"summary: {yaml_text(clip.summary)}")
    if clip.source_url:
        lines.append("source: " + _flow([("name", clip.source_name),
                                         ("url", without_tracking(clip.source_url))]))
    if clip.image:  # alt is required, even when the page gave none
        image = clip.image
        lines.append(f"image: {{src: {yaml_text(image.src)}, alt: {yaml_text(image.alt)}"
                     + "".join(f", {key}: {yaml_text(value)}" for key, value in
                               (("caption", image.caption), ("credit", image.credit)) if value)
                     + "}")
    if clip.note:
        lines.append(f"note: {yaml_text(clip.note)}")
    if draft:
        lines.append("draft: true")
    return "---\n" + "\n".join(lines) + "\n---\n" + clip.body.strip() + "\n"


_TRACKING = re.compile(r"^(?:utm_\w+|fbclid|gclid|mc_cid|mc_eid|cmpid|at_\w+|ocid|smid)$")


def without_tracking(url: str) -> str:
    """The URL without a fragment and the parameters that only tell where a reader came
    from (utm_source and the like)."""
    parts = urlsplit(url.strip())
    query = urlencode([(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True)
                       if not _TRACKING.match(k)])
    return urlunsplit((parts.scheme, parts.netloc, parts.path, query, ""))


_SPACE = re.compile(r"\s+")
_MARKUP = re.compile(r"[*_`#>\[\]()!\\|~-]+|\(https?://[^)]*\)")


def body_key(markdown: str) -> str:
    """The body's words alone: the same story clipped twice gives the same key, whatever
    the spacing or markup."""
    return _SPACE.sub(" ", _MARKUP.sub(" ", markdown)).strip().casefold()
