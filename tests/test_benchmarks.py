"""The benchmark scripts, run as a reader of the README runs them."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

BENCHMARKS = Path(__file__).parent.parent / "benchmarks"


def test_timeline_shows_each_kind_of_process_at_work_in_a_cold_build(tmp_path: Path) -> None:
    sys.path.insert(0, str(BENCHMARKS))
    from corpus import write_corpus

    site = tmp_path / "site"
    write_corpus(site, 400)
    run = subprocess.run([sys.executable, str(BENCHMARKS / "timeline.py"), str(site),
                          "--step", "0.1"], capture_output=True, text=True, timeout=600,
                         env={**os.environ, "DIGEST_WORKERS": "2"})
    assert run.returncode == 0, run.stderr
    lines = run.stdout.splitlines()
    assert lines[0].split() == ["t", "s", "cores", "main", "workers", "search", "pagefind"]
    assert lines[-2].startswith("Built 400 articles")
    totals = dict(re.findall(r"(\w+) ([\d.]+)", lines[-1].partition(";")[0]))
    assert set(totals) == {"main", "workers", "search", "pagefind"}
    assert all(float(seconds) > 0 for seconds in totals.values()), lines[-1]
    steps = [list(map(float, line.split())) for line in lines[1:-2]]
    assert steps and all(abs(busy - sum(shares)) < 0.03 for _, busy, *shares in steps)
    assert (site / "_site" / "index.html").is_file()
