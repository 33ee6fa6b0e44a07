"""`digest serve` under abuse: bounded traffic to 127.0.0.1 only, every test stops by itself.

Many clients at once, slow clients that never finish a request, malformed HTTP, and
paths that try to leave the output folder. The server keeps answering, never serves
what is outside the output folder, and its memory stays flat.
"""

from __future__ import annotations

import asyncio
import socket
import time
from pathlib import Path

from conftest import SiteDir, article

SITE = {
    "site.yaml": "title: Served\nbase_url: https://example.org/news/\n",
    "content/alpha.md": article("Alpha story", "2025-05-01T10:00:00Z", topic="World"),
    "content/beta.md": article("Beta story", "2025-05-02T10:00:00Z", topic="Science"),
}
IDLE_SECONDS = 5  # digest.devserver.IDLE_SECONDS


def rss_kb(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    raise AssertionError("no VmRSS")


async def fetch(port: int, raw: bytes, timeout: float = 30) -> bytes:
    """Send raw bytes, read until the server closes (HTTP/1.0), within `timeout`."""
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    try:
        writer.write(raw)
        await writer.drain()
        return await asyncio.wait_for(reader.read(), timeout)
    finally:
        writer.close()
        try:
            await writer.wait_closed()
        except OSError:
            pass


def get(path: str) -> bytes:
    return f"GET {path} HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n".encode()


def status(response: bytes) -> int:
    return int(response.split(b" ", 2)[1]) if response.startswith(b"HTTP/") else 0


async def crowd(port: int, requests: list[bytes], limit: float) -> tuple[list[bytes], float]:
    started = time.monotonic()
    answers = await asyncio.wait_for(asyncio.gather(*[fetch(port, raw) for raw in requests]),
                                     limit)
    return answers, time.monotonic() - started


def test_a_thousand_requests_at_once_are_all_answered_and_memory_stays_flat(
        site: SiteDir, serve) -> None:
    site.write(SITE)
    server = serve()
    pid = server.process.pid
    paths = ["/news/", "/news/feed.xml", "/news/theme.css", "/news/2025/05/01/alpha/",
             "/news/no/such/page/"]
    requests = [get(paths[i % len(paths)]) for i in range(1000)]
    asyncio.run(crowd(server.port, requests[:50], 30))  # warm up: first threads, caches
    before = rss_kb(pid)
    rounds = []
    for _ in range(2):
        answers, seconds = asyncio.run(crowd(server.port, requests, 60))
        assert sorted({status(a) for a in answers}) == [200, 404]
        assert all(b"Alpha story" in a for a in answers[::5])
        rounds.append((seconds, rss_kb(pid)))
    grown = [kb - before for _, kb in rounds]
    assert grown[-1] < 40_000, f"memory grew by {grown} kB over two rounds"
    assert grown[1] - grown[0] < 10_000, f"memory keeps growing: {grown} kB"
    assert "Traceback" not in "\n".join(server.lines + server.quiet_for(0.2))


def test_slow_clients_are_dropped_and_never_hold_up_the_others(site: SiteDir, serve) -> None:
    site.write(SITE)
    server = serve()
    slow = []
    for _ in range(100):  # slowloris: a request begun, never finished
        connection = socket.create_connection(("127.0.0.1", server.port), timeout=15)
        connection.sendall(b"GET /news/ HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: ")
        slow.append(connection)
    try:
        started = time.monotonic()
        status_code, _, body = server.get("/news/")
        assert status_code == 200 and b"Alpha story" in body
        assert time.monotonic() - started < 2, "a slow client held up a quick one"
        deadline = time.monotonic() + IDLE_SECONDS + 10
        dropped = 0
        for connection in slow:  # each closed by the server (or reset) before the deadline
            connection.settimeout(max(0.01, deadline - time.monotonic()))
            try:
                dropped += connection.recv(100) == b""
            except TimeoutError:
                pass  # still open
            except OSError:  # reset
                dropped += 1
        assert dropped == len(slow), f"only {dropped} of {len(slow)} slow clients dropped"
        assert time.monotonic() - started >= IDLE_SECONDS - 0.5, "dropped before their time"
    finally:
        for connection in slow:
            connection.close()
    assert server.get("/news/")[0] == 200


MALFORMED = [
    b"\r\n\r\n", b"garbage\r\n\r\n", b"GET\r\n\r\n", b"GET / HTTP/9.9\r\n\r\n",
    b"GET /news/ HTTP/1.0\r\n" + b"X: y\r\n" * 200 + b"\r\n",
    b"GET /news/ HTTP/1.0\r\nX: " + b"y" * 70_000 + b"\r\n\r\n",
    b"GET /" + b"a" * 70_000 + b" HTTP/1.0\r\n\r\n",
    b"GET /news/\x00 HTTP/1.0\r\n\r\n", b"GET /news/%ZZ HTTP/1.0\r\n\r\n",
    b"GET /news/\xff\xfe HTTP/1.0\r\n\r\n", b"G\xc3\x89T /news/ HTTP/1.0\r\n\r\n",
    b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n",
    b"POST /news/ HTTP/1.0\r\nContent-Length: 99999999\r\n\r\nabc",
    b"DELETE /news/index.html HTTP/1.0\r\n\r\n", b"PUT /news/x HTTP/1.0\r\n\r\nhello",
    b"CONNECT 127.0.0.1:22 HTTP/1.1\r\n\r\n", b"TRACE / HTTP/1.1\r\n\r\n",
    b"GET http://169.254.169.254/latest/meta-data HTTP/1.1\r\nHost: x\r\n\r\n",
    b"HEAD /news/../../etc/passwd HTTP/1.0\r\n\r\n",
]
# well-formed requests with headers or queries a GET does not need: answered without them
ODD = [
    b"GET /news/ HTTP/1.0\r\nContent-Length: -1\r\n\r\n",
    b"GET /news/ HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n",
    b"GET /news/ HTTP/1.0\r\nHost: evil.example\r\nX-Forwarded-For: 1.2.3.4\r\n\r\n",
    b"GET /news/?x=" + b"%" * 5000 + b" HTTP/1.0\r\n\r\n",
]


def test_malformed_http_gets_an_error_and_the_server_carries_on(site: SiteDir, serve) -> None:
    site.write(SITE)
    server = serve()
    answers, _ = asyncio.run(crowd(server.port, MALFORMED, 30))
    for raw, answer in zip(MALFORMED, answers):
        http09_error = answer.startswith(b"<!DOCTYPE HTML>") and b"Error code" in answer
        assert answer == b"" or http09_error or 400 <= status(answer) < 600, (raw[:40],
                                                                              answer[:80])
        assert b"root:" not in answer
    answers, _ = asyncio.run(crowd(server.port, ODD, 30))
    assert [status(answer) for answer in answers] == [200] * len(ODD)
    assert server.get("/news/")[0] == 200
    assert "Traceback" not in "\n".join(server.lines + server.quiet_for(0.2))


TRAVERSALS = [
    "/news/%252e%252e/%252e%252e/etc/passwd", "/news/%2e%2e%2f%2e%2e%2f%2e%2e%2fetc%2fpasswd",
    "/news/..;/..;/etc/passwd", "/news/.%2e/.%2e/etc/passwd", "/news/%c0%ae%c0%ae/etc/passwd",
    "/news/\u2025/etc/passwd", "/news/%uff0e%uff0e/etc/passwd", "/news/linked/",
    "/news/linked/index.html", "/news/" + "../" * 50 + "etc/passwd", "/news/./././../secret",
    "/news//../secret", "/../../secret", "/news/.digest-manifest.json/../../secret",
]


def test_no_path_reaches_outside_the_output_folder(site: SiteDir, serve, tmp_path: Path) -> None:
    site.write(SITE)
    secret = tmp_path / "secret"
    secret.mkdir()
    (secret / "index.html").write_text("SECRET")
    (tmp_path / "site" / "secret").write_text("SECRET")
    server = serve()
    (site.out / "linked").mkdir()
    (site.out / "linked/index.html").symlink_to(secret / "index.html")
    for path in TRAVERSALS:
        status_code, _, body = server.get(path.replace("\u2025", "%E2%80%A5"))
        assert status_code in (400, 404), (path, status_code)
        assert b"SECRET" not in body


def test_open_pages_beyond_the_limit_are_told_to_retry_and_pages_still_load(
        site: SiteDir, serve) -> None:
    site.write(SITE)
    server = serve()
    streams = []
    try:
        for _ in range(64):
            connection = socket.create_connection(("127.0.0.1", server.port), timeout=10)
            connection.sendall(get("/__digest/events"))
            assert connection.recv(200).startswith(b"HTTP/1.0 200")
            streams.append(connection)
        status_code, headers, _ = server.get("/__digest/events")
        assert status_code == 503 and headers["Retry-After"] == "10"
        assert server.get("/news/")[0] == 200
    finally:
        for connection in streams:
            connection.close()


def test_a_large_file_is_sent_in_pieces_to_many_clients(site: SiteDir, serve) -> None:
    blob = bytes(range(256)) * (20 * 4096)  # 20 MB
    site.write({**SITE, "static/big.bin": blob})
    server = serve()
    pid = server.process.pid
    before = rss_kb(pid)
    answers, _ = asyncio.run(crowd(server.port, [get("/news/big.bin")] * 10, 60))
    assert all(answer.endswith(blob) for answer in answers)
    assert rss_kb(pid) - before < 40_000, "the file was held in memory for each client"
