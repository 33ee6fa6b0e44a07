#!/usr/bin/env python3
"""Coverage-guided fuzzing of the article reader with atheris (libFuzzer for Python).

Any bytes must give an Article or a DigestError of problems in that file, quickly:

    python fuzz/fuzz_articles.py NEW_INPUTS fuzz/corpus/articles -max_total_time=60

libFuzzer adds the inputs that reach new code to the first folder, reads the others as
seeds, and stops at an input that makes the reader crash, hang (-timeout=SECONDS) or use
too much memory (-rss_limit_mb=MB), saving it as crash-*, timeout-* or oom-*. To fold the
new inputs into the corpus: fuzz/fuzz_articles.py -set_cover_merge=1 fuzz/corpus/articles
NEW_INPUTS. tests/test_fuzz.py runs it for a bounded time, and replays the corpus.
"""

from __future__ import annotations

import sys

PATH = "content/2025-06-01-fuzzed.md"


def load() -> None:
    """Import what is fuzzed (inside atheris' instrumentation, when fuzzing)."""
    global decode, parse_article, DigestError, CONFIG, RENDERER
    import markdown  # noqa: F401 - imported here so that its branches guide the fuzzer too

    from digest.articles import decode, parse_article
    from digest.config import Config
    from digest.errors import DigestError
    from digest.markup import Renderer

    CONFIG = Config()
    RENDERER = Renderer(CONFIG)


def check(data: bytes) -> None:
    """An article, or problems in this file: never another exception."""
    try:
        article = parse_article(decode(data, PATH), PATH, CONFIG, RENDERER)
    except DigestError as err:
        assert err.problems
        for problem in err.problems:
            assert problem.path == PATH and problem.line >= 0 and problem.message
            # the message on one line; the offending line, if shown, under it, and a caret
            lines = str(problem).split("\n")
            assert len(lines) <= 3 and all(line.startswith(" ") for line in lines[1:])
        return
    assert article.title and article.slug and article.url.endswith(f"/{article.slug}/")
    assert ".." not in article.url.split("/")


def main() -> None:
    import atheris

    with atheris.instrument_imports():
        load()
    atheris.Setup(sys.argv, check)
    atheris.Fuzz()


if __name__ == "__main__":
    main()
