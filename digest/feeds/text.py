"""Text and URLs made safe for feeds, sitemaps and JSON inside HTML."""

from __future__ import annotations

import html
import json
import re
from typing import Any
from urllib.parse import quote, urljoin

from ..config import Config

_INVALID_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
# A start tag, its quoted attribute values allowed to hold '>'.
_START_TAG = re.compile(r"""<[A-Za-z][^\s/>]*(?:\s*[^\s"'>/=]+(?:\s*=\s*(?:"[^"]*"|'[^']*'|"""
                        r"""[^\s"'=<>`]+))?)*\s*/?>""")
_URL_ATTRIBUTE = re.compile(r"""(\s(href|src|cite|poster|srcset)\s*=\s*)"""
                            r"""("[^"]*"|'[^']*'|[^\s"'=<>`]+)""", re.I)
# Characters that end a <script> or start markup; JSON allows them escaped as \uXXXX.
_JSON_IN_HTML = {"<": "\\u003c", ">": "\\u003e", "&": "\\u0026",
                 "\u2028": "\\u2028", "\u2029": "\\u2029"}


def xml_text(text: str) -> str:
    """Text for an XML element or a double-quoted attribute."""
    text = _INVALID_XML.sub("", text)
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace(
        '"', "&quot;")


def json_text(data: Any) -> str:
    """JSON that stays inert inside HTML: no '<', '>' or '&' can close a <script>.
    On one line and with no space after ',' and ':': the C encoder, which any indent turns
    off, is several times faster, and the files are smaller."""
    text = json.dumps(data, ensure_ascii=False, separators=(",", ":"))
    return re.sub("[<>&\u2028\u2029]", lambda m: _JSON_IN_HTML[m.group()], text)


def absolute_url(config: Config, url: str) -> str:
    """An absolute, ASCII-only URL (feeds and sitemaps want URIs, not IRIs)."""
    if not url.startswith(("http://", "https://")):
        url = config.site_root + url
    return uri(url)


def uri(url: str) -> str:
    """`url` with spaces and non-ASCII characters percent-encoded, the rest as it is."""
    return quote(url, safe=":/?#[]@!$&'()*+,;=%~")


def absolute_html(html_text: str, page_url: str) -> str:
    """HTML for use away from its page: every link and image made absolute.

    Root-relative (/brief/img/a.png), relative (photo.jpg, ../x/) and in-page (#fn:1)
    URLs are resolved against `page_url`, as a browser showing the page would.
    """
    def fix_attribute(match: re.Match) -> str:
        prefix, name, written = match.groups()
        value = html.unescape(written[1:-1] if written[0] in "\"'" else written)
        if name.lower() == "srcset":
            fixed = ", ".join(_join_candidate(page_url, part) for part in value.split(","))
        else:
            fixed = uri(urljoin(page_url, value.strip()))
        return match.group() if fixed == value else f'{prefix}"{html.escape(fixed)}"'

    return _START_TAG.sub(lambda tag: _URL_ATTRIBUTE.sub(fix_attribute, tag.group()), html_text)


def _join_candidate(page_url: str, candidate: str) -> str:
    url, _, descriptor = candidate.strip().partition(" ")
    return f"{uri(urljoin(page_url, url))} {descriptor}".strip()
