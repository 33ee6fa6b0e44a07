"""`digest serve` as a real process, over real HTTP."""

from __future__ import annotations

import http.client
import os
import shutil
import signal
import socket
import threading
import time
import urllib.request
from pathlib import Path

import pytest

from conftest import Server, SiteDir, article, start, wait_for_index, written_index

SITE = {
    "site.yaml": "title: Served\nbase_url: https://example.org/news/\n",
    "content/alpha.md": article("Alpha story", "2025-05-01T10:00:00Z", topic="World"),
    "content/beta.md": article("Beta story", "2025-05-02T10:00:00Z", topic="Science"),
    "static/style/extra.css": "body { color: black }\n",
}


def page_with(server: Server, path: str, text: bytes, timeout: float = 20) -> bytes:
    """The page at `path` once it is there and holds `text`, asked for until a deadline."""
    deadline = time.monotonic() + timeout
    while True:
        status, _, body = server.get(path)
        if status == 200 and text in body:
            return body
        assert time.monotonic() < deadline, f"{path}: still {status} after {timeout} s"
        time.sleep(0.05)  # between two requests, not a guess at how long anything takes


def test_serves_the_site_under_its_base_path(site: SiteDir, serve) -> None:
    site.write(SITE)
    server = serve()
    status, headers, _ = server.get("/")
    assert status == 302 and headers["Location"] == "/news/"
    status, headers, body = server.get("/news/")
    assert status == 200 and headers["Content-Type"] == "text/html; charset=utf-8"
    assert b"Alpha story" in body and b"/__digest/events" in body
    status, headers, _ = server.get("/news/2025/05/01/alpha")
    assert status == 301 and headers["Location"] == "/news/2025/05/01/alpha/"
    assert server.get("/news/feed.xml")[1]["Content-Type"] == "application/xml; charset=utf-8"
    assert server.get("/news/theme.css")[1]["Content-Type"] == "text/css; charset=utf-8"
    assert server.get("/news/style/extra.css")[2] == b"body { color: black }\n"
    status, headers, body = server.get("/news/no/such/page/")
    assert status == 404 and b"Page not found" in body
    assert server.get("/news/style/")[0] == 404  # a folder without index.html: no listing
    assert server.get("/elsewhere/")[0] == 404
    status, headers, body = server.get("/news/", method="HEAD")
    assert status == 200 and body == b"" and int(headers["Content-Length"]) > 0
    # the reload script is added on the way out, never written to disk
    assert "__digest" not in site.read("index.html")


@pytest.mark.parametrize("path", [
    "/news/../../../../etc/passwd", "/news/%2e%2e/%2e%2e/%2e%2e/etc/passwd",
    "/news/..%2f..%2f..%2fetc%2fpasswd", "/news/%2E%2E%5C%2E%2E%5Cetc%5Cpasswd",
    "//etc/passwd", "/news//etc/passwd", "/news/%00", "/news/%ff%fe", "/news/leak/",
    "/news/leak/passwd", "/news/outside.txt", "http://example.org/etc/passwd",
])
def test_never_serves_outside_the_output_folder(site: SiteDir, serve, path: str,
                                                tmp_path: Path) -> None:
    site.write(SITE)
    secret = tmp_path / "secret"
    secret.mkdir()
    (secret / "passwd").write_text("SECRET")
    (tmp_path / "outside.txt").write_text("SECRET")
    server = serve()
    (site.out / "leak").symlink_to(secret)
    (site.out / "outside.txt").symlink_to(tmp_path / "outside.txt")
    status, _, body = server.get(path)
    assert status in (400, 404), (path, status)
    assert b"SECRET" not in body and b"root:" not in body


def wait_for_built_index(site: SiteDir) -> None:
    """Until the served search index is the one `digest build` makes of the same site, and
    the output's manifest, written after the files, vouches for it: the write is over."""
    copy = SiteDir(site.root.parent / "index-check")
    shutil.rmtree(copy.root, ignore_errors=True)
    shutil.copytree(site.root / "content", copy.root / "content")
    shutil.copy(site.root / "site.yaml", copy.root / "site.yaml")
    copy.build()
    wait = (copy.out / "search" / "pagefind-entry.json").read_bytes()
    deadline = time.monotonic() + 30
    while written_index(site.out) != wait:
        assert time.monotonic() < deadline, "the search index was not written"
        time.sleep(0.05)


