"""The dev server's HTTP side: the output folder under the base path, and live reload.

Pages are served from the output folder; HTML gets a small script on the way out (never
on disk) that listens for rebuilds on a server-sent events stream, reloads the page when a
rebuild changed it, and shows a rebuild's problems over the page.
"""

from __future__ import annotations

import json
import mimetypes
import os
import posixpath
import socket
import sys
import threading
from dataclasses import dataclass
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Callable, Protocol
from urllib.parse import quote, unquote, urlsplit

from .config import Config
from .errors import Problem


@dataclass(frozen=True)
class State:
    """What open pages are told: a version per rebuild, and the problems if it failed."""

    version: int = 0
    changed: tuple[str, ...] = ()  # output paths the last rebuild wrote or removed
    problems: tuple[Problem, ...] = ()
    warnings: tuple[Problem, ...] = ()  # of the last rebuild, when it did not fail


class Session(Protocol):
    """What the server needs of the rebuilding side (`serve.Session`)."""

    config: Config | None
    state: State

    def output(self) -> Path: ...

    def wait(self, version: int, timeout: float) -> State: ...

    def wake_all(self) -> None: ...


EVENTS = "/__digest/events"
KEEPALIVE_SECONDS = 10.0
# A client that sends nothing (or reads nothing) for this long is dropped, so that slow or
# stalled connections cannot hold the server's threads.
IDLE_SECONDS = 5.0
MAX_REQUESTS = 128  # answered at once; more wait to be accepted
MAX_STREAMS = 64  # open pages listening for reloads; more are told to retry later
CHUNK = 64 * 1024  # files are sent a piece at a time, so memory stays flat
# Changes to these kinds of files do not change how other pages look.
PAGE_LIKE = (".html", ".xml", ".json", ".txt")
SHOWN_WARNINGS = 50  # over open pages; the terminal has them all

_TYPES = {".xml": "application/xml", ".json": "application/json", ".svg": "image/svg+xml",
          ".css": "text/css", ".js": "text/javascript", ".webmanifest": "application/manifest+json",
          ".md": "text/plain", ".txt": "text/plain", ".ico": "image/x-icon"}

RELOAD_SCRIPT = """<script>
(function () {
  var page = %(page)s, version = %(version)d, box = null, notes = null;
  function show(lines) {
    if (!box) {
      box = document.createElement("div");
      box.id = "digest-problems";
      box.setAttribute("role", "alert");
      box.style.cssText = "position:fixed;inset:auto 0 0 0;max-height:60vh;overflow:auto;" +
        "z-index:2147483647;margin:0;padding:1rem 1.25rem;background:#2b0b0b;color:#ffe9e9;" +
        "font:14px/1.5 ui-monospace,Menlo,Consolas,monospace;border-top:4px solid #e5484d;" +
        "white-space:pre-wrap";
      document.body.appendChild(box);
    }
    box.textContent = "digest: the last rebuild failed\\n\\n" + lines.join("\\n");
  }
  function warn(lines, count) {
    if (!count) { if (notes) { notes.remove(); notes = null; } return; }
    if (!notes) {
      notes = document.createElement("aside");
      notes.id = "digest-warnings";
      notes.setAttribute("aria-label", "digest warnings");
      notes.style.cssText = "position:fixed;inset:auto auto 0 0;max-width:100%%;" +
        "max-height:50vh;overflow:auto;z-index:2147483646;margin:0;padding:.4rem .9rem;" +
        "background:#2b2200;color:#fff3c4;border-top:3px solid #e5a000;" +
        "font:13px/1.5 ui-monospace,Menlo,Consolas,monospace;white-space:pre-wrap";
      notes.appendChild(document.createElement("details"));
      document.body.appendChild(notes);
    }
    var summary = document.createElement("summary"), text = document.createElement("div");
    summary.textContent = "digest: " + count + " warning" + (count === 1 ? "" : "s");
    text.textContent = lines.join("\\n") + (count > lines.length ?
      "\\n... and " + (count - lines.length) + " more in the terminal" : "");
    notes.firstChild.replaceChildren(summary, text);
  }
  var source = new EventSource(%(events)s);
  source.addEventListener("state", function (event) {
    var state = JSON.parse(event.data);
    if (state.problems.length) { show(state.problems); version = state.version; return; }
    warn(state.warnings, state.warned);
    if (state.version === version) return;
    version = state.version;
    if (box || state.all || state.changed.indexOf(page) >= 0) location.reload();
  });
})();
</script>
"""


