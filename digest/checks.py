"""Mistakes that still build: what the build warns about (`path:line: warning: ...`).

Two halves, so that a build that reuses parsed articles warns exactly as one that parses
them: `notice` runs when an article is parsed and keeps what it finds in the article
(`Findings`: mistakes in the file alone, and its links into the site with their lines);
`site_warnings` runs on the grouped site and the list of output files, with cheap look-ups
only. Links to other hosts are never fetched.
"""

from __future__ import annotations

import html
import re
from datetime import datetime
from typing import Any
from urllib.parse import unquote, urlsplit

from .config import Config
from .errors import Problem, did_you_mean, warning
from .model import Article, Findings, Image
from .project import THEME_TEMPLATES, Project, walk
from .site import Site
from .slugs import match_key

# What `digest new` writes as the body of a new article.
PLACEHOLDER = "Write the article here, in Markdown."

_LINK_TAG = re.compile(r"<(a|img)\b([^<>]*)>", re.IGNORECASE)
_ATTRIBUTE = re.compile(r"""([^\s"'<>/=]+)(?:\s*=\s*("[^"]*"|'[^']*'|[^\s"'=<>`]+))?""")
_ID = re.compile(r"""<[A-Za-z][^<>]*?\sid\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s"'>]+))""")
_ID_LITERAL = re.compile(r"""\bid\s*=\s*["']([^"'{}]+)["']""")


def notice(body_html: str, body: str, body_line: int, folder: str, front: dict[str, Any],
           image: Image | None) -> Findings:
    """What an article's file shows on its own: `body_html` is its body as converted from
    the Markdown `body` (which starts at the file's `body_line`), `folder` its page's path
    in the site (`2025/03/22/slug/`), `front` its front-matter fields by key."""
    found: list[tuple[int, str]] = []

    def line_of(text: str) -> int:
        at = body.find(text) if text else -1
        return body_line + body.count("\n", 0, at) if at >= 0 else body_line

    tags = front.get("tags")
    if tags is not None and isinstance(tags.value, str) and "," in tags.value:
        names = ", ".join(name.strip() for name in tags.value.split(",") if name.strip())
        found.append((tags.line, f"tags: '{tags.value.strip()}' is one tag; for several, "
                                 f"write a list: tags: [{names}]"))
    for number, line in enumerate(body.split("\n") if PLACEHOLDER in body else (),
                                  start=body_line):
        if line.strip() == PLACEHOLDER:
            found.append((number, f"the body still holds the text digest new put there "
                                  f"(\"{PLACEHOLDER}\"): write the article, or mark it "
                                  "draft: true"))
            break
    links: list[tuple[str, str, int]] = []
    for tag in _LINK_TAG.finditer(body_html):
        name = tag.group(1).lower()
        attributes = {key.lower(): html.unescape(value.strip("\"'")) if value else ""
                      for key, value in _ATTRIBUTE.findall(tag.group(2))}
        target = attributes.get("href" if name == "a" else "src", "").strip()
        if name == "img" and not attributes.get("alt", "").strip():
            shown = target or "without a src"
            found.append((line_of(target), f"image {shown} has no alt text: say what it "
                                           "shows, for readers who cannot see it "
                                           "(![what it shows](...) or alt=\"...\")"))
        resolved = _in_site(target, folder)
        if resolved is not None:
            links.append((target, resolved, line_of(target)))
    picture = front.get("image")
    if image is not None and picture is not None:
        resolved = _in_site(image.src, folder)
        if resolved is not None:
            links.append((image.src, resolved, picture.line))
        if not image.alt:
            found.append((picture.line, "image: alt is empty: say what the image shows, "
                                        "for readers who cannot see it"))
    ids = frozenset(html.unescape(next(filter(None, match.groups()), ""))
                    for match in _ID.finditer(body_html))
    topic = front.get("topic")
    return Findings(tuple(found), tuple(links), ids, topic.line if topic is not None else 1)