def test_an_edit_rebuilds_only_what_changed(site: SiteDir, serve) -> None:
    site.write(SITE)
    server = serve()
    index = wait_for_index(site.out, b"")  # made behind the first build
    unrelated = site.out / "topics/science/index.html"
    before = unrelated.stat().st_mtime_ns
    site.write({"content/alpha.md": article("Alpha, revised", "2025-05-01T10:00:00Z",
                                            topic="World")})
    line = server.wait_for("content/alpha.md changed")
    assert " ms" in line and "files written" in line
    assert b"Alpha, revised" in server.get("/news/2025/05/01/alpha/")[2]
    assert b"Alpha, revised" in server.get("/news/")[2]
    assert b"Alpha, revised" in server.get("/news/topics/world/feed.xml")[2]
    assert unrelated.stat().st_mtime_ns == before
    wait_for_index(site.out, index)  # the edited article's, made behind the rebuild
    # what serve wrote is exactly what build writes
    served = site.snapshot()
    site.build()
    assert site.snapshot() == served


def test_an_atomic_save_gives_exactly_one_rebuild(site: SiteDir, serve) -> None:
    site.write(SITE)
    server = serve()
    temporary = site.root / "content/.alpha.md.swp"
    temporary.write_text(article("Atomic title", "2025-05-01T10:00:00Z"))
    os.replace(temporary, site.root / "content/alpha.md")
    server.wait_for("changed:")
    assert not [line for line in server.quiet_for(1.5) if "changed" in line]
    assert b"Atomic title" in server.get("/news/2025/05/01/alpha/")[2]


def test_a_burst_of_saves_gives_one_rebuild(site: SiteDir, serve) -> None:
    site.write(SITE)
    server = serve()
    for index in range(30):
        site.write({f"content/many/item-{index}.md": article(f"Item {index}")})
    line = server.wait_for("changed:")
    assert " more changed: " in line
    assert not [line for line in server.quiet_for(1.5) if "changed" in line]
    assert server.get("/news/2025/06/01/item-29/")[0] == 200


def test_editor_leftovers_and_output_writes_never_trigger_a_rebuild(site: SiteDir,
                                                                     serve) -> None:
    site.write(SITE)
    server = serve()
    site.write({"content/.#alpha.md": "lock", "content/alpha.md~": "backup",
                "content/notes.txt": "not an article", "_site/extra.txt": "x"})
    assert not [line for line in server.quiet_for(1.0) if "changed" in line]


def test_a_broken_article_keeps_the_last_good_site_and_the_server(site: SiteDir,
                                                                   serve) -> None:
    site.write(SITE)
    server = serve()
    site.write({"content/alpha.md": "---\ntitle: [broken\n---\n"})
    server.wait_for("content/alpha.md:3: invalid YAML")
    server.wait_for("still serving the last good build")
    status, _, body = server.get("/news/2025/05/01/alpha/")
    assert status == 200 and b"Alpha story" in body
    site.write({"content/alpha.md": article("Alpha fixed", "2025-05-01T10:00:00Z")})
    server.wait_for("files written")
    assert b"Alpha fixed" in server.get("/news/2025/05/01/alpha/")[2]


def test_a_broken_template_is_reported_and_fixed(site: SiteDir, serve) -> None:
    site.write(SITE)
    server = serve()
    site.write({"layouts/article.html": "{% extends 'base.html' %}{% block content %}"
                                        "{{ article.title }\n{% endblock %}"})
    server.wait_for("layouts/article.html:1: template error")
    site.write({"layouts/article.html": "{% extends 'base.html' %}{% block content %}"
                                        "<h1>CUSTOM {{ article.title }}</h1>{% endblock %}"})
    server.wait_for("files written")
    assert b"CUSTOM Alpha story" in server.get("/news/2025/05/01/alpha/")[2]


def test_site_yaml_changes_rebuild_everything(site: SiteDir, serve) -> None:
    site.write(SITE)
    server = serve()
    site.write({"site.yaml": "title: Renamed\nbase_url: https://example.org/other/\n"})
    server.wait_for("site.yaml changed")
    status, _, body = server.get("/other/")
    assert status == 200 and b"Renamed" in body
    assert server.get("/news/")[0] == 404


