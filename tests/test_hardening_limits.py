"""Resource limits: huge, long, numerous, deeply nested and self-multiplying input all end
in a page or a clear error, in bounded time and memory (measured in a process of its own)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from conftest import BUILD_EPOCH, SiteDir, article, front

# Runs in a fresh process: parses one article, prints what happened, how long it took and
# the process's peak memory (ru_maxrss, in kB on Linux).
MEASURE = """
import json, resource, sys, time
from digest.articles import decode, parse_article
from digest.config import Config
from digest.errors import DigestError
from digest.markup import Renderer
data = open(sys.argv[1], "rb").read()
config = Config()
renderer = Renderer(config)
started = time.perf_counter()
try:
    article = parse_article(decode(data, "content/x.md"), "content/x.md", config, renderer)
    outcome = "page: %d bytes of HTML" % len(article.body)
except DigestError as err:
    outcome = str(err)
print(json.dumps({"outcome": outcome, "seconds": time.perf_counter() - started,
                  "peak_kb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss}))
"""


def measure(tmp_path: Path, text: str | bytes) -> dict:
    source = tmp_path / "input.md"
    source.write_bytes(text if isinstance(text, bytes) else text.encode("utf-8"))
    run = subprocess.run([sys.executable, "-c", MEASURE, str(source)], capture_output=True,
                         text=True, timeout=120)
    assert run.returncode == 0, run.stderr[-2000:]
    return json.loads(run.stdout)


@pytest.fixture(scope="module")
def baseline(tmp_path_factory) -> int:
    """Peak memory of the same process for a one-line article."""
    return measure(tmp_path_factory.mktemp("baseline"), article())["peak_kb"]


def billion_laughs() -> str:
    lines = ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    for level in "bcdefghi":
        previous = chr(ord(level) - 1)
        lines.append(f"{level}: &{level} [" + ",".join([f"*{previous}"] * 9) + "]")
    return front(*lines, body="x")


# name: (input, what the outcome starts with, at most this many seconds, MB more than baseline)
CASES = {
    "a YAML alias bomb (a billion laughs)": (
        billion_laughs(), "content/x.md:4: YAML anchors and aliases (&, *) are not allowed", 2,
        10),
    "YAML nested 100,000 deep": (
        front("x: " + "[" * 100_000, body="x"), "content/x.md:4: invalid YAML: exceeded "
                                                  "maximum nesting depth", 2, 20),
    "lists nested 1,000 deep": (
        front(body="".join("    " * i + "- x\n" for i in range(1000))),
        "content/x.md:1004: text nested 999 levels deep", 2, 20),
    "lists nested 240 deep, just short of Python's recursion limit": (
        front(body="".join("    " * i + "- x\n" for i in range(240))), "page", 3, 50),
    "quotes nested 500 deep, line after line": (
        front(body="".join(">" * i + " x\n" for i in range(500))), "page", 5, 200),
    "quotes nested 10,000 deep": (front(body=">" * 10_000 + " x\n"), "page", 5, 50),
    "emphasis nested 10,000 deep": (front(body="*" * 10_000 + "x" + "*" * 10_000), "page", 5, 50),
    "HTML nested 20,000 deep": (front(body="<div>" * 20_000 + "x" + "</div>" * 20_000), "page",
                                10, 200),
    "100,000 unclosed brackets": (front(body="[" * 100_000), "content/x.md:5: too many '['",
                                  3, 30),
    "a 100,000-line article": (
        front(body="".join(f"Line {i}, plain.\n" for i in range(100_000))), "page", 5, 200),
    "a 100,000-line paragraph with markup on every line": (
        front(body="".join(f"{i} *a* b\n" for i in range(100_000))),
        "content/x.md:5: a paragraph of 1161 kB with 200000 marks", 3, 60),
    "a 20 MB article": (front(body="word " * (4 * 1024 * 1024)),
                        "content/x.md:1: article is 20 MB; the limit is 2 MB", 3, 60),
}


@pytest.mark.parametrize("name", CASES)
def test_costly_input_ends_in_bounded_time_and_memory(tmp_path: Path, baseline: int,
                                                      name: str) -> None:
    text, expected, seconds, megabytes = CASES[name]
    result = measure(tmp_path, text)
    assert result["outcome"].startswith(expected), result["outcome"][:300]
    assert result["seconds"] < seconds, result
    grown = (result["peak_kb"] - baseline) / 1024
    assert grown < megabytes, f"peak memory grew by {grown:.0f} MB"


def test_a_long_list_with_markup_costs_far_less_than_the_square_of_its_length(
        tmp_path: Path, baseline: int) -> None:
    """A 100,000-line list with markup on every line is the costliest input that still makes
    a page: its time grows not much faster than its length. Four times the lines take under
    twelve times as long (six, measured; a cost growing with the square would take sixteen,
    one growing with the length four). A ratio rather than seconds, since the seconds (14 to
    22 on one machine, for the same code) say more of the machine. The shorter list is parsed
    before and after the longer, and the slower time is taken, so that the machine slowing
    down meanwhile does not count against digest."""
    def lines(count: int) -> str:
        return front(body="".join(f"- {i} *a*\n" for i in range(count)))

    before = measure(tmp_path, lines(25_000))
    long = measure(tmp_path, lines(100_000))
    after = measure(tmp_path, lines(25_000))
    assert all(run["outcome"].startswith("page") for run in (before, long, after))
    assert long["seconds"] < 12 * max(before["seconds"], after["seconds"]), (before, long, after)
    grown = (long["peak_kb"] - baseline) / 1024
    assert grown < 400, f"peak memory grew by {grown:.0f} MB"


def test_a_site_yaml_alias_bomb_is_refused(site: SiteDir) -> None:
    site.write({"site.yaml": billion_laughs().split("---\n")[1].replace("title: T\n", ""),
                "content/a.md": article()})
    started = time.monotonic()
    run = site.digest("build")
    assert time.monotonic() - started < 5
    assert run.exit_code == 1
    assert "site.yaml:2: YAML anchors and aliases (&, *) are not allowed here" in run.errors


def test_ten_thousand_tiny_articles_build_in_bounded_time_and_memory(tmp_path: Path) -> None:
    """50,000 take ~30 s and ~0.6 GB (see the report of the build); 10,000 here, in a
    process of its own so that its peak memory can be read."""
    root = tmp_path / "many"
    for index in range(10_000):
        folder = root / "content" / f"{index // 1000:02d}"
        folder.mkdir(parents=True, exist_ok=True)
        (folder / f"a{index}.md").write_text(
            f"---\ntitle: Item {index}\ndate: 2025-{1 + index % 12:02d}-{1 + index % 28:02d}\n"
            f"topic: T{index % 10}\ntags: [x{index % 50}]\n---\nBody {index}.\n")
    code = ("import resource, sys\nfrom digest.cli import main\nsys.argv = ['digest', 'build']"
            "\ntry:\n    main()\nfinally:\n    print('peak_kb', resource.getrusage("
            "resource.RUSAGE_SELF).ru_maxrss, resource.getrusage(resource.RUSAGE_CHILDREN)"
            ".ru_maxrss)\n")
    started = time.monotonic()
    run = subprocess.run([sys.executable, "-c", code], cwd=root, capture_output=True, text=True,
                         timeout=300, env={**os.environ, "SOURCE_DATE_EPOCH": BUILD_EPOCH})
    seconds = time.monotonic() - started
    assert run.returncode == 0, run.stderr[-2000:]
    assert "Built 10000 articles" in run.stdout
    peak = max(int(kb) for kb in run.stdout.split("peak_kb")[1].split())
    assert seconds < 60 and peak < 600 * 1024, (seconds, peak)