def _in_site(target: str, folder: str) -> str | None:
    """The path in the site a link leads to, with its #fragment ("2025/03/22/a/#x"); ".."
    when it leads out of the site; None when it is not a link into the site at all (another
    host, mailto:, an empty href)."""
    if not target:
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc:
        return None
    path = unquote(parts.path)
    if not path:
        path = folder  # "#section" or "?q": this page
    elif path.startswith("/"):
        path = path[1:]
    else:
        path = folder + path
    segments: list[str] = []
    for segment in path.split("/"):
        if segment == "..":
            if not segments:
                return ".."
            segments.pop()
        elif segment != ".":
            segments.append(segment)
    if path.endswith(("/.", "/..")) or path in (".", ".."):
        segments.append("")  # a folder
    resolved = "/".join(segments)
    return f"{resolved}#{unquote(parts.fragment)}" if parts.fragment else resolved


def left_out(articles: list[Article], now: datetime, drafts: bool, future: bool) -> str:
    """'1 draft and 2 future articles left out: --drafts, --future', or ''."""
    until = now.timestamp()
    draft_count = sum(1 for a in articles if a.draft and not drafts)
    future_count = sum(1 for a in articles if a.stamp > until and not future
                       and not (a.draft and not drafts))
    said, flags = [], []
    if draft_count:
        said.append(f"{draft_count} draft{'s' * (draft_count != 1)}")
        flags.append("--drafts")
    if future_count:
        said.append(f"{future_count} future article{'s' * (future_count != 1)}")
        flags.append("--future")
    if not said:
        return ""
    return f"{' and '.join(said)} left out: {', '.join(flags)}"


def site_warnings(project: Project, config: Config, site: Site, outputs) -> list[Problem]:
    """Every warning about the published articles. `outputs`: the path of every file the
    build writes (a set or a dict's keys)."""
    found: list[Problem] = []
    listed = {match_key(t.title) for t in config.topics}
    default = match_key(config.default_topic)
    names = [t.title for t in config.topics]
    article_ids: dict[str, frozenset[str]] | None = None
    template_ids: frozenset[str] | None = None
    base = len(config.base_path)
    for article in site.articles:
        findings = article.findings
        for line, message in findings.warnings:
            found.append(warning(article.path, line, message))
        key = match_key(article.topic.name)
        if listed and key not in listed and key != default and not config.strict_topics:
            found.append(warning(article.path, findings.topic_line,
                                 f"topic: '{article.topic.name}' is not one of the topics of "
                                 f"site.yaml{did_you_mean(article.topic.name, names)}; add it "
                                 "there, or correct it here"))
        for written, resolved, line in findings.links:
            path, _, anchor = resolved.partition("#")
            page = _output_of(path, outputs)
            if path == "..":
                found.append(warning(article.path, line, f"link {written} leads out of the "
                                                         "site"))
            elif page is None and _looks_like_file(path):
                found.append(warning(article.path, line, f"{written}: the site has no such "
                                                         f"file (put it in static/{path})"))
            elif page is None:
                found.append(warning(article.path, line, f"link {written} leads to no page "
                                                         "of the site"))
            elif anchor:
                if article_ids is None:
                    article_ids = {a.url[base:] + "index.html": a.findings.ids
                                   for a in site.articles}
                ids = article_ids.get(page)
                if ids is None or anchor in ids:
                    continue  # not an article's page: its ids are the templates'
                if template_ids is None:
                    template_ids = _literal_ids(project)
                if anchor not in template_ids:
                    found.append(warning(article.path, line, f"link {written}: the page "
                                                             f"has no #{anchor}"))
    return sorted(set(found))


def _output_of(path: str, outputs) -> str | None:
    """The file a path in the site is served from, if the build writes it."""
    if path == "" or path.endswith("/"):
        candidates = (path + "index.html",)
    else:
        candidates = (path, path + "/index.html")
    return next((c for c in candidates if c in outputs), None)


def _looks_like_file(path: str) -> bool:
    name = path.rsplit("/", 1)[-1]
    return "." in name and not name.endswith(".html")


def _literal_ids(project: Project) -> frozenset[str]:
    """The ids the templates write as they are (`id="main"`): every page may have them."""
    found: set[str] = set()
    for path in walk(project.layouts) + walk(THEME_TEMPLATES):
        try:
            found.update(_ID_LITERAL.findall(path.read_text("utf-8", "replace")))
        except OSError:
            continue
    return frozenset(found)