class DevServer(ThreadingHTTPServer):
    daemon_threads = True
    # A restart on the same port is not kept out by the last run's connections waiting in
    # TIME_WAIT. On POSIX this still refuses a port another socket listens on; on Windows
    # SO_REUSEADDR would let two servers share one, so it stays off there (see server_bind).
    allow_reuse_address = os.name == "posix"
    request_queue_size = 1024  # a burst of connections waits in the kernel, not dropped

    def __init__(self, address: tuple[str, int], session: Session,
                 not_found: Callable[[], None] = lambda: None):
        """`not_found` is told of every request answered 404: the output folder may be gone."""
        self.session = session
        self.not_found = not_found
        self.stopping = False
        self.requests = threading.BoundedSemaphore(MAX_REQUESTS)
        self.streams = threading.BoundedSemaphore(MAX_STREAMS)
        super().__init__(address, Handler)

    def server_bind(self) -> None:
        if hasattr(socket, "SO_EXCLUSIVEADDRUSE"):  # Windows: no other socket on this port
            self.socket.setsockopt(socket.SOL_SOCKET, socket.SO_EXCLUSIVEADDRUSE, 1)
        super().server_bind()

    def process_request(self, request, client_address) -> None:
        """One thread per connection, but no more than MAX_REQUESTS of them at once."""
        while not self.requests.acquire(timeout=0.5):
            if self.stopping:
                self.shutdown_request(request)
                return
        try:
            super().process_request(request, client_address)
        except BaseException:
            self.requests.release()
            raise

    def process_request_thread(self, request, client_address) -> None:
        try:
            super().process_request_thread(request, client_address)
        finally:
            self.requests.release()

    def handle_error(self, request, client_address) -> None:
        """A client that went away or stalled is not news; anything else is one line."""
        error = sys.exc_info()[1]
        if isinstance(error, OSError):
            return
        print(f"digest: error while answering a request: {error!r}", file=sys.stderr)

    def stop(self) -> None:
        self.stopping = True
        self.session.wake_all()
        self.shutdown()
        self.server_close()


class Handler(BaseHTTPRequestHandler):
    server: DevServer
    server_version = "digest"
    sys_version = ""
    timeout = IDLE_SECONDS  # on the socket: every read and write

    def log_message(self, format: str, *args) -> None:  # noqa: A002 - the base class's name
        pass  # one line per rebuild is what the terminal shows, not one per request

    def do_HEAD(self) -> None:  # noqa: N802 - http.server's naming
        self._respond(head=True)

    def do_GET(self) -> None:  # noqa: N802
        if urlsplit(self.path).path != EVENTS:
            self._respond(head=False)
        elif self.server.streams.acquire(blocking=False):
            # a stream waits for rebuilds for as long as the page is open: it gives back its
            # place among the requests, and takes one of the streams'
            self.server.requests.release()
            try:
                self._stream_events()
            finally:
                self.server.streams.release()
                self.server.requests.acquire()  # given back when the connection ends
        else:
            self._send(HTTPStatus.SERVICE_UNAVAILABLE, b"too many open pages\n", "text/plain",
                       False, {"Retry-After": "10"})

    def _respond(self, head: bool) -> None:
        session = self.server.session
        base = (session.config.base_path if session.config else "/")
        output = session.output()
        found = locate(output, base, self.path)
        if isinstance(found, Redirect):
            self._send(found.status, b"", "text/plain", head, {"Location": found.location})
        elif isinstance(found, Path):
            rel = found.relative_to(output).as_posix()
            self._send_file(found, rel, HTTPStatus.OK, head)
        elif found == HTTPStatus.NOT_FOUND:
            self.server.not_found()
            if (output / "404.html").is_file():
                self._send_file(output / "404.html", "404.html", HTTPStatus.NOT_FOUND, head)
            else:
                self._send_problem_page(found, head)
        else:
            self._send_problem_page(found, head)

    def _send_file(self, path: Path, rel: str, status: int, head: bool) -> None:
        """The file, a piece at a time; HTML with the reload script before </body>."""
        try:
            stream = open(path, "rb")
        except OSError:
            self._send(HTTPStatus.NOT_FOUND, b"not found\n", "text/plain", head)
            return
        with stream:
            size = os.fstat(stream.fileno()).st_size
            kind = content_type(rel)
            script, at = b"", size
            if kind.startswith("text/html"):
                script = reload_script(rel, self.server.session.state)
                at = _body_end(stream, size)
            self.send_response(status)
            self._headers(kind, size + len(script))
            if head:
                return
            stream.seek(0)
            _copy(stream, self.wfile, at)
            self.wfile.write(script)
            _copy(stream, self.wfile, size - at)

    def _send_problem_page(self, status: int, head: bool) -> None:
        """No built page to show (the first build failed, or a bad request)."""
        state = self.server.session.state
        body = (b"<!doctype html><html lang=en><meta charset=utf-8><title>digest</title>"
                b"<p>" + HTTPStatus(status).phrase.encode() + b"</p></html>")
        self._send(status, inject(body, "", state), "text/html; charset=utf-8", head)

    def _send(self, status: int, data: bytes, kind: str, head: bool,
              headers: dict[str, str] | None = None) -> None:
        self.send_response(status)
        self._headers(kind, len(data), headers)
        if not head:
            self.wfile.write(data)

    def _headers(self, kind: str, length: int, headers: dict[str, str] | None = None) -> None:
        self.send_header("Content-Type", kind)
        self.send_header("Content-Length", str(length))
        self.send_header("Cache-Control", "no-store")
        self.send_header("X-Content-Type-Options", "nosniff")
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.end_headers()

    def _stream_events(self) -> None:
        """Server-sent events: the state now, then after every rebuild."""
        self.send_response(HTTPStatus.OK)
        self.send_header("Content-Type", "text/event-stream")
        self.send_header("Cache-Control", "no-store")
        self.end_headers()
        session = self.server.session
        state = session.state
        try:
            self._send_state(state)
            while not self.server.stopping:
                newer = session.wait(state.version, KEEPALIVE_SECONDS)
                if newer.version == state.version:
                    self.wfile.write(b": keep-alive\n\n")
                    self.wfile.flush()
                    continue
                state = newer
                self._send_state(state)
        except OSError:
            return  # the page went away

    def _send_state(self, state: State) -> None:
        changed = [name for name in state.changed]
        message = {
            "version": state.version,
            "changed": changed,
            "all": any(not name.endswith(PAGE_LIKE) for name in changed),
            "problems": [str(p) for p in state.problems],
            # a site can have thousands: the first ones, and how many in all
            "warnings": [str(w) for w in state.warnings[:SHOWN_WARNINGS]],
            "warned": len(state.warnings),
        }
        self.wfile.write(b"event: state\ndata: " + json.dumps(message).encode() + b"\n\n")
        self.wfile.flush()


