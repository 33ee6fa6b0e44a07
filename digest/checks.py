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
from collections.abc import Iterable
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
    if tags is not None and isinstance(tags.value, str) and "," in tags.value \
            and not tags.quoted:  # "Washington, D.C." in quotes is meant as one
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
    links: list[tuple[str, str, str, int]] = []
    ids = frozenset(html.unescape(next(filter(None, match.groups()), ""))
                    for match in _ID.finditer(body_html))
    own = folder + "index.html"
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
        if target.startswith("#fnref:") and "footnote-backref" in tag.group(2):
            continue  # made by the footnotes extension: see _unreferenced_footnotes
        resolved = _in_site(target, folder)
        if resolved is not None and not (resolved[0] == own and resolved[1] in ids):
            links.append((target, *resolved, line_of(target)))
    picture = front.get("image")
    if image is not None and picture is not None:
        resolved = _in_site(image.src, folder)
        if resolved is not None:
            links.append((image.src, *resolved, picture.line))
        if not image.alt:
            found.append((picture.line, "image: alt is empty: say what the image shows, "
                                        "for readers who cannot see it"))
    found += _unreferenced_footnotes(body_html, ids, body, body_line)
    topic = front.get("topic")
    return Findings(tuple(found), tuple(links), ids, topic.line if topic is not None else 1)


_BACKREF = re.compile(r'href="#fnref:([^"]+)"')


def _unreferenced_footnotes(body_html: str, ids: frozenset[str], body: str,
                            body_line: int) -> list[tuple[int, str]]:
    """Footnotes whose mark the text lacks: their link back leads nowhere."""
    found = []
    for name in _BACKREF.findall(body_html) if "fnref:" in body_html else ():
        if f"fnref:{name}" not in ids:
            at = body.find(f"[^{name}]:")
            line = body_line + body.count("\n", 0, at) if at >= 0 else body_line
            found.append((line, f"footnote [^{name}] is never marked in the text: put "
                                f"[^{name}] where it belongs"))
    return found


def _in_site(target: str, folder: str) -> tuple[str, str] | None:
    """The file in the site a link leads to ("2025/03/22/a/index.html") and its #fragment;
    ".." when it leads out of the site; None when it is not a link into the site at all
    (another host, mailto:, an empty href)."""
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
                return "..", ""
            segments.pop()
        elif segment != ".":
            segments.append(segment)
    if path.endswith(("/.", "/..")) or path in (".", ".."):
        segments.append("")  # a folder
    resolved = "/".join(segments)
    if resolved == "" or resolved.endswith("/"):
        resolved += "index.html"
    return resolved, unquote(parts.fragment)


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


def site_warnings(project: Project, config: Config, site: Site, outputs,
                  articles: Iterable[Article] | None = None) -> list[Problem]:
    """Every warning about the published articles (or those of `articles` alone).
    `outputs`: the path of every file the build writes (a set or a dict's keys). A look-up
    or two per link: cheap at any size."""
    found: list[Problem] = []
    unlisted: set[str] = set()
    if config.topics and not config.strict_topics:
        listed = {match_key(t.title) for t in config.topics} | {match_key(config.default_topic)}
        unlisted = {t.name for t in site.topics if match_key(t.name) not in listed}
    links = _Links(project, config, site, outputs)
    for article in site.articles if articles is None else articles:
        findings = article.findings
        for line, message in findings.warnings:
            found.append(warning(article.path, line, message))
        if unlisted and article.topic.name in unlisted:
            names = [t.title for t in config.topics]
            found.append(warning(article.path, findings.topic_line,
                                 f"topic: '{article.topic.name}' is not one of the topics of "
                                 f"site.yaml{did_you_mean(article.topic.name, names)}; add it "
                                 "there, or correct it here"))
        for written, file, anchor, line in findings.links:
            if not anchor and file in outputs:
                continue  # most links: a page or file the build writes
            message = links.problem(written, file, anchor)
            if message:
                found.append(warning(article.path, line, message))
    return sorted(set(found))


class _Links:
    """What is known of the site's pages, looked up when a link is not plainly there."""

    def __init__(self, project: Project, config: Config, site: Site, outputs):
        self.project, self.config, self.site, self.outputs = project, config, site, outputs
        self._article_ids: dict[str, frozenset[str]] | None = None
        self._template_ids: frozenset[str] | None = None

    def problem(self, written: str, file: str, anchor: str) -> str:
        """What is wrong with a link to `file` (and `#anchor`), or ''."""
        if file == "..":
            return f"link {written} leads out of the site"
        if file not in self.outputs:
            if file + "/index.html" in self.outputs:  # a folder without its slash
                file += "/index.html"
            elif _looks_like_file(file):
                return f"{written}: the site has no such file (put it in static/{file})"
            else:
                return f"link {written} leads to no page of the site"
        if not anchor:
            return ""
        if self._article_ids is None:
            base = len(self.config.base_path)
            self._article_ids = {a.url[base:] + "index.html": a.findings.ids
                                 for a in self.site.articles}
        ids = self._article_ids.get(file)
        if ids is None or anchor in ids:
            return ""  # not an article's page: its ids are the templates'
        if self._template_ids is None:
            self._template_ids = _literal_ids(self.project)
        return "" if anchor in self._template_ids else f"link {written}: the page has no " \
                                                        f"#{anchor}"


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
