"""The article reader under coverage-guided fuzzing, for a bounded time on every run.

DIGEST_FUZZ_SECONDS sets how long (default 20); the corpus it starts from is kept in
fuzz/corpus/articles, and every input in it is replayed first.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
CORPUS = ROOT / "fuzz" / "corpus" / "articles"
sys.path.insert(0, str(ROOT / "fuzz"))
import fuzz_articles  # noqa: E402 - the fuzz target, importable without atheris

SECONDS = int(os.environ.get("DIGEST_FUZZ_SECONDS", "20"))


def test_every_input_of_the_fuzz_corpus_gives_an_article_or_problems() -> None:
    fuzz_articles.load()
    inputs = sorted(CORPUS.iterdir())
    assert len(inputs) > 100
    for path in inputs:
        fuzz_articles.check(path.read_bytes())


def test_the_article_reader_survives_fuzzing(tmp_path: Path) -> None:
    try:
        import atheris  # noqa: F401
    except ImportError:
        if os.environ.get("CI"):
            raise  # CI installs the test extra, which has it
        pytest.skip("atheris is not installed (pip install atheris)")
    found = tmp_path / "new-inputs"
    found.mkdir()
    run = subprocess.run(
        [sys.executable, str(ROOT / "fuzz/fuzz_articles.py"), str(found), str(CORPUS),
         f"-max_total_time={SECONDS}", "-timeout=10", "-rss_limit_mb=2048",
         f"-artifact_prefix={tmp_path}/", "-print_final_stats=1"],
        capture_output=True, text=True, timeout=SECONDS + 120, cwd=tmp_path)
    report = run.stderr[run.stderr.find("=== Uncaught"):][:3000] if "Uncaught" in \
        run.stderr else run.stderr[-3000:]
    saved = [p.name for p in tmp_path.iterdir() if p.name.startswith(("crash-", "timeout-",
                                                                      "oom-", "slow-"))]
    assert run.returncode == 0 and not saved, f"{saved}\n{report}"
    runs = [line for line in run.stderr.splitlines() if "number_of_executed_units" in line]
    assert runs and int(runs[0].split()[-1]) > 1000
