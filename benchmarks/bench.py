"""Measure digest's speed on a generated corpus and print a table.

    python benchmarks/bench.py                 # N = 1,000 and 10,000
    python benchmarks/bench.py --n 2000        # any sizes: --n 2000 5000
    python benchmarks/bench.py --n 100000      # from 50,000 articles, one run of each build
    python benchmarks/bench.py --no-browser    # skip the save-to-reload measurement

The header names the versions, the machine (cores, usable cores, platform) and where the
corpora are written. For each N: a cold build (no cache, no output) and the part of it that
does not spread over cores (from cold builds on one worker and on two, and from the second's
time and CPU time), a warm build (five articles edited), a no-op build, a build after the
site's title is edited in site.yaml with the number of articles it parsed again, the first
rebuild of `digest serve` started on the site built, a one-article rebuild through the code
path `digest serve` uses, the save-to-reload time in a real browser on a served site, the
peak memory (of the largest process, and of all the build's processes together, sampled)
and the size of the output, then what each kind of file in it weighs (as
benchmarks/sizes.py tells it). Builds run `digest build` as a separate
process; times are medians. The builds include the search index; it is also measured alone,
made as a build makes it: from nothing (every shard), after five articles are edited (only
their shards), and with nothing changed, with its size. What it is doing goes to stderr as
it goes.
"""

from __future__ import annotations

import argparse
import json
import marshal
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from corpus import write_corpus  # noqa: E402
from sizes import measure as measure_sizes, report as size_report  # noqa: E402

DIGEST = str(Path(sys.executable).parent / "digest")
ENV = {**os.environ, "SOURCE_DATE_EPOCH": "1798761600", "PYTHONUNBUFFERED": "1"}  # 2027-01-01


def note(text: str) -> None:
    print(f"{time.strftime('%H:%M:%S')} {text}", file=sys.stderr, flush=True)


def run_build(site: Path, *args: str, workers: int | None = None
              ) -> tuple[float, float, float, float]:
    """(seconds, peak resident MB of its largest process, CPU seconds, peak MB of all its
    processes together) of one `digest build` process and its children. All together is
    the proportional set size (shared pages shared out) summed over the process tree,
    sampled every 0.2 s: forked workers share much of their memory with the build."""
    os.sync()  # what earlier steps wrote or deleted reaches the disk first, not during this one
    env = ENV if workers is None else {**ENV, "DIGEST_WORKERS": str(workers)}
    with tempfile.TemporaryFile() as errors:  # a pipe left unread could fill and stall it
        started = time.perf_counter()
        process = subprocess.Popen([DIGEST, "build", *args], cwd=site, env=env,
                                   stdout=subprocess.DEVNULL, stderr=errors)
        done, together = threading.Event(), [0]

        def sample() -> None:
            while not done.wait(0.2):
                together[0] = max(together[0],
                                  sum(map(_proportional, process_tree(process.pid))))

        sampler = threading.Thread(target=sample, daemon=True)
        sampler.start()
        _, status, usage = os.wait4(process.pid, 0)
        done.set()
        sampler.join()
        seconds = time.perf_counter() - started
        process.returncode = os.waitstatus_to_exitcode(status)
        if process.returncode != 0:
            errors.seek(0)
            raise SystemExit(f"build failed in {site}: {errors.read().decode()}")
    return (seconds, usage.ru_maxrss / 1024, usage.ru_utime + usage.ru_stime,
            together[0] / 2**20)


def process_tree(pid: int) -> list[int]:
    """The process and all its descendants, as Linux lists them (none elsewhere)."""
    found = [pid]
    for parent in found:
        try:
            for task in os.listdir(f"/proc/{parent}/task"):
                with open(f"/proc/{parent}/task/{task}/children") as listing:
                    found += map(int, listing.read().split())
        except OSError:
            continue  # gone meanwhile, or no /proc
    return found


def _proportional(pid: int) -> int:
    """A process's proportional set size in bytes, 0 if unknown."""
    try:
        with open(f"/proc/{pid}/smaps_rollup") as rollup:
            for line in rollup:
                if line.startswith("Pss:"):
                    return int(line.split()[1]) * 1024
    except (OSError, ValueError):
        pass
    return 0