class Redirect:
    def __init__(self, location: str, status: int = HTTPStatus.MOVED_PERMANENTLY):
        self.location, self.status = location, status


def locate(output: Path, base: str, raw: str) -> Path | Redirect | int:
    """The file for a request path, a redirect, or an HTTP error status. Never outside output."""
    try:
        path = unquote(urlsplit(raw).path, errors="strict") if raw.startswith("/") else None
    except (UnicodeDecodeError, ValueError):
        return HTTPStatus.BAD_REQUEST
    if path is None or "\0" in path or "\\" in path:
        return HTTPStatus.BAD_REQUEST
    if not path.startswith(base):
        if base.startswith(path.rstrip("/") + "/"):
            return Redirect(base, HTTPStatus.FOUND)  # "/" to the site under its sub-path
        return HTTPStatus.NOT_FOUND
    parts = path[len(base):].split("/")
    if any(part in (".", "..") for part in parts):
        return HTTPStatus.BAD_REQUEST
    target = output.joinpath(*[part for part in parts if part])
    root = os.path.realpath(output)
    real = os.path.realpath(target)
    if real != root and not real.startswith(root + os.sep):
        return HTTPStatus.NOT_FOUND  # a symbolic link that points out of the output
    if os.path.isdir(real):
        if not path.endswith("/"):
            return Redirect(quote(path + "/"))
        target = target / "index.html"
        if not os.path.realpath(target).startswith(root + os.sep):
            return HTTPStatus.NOT_FOUND
    return target if target.is_file() else HTTPStatus.NOT_FOUND


def content_type(name: str) -> str:
    suffix = posixpath.splitext(name)[1].lower()
    kind = _TYPES.get(suffix) or mimetypes.guess_type(name)[0] or "application/octet-stream"
    if kind.startswith("text/") or kind in ("application/xml", "application/json"):
        kind += "; charset=utf-8"
    return kind


def inject(html: bytes, rel: str, state: State) -> bytes:
    """The page with the live-reload script before </body> (or at its end)."""
    data = reload_script(rel, state)
    at = html.rfind(b"</body>")
    return html[:at] + data + html[at:] if at >= 0 else html + data


def reload_script(rel: str, state: State) -> bytes:
    return (RELOAD_SCRIPT % {"page": _script_json(rel), "version": state.version,
                             "events": _script_json(EVENTS)}).encode("utf-8")


def _body_end(stream, size: int) -> int:
    """Where the last </body> of the file starts, or its size: read from the end, in pieces."""
    tag = b"</body>"
    end = size
    while end > 0:
        start = max(0, end - CHUNK)
        stream.seek(start)
        piece = stream.read(end - start + len(tag) - 1)  # overlapping the piece after it
        at = piece.rfind(tag)
        if at >= 0:
            return start + at
        end = start
    return size


def _copy(source, target, length: int) -> None:
    """`length` bytes from one file to another, a piece at a time."""
    while length > 0:
        piece = source.read(min(CHUNK, length))
        if not piece:
            return  # the file got shorter while it was sent; the client sees it as cut
        target.write(piece)
        length -= len(piece)


def _script_json(value: str) -> str:
    """JSON that is safe inside <script>: no '</script>' can come out of it."""
    return json.dumps(value).replace("<", "\\u003c").replace(">", "\\u003e")
