"""A site given as {path: text}, written to a temporary folder and built for real."""

from __future__ import annotations

import hashlib
import http.client
import json
import os
import queue
import socket
import subprocess
import sys
import textwrap
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from click.testing import CliRunner

from digest.cli import main
from digest.output import MANIFEST

# 2026-01-01T00:00:00Z: builds in tests never depend on the clock.
BUILD_EPOCH = "1767225600"


@dataclass
class Run:
    exit_code: int
    output: str  # stdout
    errors: str  # stderr


@dataclass
class SiteDir:
    root: Path

    def write(self, files: dict[str, str | bytes]) -> None:
        for name, text in files.items():
            path = self.root / name
            path.parent.mkdir(parents=True, exist_ok=True)
            if isinstance(text, bytes):
                path.write_bytes(text)
            else:
                path.write_text(textwrap.dedent(text).lstrip("\n"), encoding="utf-8")

    def digest(self, *args: str) -> Run:
        """Run the digest command line in this site's folder."""
        return _invoke(self.root, args)

    def build(self, *args: str) -> Run:
        run = self.digest("build", *args)
        assert run.exit_code == 0, run.errors
        return run

    @property
    def out(self) -> Path:
        return self.root / "_site"

    def read(self, name: str) -> str:
        return (self.out / name).read_text(encoding="utf-8")

    def snapshot(self) -> dict[str, str]:
        """The output folder's snapshot, to prove a failed build changed nothing."""
        return snapshot(self.out)


def snapshot(folder: Path) -> dict[str, str]:
    """Every file and link of a folder, by path: its hash, or where it points."""
    found = {}
    for path in sorted(folder.rglob("*")):
        name = path.relative_to(folder).as_posix()
        if path.is_symlink():
            found[name] = "link to " + os.readlink(path)
        elif path.is_file():
            found[name] = hashlib.sha256(path.read_bytes()).hexdigest()
    return found


def _invoke(root: Path, args: tuple[str, ...]) -> Run:
    runner = CliRunner()
    cwd = os.getcwd()
    os.chdir(root)
    try:
        result = runner.invoke(main, list(args), env={"SOURCE_DATE_EPOCH": BUILD_EPOCH})
    finally:
        os.chdir(cwd)
    if result.exception and not isinstance(result.exception, SystemExit):
        raise result.exception
    return Run(result.exit_code, result.stdout, result.stderr)


def assert_refused_and_untouched(site: SiteDir, good: dict[str, str],
                                 files: dict[str, str | bytes], message: str) -> None:
    """A good site is built; adding `files` makes the next build fail quickly with
    `message` on a line of its own, exit status 1, no traceback, and the output as it was."""
    site.write(good)
    site.build()
    before = site.snapshot()
    site.write(files)
    started = time.monotonic()
    run = site.digest("build")
    assert time.monotonic() - started < 20
    assert run.exit_code == 1
    assert message in run.errors.splitlines(), run.errors
    assert "Traceback" not in run.errors + run.output
    assert site.snapshot() == before


def read_cache(path: Path) -> tuple[dict, object]:
    """A file of .digest-cache/ as digest writes it: pieces in marshal's format, then a line
    of JSON that says their sizes; the value of each piece, or of the pieces' lists joined."""
    import json
    import marshal

    body, _, head = path.read_bytes().rpartition(b"\n")
    header = json.loads(head)
    values, start = [], 0
    for size, _ in header["pieces"]:
        values.append(marshal.loads(body[start:start + size]))
        start += size
    if all(isinstance(value, list) for value in values):
        return header, [item for value in values for item in value]
    return header, values[0]


def write_cache(path: Path, header: dict, value: object) -> None:
    """Write a file of .digest-cache/ as digest would, in one piece, with a digest that
    vouches for it."""
    import json
    import marshal

    from digest.reuse.store import content_hash

    data = marshal.dumps(value)
    path.write_bytes(data + b"\n" + json.dumps(
        {**header, "pieces": [[len(data), content_hash(data)]]}).encode())