def edit(site: Path, index: int, stamp: str) -> Path:
    files = sorted((site / "content").rglob("*.md"))
    path = files[index * 7919 % len(files)]
    text = path.read_text("utf-8")
    head, _, rest = text.partition("\ntitle: ")
    title, _, tail = rest.partition("\n")
    path.write_text(f'{head}\ntitle: "Edited {stamp}"\n{tail}', "utf-8")
    return path


def cached_articles(site: Path) -> tuple[str, int, set[tuple[str, str]]]:
    """The parse cache's settings key, its file's inode, and the (path, content hash) of each
    article in it (pieces in marshal's format, then a line of JSON that says their sizes)."""
    path = site / ".digest-cache" / "articles.bin"
    with open(path, "rb") as stream:
        inode = os.fstat(stream.fileno()).st_ino
        body, _, head = stream.read().rpartition(b"\n")
    header, start, keys = json.loads(head), 0, set()
    for size, _ in header["pieces"]:
        keys.update((record[0], record[1]) for record in marshal.loads(body[start:start + size]))
        start += size
    return header["key"], inode, keys


def parsed_again(before: tuple[str, int, set], after: tuple[str, int, set]) -> int:
    """How many articles a build parsed, told from the parse cache before and after it.

    The cache keeps each article parsed, by path and content hash, under a key of the
    settings parsing depends on, and is replaced (a new inode) only when what it holds
    changed. A build parses the articles the cache lacks: those are its new entries. A new
    key, or a cache replaced with no new entry, means it was not used: everything was
    parsed again."""
    key, inode, entries = before
    new_key, new_inode, new_entries = after
    fresh = len(new_entries - entries)
    if new_key != key or (new_inode != inode and fresh == 0):
        return len(new_entries)
    return fresh


def measure_builds(site: Path, runs: int) -> dict[str, tuple[float, float, float]]:
    results: dict[str, list[tuple[float, float, float, float]]] = {
        "cold": [], "warm": [], "no-op": [], "title": []}
    parsed = []
    for attempt in range(runs):
        for leftover in (site / "_site", site / ".digest-cache"):
            shutil.rmtree(leftover, ignore_errors=True)
        note(f"run {attempt + 1} of {runs}: cold build")
        results["cold"].append(run_build(site))
        for index in range(5):
            edit(site, attempt * 5 + index, f"warm {attempt} {index}")
        note(f"run {attempt + 1} of {runs}: warm, no-op and site.yaml title builds")
        results["warm"].append(run_build(site))
        results["no-op"].append(run_build(site))
        before = cached_articles(site)
        settings = site / "site.yaml"
        text = settings.read_text("utf-8")
        head, _, rest = text.partition("title: ")
        settings.write_text(f"{head}title: Retitled {attempt}\n{rest.partition(chr(10))[2]}",
                            "utf-8")
        results["title"].append(run_build(site))
        parsed.append(parsed_again(before, cached_articles(site)))
    summary = {name: (statistics.median(t for t, _, _, _ in values),
                      max(m for _, m, _, _ in values), max(a for _, _, _, a in values))
               for name, values in results.items()}
    summary["parsed again"] = (float(max(parsed)), 0.0, 0.0)
    return summary


def measure_serial(site: Path) -> tuple[float, float, float, float]:
    """The part of a cold build that does not spread over cores, by Amdahl's law from a cold
    build on one worker (T1) and on two (T2): T1 = S + P and T2 = S + P / 2, so
    S = 2 * T2 - T1. And again from T2 alone, with the CPU time C2 that build used (its
    processes' and their children's): C2 = S + P, so S = 2 * T2 - C2, whatever one worker
    does. Returns (S, T1, T2, S from C2)."""
    times, cpu = {}, {}
    for workers in (1, 2):
        for leftover in (site / "_site", site / ".digest-cache"):
            shutil.rmtree(leftover, ignore_errors=True)
        note(f"cold build on {workers} worker{'s' if workers > 1 else ''}")
        times[workers], _, cpu[workers], _ = run_build(site, workers=workers)
    return 2 * times[2] - times[1], times[1], times[2], 2 * times[2] - cpu[2]