def test_events_stream_reports_rebuilds_and_problems(site: SiteDir, serve) -> None:
    site.write(SITE)
    server = serve()
    connection = http.client.HTTPConnection("127.0.0.1", server.port, timeout=10)
    connection.request("GET", "/__digest/events")
    response = connection.getresponse()
    assert response.headers["Content-Type"] == "text/event-stream"

    def next_event() -> str:
        lines = []
        while (line := response.fp.readline().decode()) != "\n" or not lines:
            if line.startswith("data:"):
                lines.append(line)
        return lines[-1]

    assert '"problems": []' in next_event()
    site.write({"content/beta.md": "---\ntitle: no date\n---\n"})
    assert "content/beta.md:1: missing date" in next_event()
    site.write({"content/beta.md": article("Beta back", "2025-05-02T10:00:00Z")})
    event = next_event()
    assert '"problems": []' in event and "2025/05/02/beta/index.html" in event
    connection.close()


@pytest.mark.parametrize("reuse", [False, True], ids=["plain", "SO_REUSEADDR"])
def test_a_busy_port_moves_to_the_next_free_one(site: SiteDir, serve, reuse: bool) -> None:
    """Even a listener that set SO_REUSEADDR as the server does (another `digest serve`)."""
    site.write(SITE)
    with socket.socket() as busy:
        busy.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, reuse)
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        taken = busy.getsockname()[1]
        server = serve(port=taken)
        assert f"Port {taken} is busy; trying {taken + 1}." in server.lines
        assert server.port != taken
        assert server.get("/news/")[0] == 200


def test_a_restart_gets_the_same_port_at_once(site: SiteDir, serve) -> None:
    """The first run's answered connections wait in TIME_WAIT on its port: the next run
    still gets that port, so open tabs keep their URL."""
    site.write(SITE)
    first = serve()
    for _ in range(5):
        with socket.create_connection(("127.0.0.1", first.port), timeout=10) as connection:
            connection.sendall(b"GET /news/ HTTP/1.0\r\n\r\n")
            while connection.recv(65536):
                pass  # read until the server closes first: its end waits in TIME_WAIT
    port = first.port
    first.process.terminate()
    assert first.process.wait(timeout=10) == 0
    again = serve(port=port)
    assert again.port == port
    assert not any("busy" in line for line in again.lines)
    assert again.get("/news/")[0] == 200


def test_a_host_other_than_loopback_gets_a_warning(site: SiteDir, serve) -> None:
    site.write(SITE)
    server = serve("--host", "0.0.0.0")
    assert any("Warning: listening on 0.0.0.0" in line for line in server.lines)


def test_a_failed_first_build_still_serves_and_recovers(site: SiteDir, serve) -> None:
    site.write({"content/bad.md": "no front matter"})
    server = serve()
    assert any("content/bad.md:1: missing front matter" in line for line in server.lines)
    status, _, body = server.get("/")
    assert status == 404 and b"__digest/events" in body
    site.write({"content/bad.md": article("Now fine")})
    server.wait_for("files written")
    assert b"Now fine" in urllib.request.urlopen(
        f"http://127.0.0.1:{server.port}/2025/06/01/bad/").read()


@pytest.mark.parametrize("signal_number", [signal.SIGINT, signal.SIGTERM])
def test_stops_cleanly_on_a_signal_even_while_answering(site: SiteDir,
                                                        signal_number: int) -> None:
    """Ctrl-C or SIGTERM that lands while requests are being taken in still stops it."""
    site.write(SITE)
    for _ in range(4):
        server = start(site)
        line = server.wait_for("Serving http://")
        port = int(line.split(":")[2].split("/")[0])
        done = threading.Event()
        answered = threading.Semaphore(0)

        def hammer() -> None:
            while not done.is_set():
                try:
                    with socket.create_connection(("127.0.0.1", port), timeout=2) as sock:
                        sock.sendall(b"GET /news/ HTTP/1.0\r\n\r\n")
                        if sock.recv(65536):
                            answered.release()
                except OSError:
                    pass

        clients = [threading.Thread(target=hammer) for _ in range(6)]
        for client in clients:
            client.start()
        deadline = time.monotonic() + 10
        for _ in range(2 * len(clients)):  # every client is under way
            assert answered.acquire(timeout=max(0.0, deadline - time.monotonic()))
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/news/", timeout=10) as answer:
            answer.read()  # the signal comes as the answer ends, while its thread winds down
        server.process.send_signal(signal_number)
        try:
            assert server.process.wait(timeout=10) == 0
        finally:
            done.set()
            for client in clients:
                client.join()
            server.process.kill()
        server.wait_for("Stopped.")
        server.reader.join(timeout=5)
        server.process.stdout.close()