def article(title: str = "A title", date: str = "2025-06-01T10:00:00Z", body: str = "Body text.",
            **fields: str) -> str:
    """An article's text, front matter from keyword arguments written as they are."""
    lines = ["---", f"title: {title}", f"date: {date}"]
    lines += [f"{key}: {value}" for key, value in fields.items()]
    return "\n".join(lines) + "\n---\n" + body + "\n"


def front(*lines: str, body: str = "Body.\n") -> str:
    """An article's text with front matter lines written as they are, after a title and a
    date (so that the first of `lines` is the file's line 4)."""
    return "---\ntitle: T\ndate: 2025-01-01\n" + "".join(f"{line}\n" for line in lines) + \
        "---\n" + body


@pytest.fixture
def site(tmp_path: Path) -> SiteDir:
    return SiteDir(tmp_path / "site")


# `digest serve` as a real process

DIGEST = str(Path(sys.executable).parent / "digest")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@dataclass
class Server:
    process: subprocess.Popen
    port: int
    lines: list[str] = field(default_factory=list)
    reader: threading.Thread | None = None
    _queue: queue.Queue = field(default_factory=queue.Queue)

    def _read(self) -> None:
        for line in self.process.stdout:
            self._queue.put(line.rstrip("\n"))

    def wait_for(self, text: str, timeout: float = 20) -> str:
        """The next output line containing `text` (earlier lines are kept in .lines)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                line = self._queue.get(timeout=0.1)
            except queue.Empty:
                continue
            self.lines.append(line)
            if text in line:
                return line
        raise AssertionError(f"no line with {text!r} in {timeout} s; got {self.lines}")

    def quiet_for(self, seconds: float) -> list[str]:
        """Every line printed in the next `seconds`."""
        got = []
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            try:
                got.append(self._queue.get(timeout=0.05))
            except queue.Empty:
                pass
        self.lines += got
        return got

    def get(self, path: str, method: str = "GET") -> tuple[int, dict, bytes]:
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=10)
        connection.request(method, path)
        response = connection.getresponse()
        body = response.read()
        connection.close()
        return response.status, dict(response.getheaders()), body


def start(site: SiteDir, *args: str, port: int | None = None) -> Server:
    port = port or free_port()
    env = {**os.environ, "PYTHONUNBUFFERED": "1", "SOURCE_DATE_EPOCH": BUILD_EPOCH}
    process = subprocess.Popen([DIGEST, "serve", "--port", str(port), *args], cwd=site.root,
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                               env=env)
    server = Server(process, port)
    server.reader = threading.Thread(target=server._read, daemon=True)
    server.reader.start()
    return server


@pytest.fixture
def serve(site: SiteDir):
    servers: list[Server] = []

    def run(*args: str, port: int | None = None) -> Server:
        server = start(site, *args, port=port)
        servers.append(server)
        line = server.wait_for("Serving http://")
        server.port = int(line.split(":")[2].split("/")[0])
        return server

    yield run
    for server in servers:
        server.process.terminate()
        assert server.process.wait(timeout=10) == 0
        server.wait_for("Stopped.")
        server.reader.join(timeout=5)
        server.process.stdout.close()


def written_index(output: Path) -> bytes | None:
    """The search index's entry file, once the output's manifest, written after every file,
    lists it as it is: the write that made it is over. None until then."""
    try:
        entry = (output / "search" / "pagefind-entry.json").read_bytes()
        manifest = json.loads((output / MANIFEST).read_bytes())
    except (OSError, ValueError):
        return None
    listed = manifest.get("search/pagefind-entry.json")
    return entry if listed == hashlib.sha256(entry).hexdigest() else None


def wait_for_index(output: Path, last: bytes) -> bytes:
    """The search index's entry file once it is written (see written_index) and differs
    from `last`: the dev server writes the index behind its rebuilds."""
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        entry = written_index(output)
        if entry and entry != last:
            return entry
        time.sleep(0.05)
    raise AssertionError("the search index was not written")
