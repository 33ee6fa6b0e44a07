"""Where a build's cores go: the CPU each kind of process uses, step by step.

    python benchmarks/timeline.py SITE             # a cold build of SITE (cache and output go)
    python benchmarks/timeline.py SITE --warm      # a build of SITE as it stands
    python benchmarks/timeline.py --n 10000        # a cold build of a generated corpus

It runs `digest build` as a separate process and reads /proc (Linux only) every --step
seconds: the CPU time of the build's process and of every process under it, put in four
kinds: the main process, its workers (parsing, then rendering), the search index's processes
and the Pagefind each of them runs. Each line gives the time, the cores busy and each kind's
share; then come each kind's CPU seconds, and the core-seconds left idle, which is the part of
the build that did not spread over the cores. What a process used between the last look at
it and its end is counted once the process that started it has waited for it.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from bench import DIGEST, ENV, process_tree  # noqa: E402
from corpus import write_corpus  # noqa: E402

KINDS = ("main", "workers", "search", "pagefind")
TICK = os.sysconf("SC_CLK_TCK")


def processes(root: int) -> dict[int, tuple[int, str, float, float]]:
    """The process `root` and those under it: each one's parent, name, the CPU seconds it
    used and those its children that ended used (once it has waited for them)."""
    found = {}
    for pid in process_tree(root):
        try:
            text = Path(f"/proc/{pid}/stat").read_text()
        except OSError:
            continue  # ended meanwhile
        name = text[text.index("(") + 1:text.rindex(")")]
        fields = text[text.rindex(")") + 2:].split()
        found[pid] = (int(fields[1]), name, (int(fields[11]) + int(fields[12])) / TICK,
                      (int(fields[13]) + int(fields[14])) / TICK)
    return found


def kind_of(pid: int, root: int, table: dict[int, tuple[int, str, float, float]]) -> str:
    if pid == root:
        return "main"
    if table[pid][1].startswith("pagefind"):
        return "pagefind"
    if any(row[0] == pid and row[1].startswith("pagefind") for row in table.values()):
        return "search"
    return "workers"


def watch(build: subprocess.Popen, step: float) -> tuple[list[tuple], dict[str, float]]:
    """(time, cores busy, each kind's cores) at each step, and each kind's CPU seconds.
    What a process used between the last look and its end is found in its parent's count
    of its ended children's CPU, once the parent has waited for it."""
    root, started = build.pid, time.monotonic()
    # pid: (kind, parent, CPU seconds, its ended children's, at the last look)
    seen: dict[int, tuple[str, int, float, float]] = {}
    totals = dict.fromkeys(KINDS, 0.0)
    rows = []
    while build.poll() is None:
        time.sleep(step)
        table = processes(root)
        tree = table.keys()
        used = dict.fromkeys(KINDS, 0.0)
        ended: dict[int, list[int]] = {}  # parent: its children gone since the last look
        for pid in seen.keys() - tree:
            ended.setdefault(seen[pid][1], []).append(pid)

        def counted(pid: int) -> float:
            """What was counted of a process gone since, and of those under it gone too."""
            return seen[pid][2] + seen[pid][3] + sum(map(counted, ended.get(pid, [])))

        for pid in tree:
            kind, _, before, waited = seen.get(pid, (None, 0, 0.0, 0.0))
            if kind in (None, "workers"):  # a search process is known once its Pagefind runs
                kind = kind_of(pid, root, table)
            parent, _, cpu, children = table[pid]
            used[kind] += cpu - before
            gone = ended.get(pid, [])
            unseen = children - waited - sum(map(counted, gone))
            for child in gone:  # their last moments, shared among them
                used[seen[child][0]] += unseen / len(gone)
            seen[pid] = (kind, parent, cpu, children)
        for pid in seen.keys() - tree:
            del seen[pid]
        for kind in KINDS:
            totals[kind] += used[kind]
        rows.append((time.monotonic() - started, sum(used.values()) / step,
                     *(used[kind] / step for kind in KINDS)))
    return rows, totals


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("site", nargs="?", type=Path, help="a site's folder")
    parser.add_argument("--n", type=int, default=10000, help="articles, without a site")
    parser.add_argument("--warm", action="store_true", help="keep the cache and the output")
    parser.add_argument("--step", type=float, default=1.0, help="seconds between looks")
    arguments = parser.parse_args()
    if not Path("/proc/self/stat").exists():
        print("timeline.py reads /proc: Linux only", file=sys.stderr)
        return 1
    made = None
    site = arguments.site
    if site is None:
        made = Path(tempfile.mkdtemp(prefix="digest-timeline-"))
        site = made / "site"
        print(f"writing {arguments.n:,} articles", file=sys.stderr)
        write_corpus(site, arguments.n)
    try:
        if not arguments.warm:
            for leftover in (site / "_site", site / ".digest-cache"):
                shutil.rmtree(leftover, ignore_errors=True)
        with tempfile.TemporaryFile() as said:
            build = subprocess.Popen([DIGEST, "build"], cwd=site, env=ENV, stdout=said,
                                     stderr=subprocess.STDOUT)
            rows, totals = watch(build, arguments.step)
            said.seek(0)
            last = said.read().decode("utf-8", "replace").strip().splitlines()[-1:]
        cores = len(os.sched_getaffinity(0))
        print(f"{'t s':>6} {'cores':>6} " + " ".join(f"{kind:>8}" for kind in KINDS))
        for moment, busy, *shares in rows:
            print(f"{moment:6.1f} {busy:6.2f} " + " ".join(f"{share:8.2f}" for share in shares))
        seconds = rows[-1][0] if rows else 0.0
        idle = sum(max(0.0, cores - busy) for _, busy, *_ in rows) * arguments.step
        print(f"{last[0] if last else 'no output'}\nCPU s: " +
              ", ".join(f"{kind} {totals[kind]:.1f}" for kind in KINDS) +
              f"; {seconds:.1f} s on {cores} cores, {idle:.1f} core-seconds idle")
        return build.returncode
    finally:
        if made is not None:
            shutil.rmtree(made, ignore_errors=True)


if __name__ == "__main__":
    raise SystemExit(main())