def measure_search(site: Path) -> dict[str, float]:
    """The search index alone, made as a build makes it, on the site's parsed articles: from
    nothing (every shard), after five articles are edited (their shards), and again with
    nothing changed; seconds each, the shards indexed, and the index's size in MB."""
    from datetime import datetime, timezone

    from digest.output import Cached
    from digest.project import Project
    from digest.reuse.phases import Reuse
    from digest.search import SearchIndex
    from digest.site import select
    from digest.workers import worker_count

    project = Project.at(site / "site.yaml")
    config = project.read_config()
    now = datetime.fromtimestamp(int(ENV["SOURCE_DATE_EPOCH"]), timezone.utc)

    def published() -> tuple[list, dict[str, str]]:
        articles, sources, _ = Reuse.load(site, config).articles(project, config)
        return select(articles, now, False, False), sources

    cache = Path(tempfile.mkdtemp(prefix="digest-search-", dir=site))
    index = SearchIndex(cache, worker_count())

    def indexed() -> dict:  # as a build does: begun, then waited for
        index.begin(config, articles, sources)
        return index.files(config, articles, sources)

    figures = {}
    articles, sources = published()
    started = time.perf_counter()
    files = indexed()
    figures["cold"] = time.perf_counter() - started
    listed = json.loads(files["search/shards.json"])["shards"] if files else None
    figures["shards"] = 0 if listed is None else len(listed) + 1  # and the one in search/
    figures["MB"] = sum(content.size if isinstance(content, Cached) else content.stat().st_size
                        for content in files.values()
                        if isinstance(content, (Cached, Path))) / 1e6
    for number in range(5):
        edit(site, 3000 + number, f"search {number}")
    articles, sources = published()
    started = time.perf_counter()
    indexed()
    figures["edits"] = time.perf_counter() - started
    figures["edited shards"] = index.indexed
    started = time.perf_counter()
    indexed()
    figures["no-op"] = time.perf_counter() - started
    shutil.rmtree(cache)
    return figures


def measure_rebuild(site: Path, edits: int) -> tuple[float, float]:
    """Seconds for the dev server's first rebuild on the site built, then milliseconds for
    one edited article, through the dev server's Session with a thread running beside it, as
    the server's HTTP and file-watching threads do."""
    import threading

    from digest.build import Options
    from digest.project import Project
    from digest.serve import Session

    stop = threading.Event()
    server = threading.Thread(target=stop.wait, daemon=True)
    server.start()
    try:
        session = Session(Project.at(site / "site.yaml"), Options())
        started = time.perf_counter()
        session.rebuild("start")
        start = time.perf_counter() - started
        times = []
        for index in range(edits):
            path = edit(site, 1000 + index, f"rebuild {index}")
            changed = frozenset([path.relative_to(site).as_posix()])  # as the watcher says
            started = time.perf_counter()
            line = session.rebuild("edit", changed=changed)
            times.append((time.perf_counter() - started) * 1000)
            if "written" not in line:
                raise SystemExit(line)
        session.settle()  # the search index made behind the rebuilds, before the corpus goes
    finally:
        stop.set()
    return start, statistics.median(times)