def test_the_output_removed_while_serving_comes_back(site: SiteDir, serve) -> None:
    """rm -rf _site (or git clean -xfd) while it runs: pages and later rebuilds carry on."""
    site.write(SITE)
    server = serve()
    wait_for_index(site.out, b"")  # written behind the first build: not while removing
    shutil.rmtree(site.out)
    site.write({"content/alpha.md": article("Alpha, revised", "2025-05-01T10:00:00Z",
                                            topic="World")})
    page_with(server, "/news/2025/05/01/alpha/", b"Alpha, revised")
    page_with(server, "/news/2025/05/02/beta/", b"Beta story")
    assert b"Alpha, revised" in page_with(server, "/news/", b"Beta story")
    server.wait_for("_site/ was removed; writing it whole again")
    # and the rebuild after it writes in place again
    site.write({"content/beta.md": article("Beta, revised", "2025-05-02T10:00:00Z",
                                           topic="Science")})
    line = server.wait_for("content/beta.md changed")
    assert "files written" in line
    assert b"Beta, revised" in page_with(server, "/news/", b"Alpha, revised")
    lines = "\n".join(server.lines)
    assert "refusing" not in lines and "problem" not in lines and "Traceback" not in lines
    assert lines.count("was removed") == 1
    # what it wrote is what build writes, once the search index is written behind it
    wait_for_built_index(site)
    served = site.snapshot()
    site.build()
    assert site.snapshot() == served


def test_the_output_and_the_cache_removed_while_serving_come_back(site: SiteDir,
                                                                  serve) -> None:
    """git clean -xfd takes .digest-cache/ with the output: the pages are written again at
    the next rebuild, and the search index once it is made again."""
    site.write(SITE)
    server = serve()
    wait_for_index(site.out, b"")  # written behind the first build: not while removing
    shutil.rmtree(site.out)
    shutil.rmtree(site.root / ".digest-cache")
    site.write({"content/alpha.md": article("Alpha, cleaned", "2025-05-01T10:00:00Z",
                                            topic="World")})
    server.wait_for("_site/ was removed; writing it whole again")
    assert "files written" in server.wait_for(" changed: ")  # the removal is seen too
    assert b"Alpha, cleaned" in page_with(server, "/news/2025/05/01/alpha/", b"Alpha, cleaned")
    wait_for_built_index(site)
    lines = "\n".join(server.lines)
    assert "problem" not in lines and "Traceback" not in lines
    served = site.snapshot()
    site.build()
    assert site.snapshot() == served


def test_an_emptied_output_is_written_whole_at_the_next_rebuild(site: SiteDir,
                                                                 serve) -> None:
    """rm -rf _site/* leaves the manifest, which alone vouches for nothing."""
    site.write(SITE)
    server = serve()
    for child in site.out.iterdir():
        if child.name != ".digest-manifest.json":
            shutil.rmtree(child) if child.is_dir() else child.unlink()
    site.write({"content/alpha.md": article("Alpha, again", "2025-05-01T10:00:00Z",
                                            topic="World")})
    server.wait_for("_site/ was emptied; writing it whole again")
    assert "files written" in server.wait_for("content/alpha.md changed")
    assert b"Alpha, again" in page_with(server, "/news/2025/05/01/alpha/", b"Alpha, again")
    assert server.get("/news/2025/05/02/beta/")[0] == 200
    assert server.get("/news/theme.css")[0] == 200
    assert "Traceback" not in "\n".join(server.lines)


def test_an_output_removed_unseen_is_written_again_when_a_page_is_asked_for(
        site: SiteDir, serve) -> None:
    """The watcher sees only the project folder's own entries: build/site can go unseen,
    until a request finds nothing. Then one rebuild writes it, and no more follow."""
    site.write({**SITE, "site.yaml": SITE["site.yaml"] + "output: build/site\n"})
    server = serve()
    assert (site.root / "build/site/index.html").is_file()
    wait_for_index(site.root / "build/site", b"")  # written behind the first build
    shutil.rmtree(site.root / "build/site")
    assert b"Alpha story" in page_with(server, "/news/2025/05/01/alpha/", b"Alpha story")
    server.wait_for("build/site/ was removed; writing it whole again")
    assert "files written" in server.wait_for("build/site changed")
    assert server.get("/news/no/such/page/")[0] == 404  # a plain 404 asks for nothing
    assert not [line for line in server.quiet_for(1.0) if "changed" in line]
