"""Where clippings come from: files, folders, standard input and http(s) URLs, each read
into text and handed to the reader for its kind."""

from __future__ import annotations

import re
import socket
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from .clipping import Clipping, Refused

# A news page is rarely over a few hundred kilobytes; anything far larger is not a story.
MAX_BYTES = 10_000_000
TIMEOUT = 20.0  # seconds without an answer before a URL is given up
SUFFIXES = {".html": "html", ".htm": "html", ".xhtml": "html", ".txt": "text", ".text": "text",
            ".xml": "feed", ".rss": "feed", ".atom": "feed", ".json": "feed"}
USER_AGENT = "digest-import (+https://pypi.org/project/digest/)"


@dataclass(frozen=True)
class Input:
    origin: str  # as the user named it
    text: str
    kind: str  # html, text or feed
    url: str = ""  # where it was fetched from
    folder: Path | None = None  # where a saved page's own files are


def expand(source: str, stdin) -> Iterator[Input | Refused]:
    """What one SOURCE argument holds: one input, or one per file of a folder."""
    if source == "-":
        data = stdin.buffer.read() if hasattr(stdin, "buffer") else stdin.read()
        try:
            text = _decode(data if isinstance(data, bytes) else data.encode("utf-8"), "-")
        except Refused as err:
            yield Refused(err.message, "-")
            return
        yield Input("-", text, _kind_of(text, ""))
        return
    if re.match(r"^https?://", source, re.IGNORECASE):
        try:
            yield fetch(source)
        except Refused as err:
            yield err
        return
    path = Path(source)
    if path.is_dir():
        files = sorted(p for p in path.rglob("*") if p.is_file() and _wanted(p, path))
        if not files:
            yield Refused("the folder holds no .html, .txt or feed files")
        for file in files:
            yield from _file(file, file.as_posix())
        return
    if not path.exists():
        yield Refused("no such file or folder" + (
            "; a URL starts with http:// or https://" if "." in source and "/" not in
            source[:8] and not source.endswith(tuple(SUFFIXES)) else ""))
        return
    yield from _file(path, source)


def _wanted(path: Path, top: Path) -> bool:
    """Files of a folder to import: no hidden files, and none of a saved page's own
    resources (the scripts and frames in "Page_files/")."""
    parts = path.relative_to(top).parts
    if any(part.startswith(".") for part in parts):
        return False
    if any(part.endswith(("_files", "-files", "_archivos", "-Dateien")) for part in parts[:-1]):
        return False
    return path.suffix.lower() in SUFFIXES


def _file(path: Path, origin: str) -> Iterator[Input | Refused]:
    try:
        data = path.read_bytes()
    except OSError as err:
        yield Refused(f"cannot read it ({err.strerror})", origin)
        return
    if len(data) > MAX_BYTES:
        yield Refused(f"{len(data) // 1_000_000} MB is too large for a clipping", origin)
        return
    try:
        text = _decode(data, origin)
    except Refused as err:
        yield Refused(err.message, origin)
        return
    yield Input(origin, text, _kind_of(text, SUFFIXES.get(path.suffix.lower(), "")),
                folder=path.parent)


def _kind_of(text: str, named: str) -> str:
    """What a file holds: a feed whatever its name, else what its name says, else what
    its first lines look like."""
    from .feeds import looks_like_feed

    if looks_like_feed(text):
        return "feed"
    if named in ("html", "text"):
        return named
    return "html" if re.search(r"<(?:!doctype html|html|body|p|article)\b", text[:5000],
                               re.IGNORECASE) else "text"


_CHARSET = re.compile(rb"""<meta[^>]+charset=["']?([\w.:-]+)""", re.IGNORECASE)


def _decode(data: bytes, origin: str) -> str:
    declared = _CHARSET.search(data[:4096])  # a saved page says how it is encoded
    encodings = ["utf-8-sig", "cp1252"]
    if declared:
        encodings.insert(0, declared.group(1).decode("ascii"))
    for encoding in encodings:
        try:
            text = data.decode(encoding).removeprefix("\ufeff")
            break
        except (UnicodeDecodeError, LookupError):
            continue
    else:  # cp1252 leaves five bytes undefined
        text = data.decode("latin-1")
    if "\x00" in text:
        raise Refused("not text (it holds NUL bytes): save the page as HTML or text")
    return text.replace("\r\n", "\n")


def fetch(url: str, timeout: float = TIMEOUT, limit: int = MAX_BYTES) -> Input:
    """The page at `url`, with a timeout and a size cap; Refused says why not."""
    request = urllib.request.Request(url, headers={"User-Agent": USER_AGENT,
                                                   "Accept": "text/html, application/xhtml+xml, "
                                                             "application/rss+xml, application/"
                                                             "atom+xml, application/feed+json, "
                                                             "text/plain;q=0.8, */*;q=0.5"})
    try:
        with urllib.request.urlopen(request, timeout=timeout) as answer:
            data = answer.read(limit + 1)
            if len(data) > limit:
                raise Refused(f"the page is larger than {limit // 1_000_000} MB: not a news story")
            kind_header = answer.headers.get("Content-Type", "")
            charset = answer.headers.get_content_charset() or ""
            final = answer.geturl()
    except urllib.error.HTTPError as err:
        raise Refused(f"the server answered {err.code} {err.reason}") from None
    except urllib.error.URLError as err:
        reason = err.reason
        if isinstance(reason, (TimeoutError, socket.timeout)):
            raise Refused(f"no answer within {timeout:g} s; try again, or save the page and "
                          "import the file") from None
        if isinstance(reason, socket.gaierror):
            raise Refused(f"cannot find the host {_host(url)}: are you offline? Save the page "
                          "in a browser and import the file instead") from None
        raise Refused(f"cannot connect ({reason}): are you offline? Save the page in a "
                      "browser and import the file instead") from None
    except (TimeoutError, socket.timeout):
        raise Refused(f"no answer within {timeout:g} s; try again, or save the page and "
                      "import the file") from None
    except (OSError, ValueError) as err:
        raise Refused(f"cannot fetch it ({err})") from None
    text = None
    if charset:
        try:
            text = data.decode(charset)
        except (LookupError, UnicodeDecodeError):
            text = None
    text = text if text is not None else _decode(data, url)
    from .feeds import looks_like_feed

    if looks_like_feed(text) or re.search(r"(?:rss|atom|feed)\+?(?:xml|json)", kind_header):
        kind = "feed"
    elif "html" in kind_header or re.search(r"<(?:html|body|p)\b", text[:5000], re.I):
        kind = "html"
    else:
        kind = "text"
    return Input(url, text.replace("\r\n", "\n"), kind, url=final)


def _host(url: str) -> str:
    from urllib.parse import urlsplit

    return urlsplit(url).hostname or url


def read_input(item: Input) -> list[Clipping | Refused]:
    """The stories of one input."""
    try:
        if item.kind == "feed":
            from .feeds import read_feed

            return read_feed(item.text, item.origin)
        if item.kind == "html":
            from .html import read_page

            return [read_page(item.text, item.origin, item.url, item.folder)]
        from .text import read_text

        return [read_text(item.text, item.origin)]
    except Refused as err:
        return [Refused(err.message, err.origin or item.origin)]
    except RecursionError:
        return [Refused("the page is nested too deeply to be read", item.origin)]
    except Exception as err:  # noqa: BLE001 - an extractor's failure on odd input
        return [Refused(f"could not be read ({type(err).__name__}: {err}); save it again, "
                        "or copy its text into a .txt file", item.origin)]