def measure_reload(site: Path, edits: int) -> float:
    """Milliseconds from saving an article to the open browser page showing it."""
    from playwright.sync_api import sync_playwright

    port = 8700 + os.getpid() % 200
    server = subprocess.Popen([DIGEST, "serve", "--port", str(port)], cwd=site, env=ENV,
                              stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        for line in server.stdout:
            if "Serving http://" in line:
                url = line.split()[1]
                break
        times = []
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(
                executable_path="/usr/bin/chromium",
                args=["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                      "--disable-component-update", "--disable-sync", "--no-first-run"])
            page = browser.new_page()
            for index in range(edits):
                path = edit(site, 2000 + index, f"reload {index}")
                slug = path.stem
                day = next((site / "_site").glob(f"*/*/*/{slug}/index.html")).parent
                page_url = url + day.relative_to(site / "_site").as_posix() + "/"
                page.goto(page_url)
                page.wait_for_timeout(300)  # the event stream is open
                stamp = f"Reloaded {index} {time.time_ns()}"
                text = path.read_text("utf-8")
                head, _, rest = text.partition("\ntitle: ")
                _, _, tail = rest.partition("\n")
                started = time.perf_counter()
                path.write_text(f'{head}\ntitle: "{stamp}"\n{tail}', "utf-8")
                page.wait_for_function(f"document.title.startsWith({stamp!r})",
                                       timeout=30_000)
                times.append((time.perf_counter() - started) * 1000)
            browser.close()
        return statistics.median(times)
    finally:
        server.terminate()
        server.wait(timeout=10)
        server.stdout.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--n", type=int, nargs="+", action="extend",
                        help="corpus sizes (--n 1000 2000, or --n repeated)")
    parser.add_argument("--runs", type=int, help="build runs per measurement (default: 3, "
                                                 "1 from 50,000 articles)")
    parser.add_argument("--edits", type=int, default=20, help="edits per rebuild measurement")
    parser.add_argument("--no-browser", action="store_true", help="skip save-to-reload")
    arguments = parser.parse_args()
    sizes = arguments.n or [1000, 10000]

    from importlib.metadata import version

    import digest.cli

    libraries = ", ".join(f"{name} {version(name)}" for name in ("Markdown", "Jinja2", "PyYAML"))
    print(f"digest {digest.cli.version()}, Python {platform.python_version()}, {libraries}, "
          f"{os.cpu_count()} cores ({len(os.sched_getaffinity(0))} usable), "
          f"{platform.platform(terse=True)}, corpora in {tempfile.gettempdir()}", flush=True)
    header = ("articles", "cold s", "serial est. s (T1, T2; from CPU)", "warm s", "no-op s",
              "title s", "re-parsed",
              "serve start s", "rebuild ms", "reload ms", "peak MB (one; all)",
              "output MB",
              "search cold s (shards)", "search 5 edits s (shards)", "search no-op s",
              "index MB")
    rows, remarks = [], []
    sizes_by_kind: list[tuple[int, dict[str, tuple[int, int]]]] = []
    for size in sizes:
        with tempfile.TemporaryDirectory(prefix="digest-bench-") as folder:
            site = Path(folder)
            note(f"writing {size:,} articles")
            write_corpus(site, size)
            serial, one, two, from_cpu = measure_serial(site)
            builds = measure_builds(site, arguments.runs or (1 if size >= 50_000 else 3))
            kinds = measure_sizes(site / "_site")
            output = sum(weight for _, weight in kinds.values()) / 1e6
            sizes_by_kind.append((size, kinds))
            note("the search index alone: from nothing, after five edits, unchanged")
            search = measure_search(site)
            note("one-article rebuilds through the dev server's code")
            start, rebuild = measure_rebuild(site, arguments.edits)
            if not arguments.no_browser:
                note("save-to-reload in Chromium")
            reload = None if arguments.no_browser else measure_reload(site, arguments.edits)
            peak = max(memory for _, memory, _ in builds.values())
            together = max(memory for _, _, memory in builds.values())
            if two >= one:
                remarks.append(f"{size:,} articles: two workers were no faster than one "
                               f"(other work on the cores?), so the serial estimate means "
                               f"nothing")
            rows.append((f"{size:,}", f"{builds['cold'][0]:.2f}",
                         f"{serial:.2f} ({one:.1f}, {two:.1f}; {from_cpu:.2f})",
                         f"{builds['warm'][0]:.2f}", f"{builds['no-op'][0]:.2f}",
                         f"{builds['title'][0]:.2f}", f"{builds['parsed again'][0]:.0f}",
                         f"{start:.2f}", f"{rebuild:.0f}",
                         "-" if reload is None else f"{reload:.0f}",
                         f"{peak:.0f}; {together:.0f}", f"{output:.0f}",
                         f"{search['cold']:.2f} ({search['shards']:.0f})",
                         f"{search['edits']:.2f} ({search['edited shards']:.0f})",
                         f"{search['no-op']:.3f}", f"{search['MB']:.1f}"))
    widths = [max(len(h), *(len(r[i]) for r in rows)) for i, h in enumerate(header)]
    print("  ".join(h.rjust(w) for h, w in zip(header, widths)))
    for row in rows:
        print("  ".join(v.rjust(w) for v, w in zip(row, widths)))
    for remark in remarks:
        print(remark)
    for size, kinds in sizes_by_kind:
        print(f"\nthe output of {size:,} articles, by kind (benchmarks/sizes.py)")
        print(size_report(kinds))


if __name__ == "__main__":
    main()
