"""Bounds on what one article may cost, so that no input can stall or exhaust a build.

Each limit is far above what a news article needs. Going over one is a problem at the
line that causes it, like any other.
"""

from __future__ import annotations

import re

from .errors import Problem, problem

MAX_ARTICLE_BYTES = 5 * 1024 * 1024  # a long article is ~100 kB; this is fifty of them
MAX_SLUG_BYTES = 200  # a slug is a folder name, and file systems stop at 255 bytes
# Python-Markdown looks for the end of every '[', '](' and '<tag' by reading on until it
# finds it: a few thousand of them left open make one paragraph take minutes. This bounds
# what those searches may read in one article: characters read after a '[' (the slowest
# search, ~0.15 us a character), about three seconds of it.
MARKDOWN_WORK = 20_000_000

_TAG_START = re.compile(r"<[A-Za-z]")
_SHORT = 64  # stretches shorter than this are read quickly, however many openers they hold


def size_problem(size: int, path: str) -> Problem | None:
    if size <= MAX_ARTICLE_BYTES:
        return None
    return problem(path, 1, f"article is {_megabytes(size)}; the limit is "
                            f"{_megabytes(MAX_ARTICLE_BYTES)}: split it into several articles")


def slug_problem(slug: str) -> str | None:
    """What is wrong with a slug that is too long to be a folder name, or None."""
    size = len(slug.encode("utf-8"))
    if size <= MAX_SLUG_BYTES:
        return None
    return (f"its URL slug would be {size} bytes long; the limit is {MAX_SLUG_BYTES}: "
            "shorten it")


def markdown_problem(body: str, path: str, first_line: int) -> Problem | None:
    """A problem at the paragraph that makes `body` too slow to convert, or None."""
    total, worst = 0.0, (0.0, 0, "", "")
    for opener, closer, weight, searches in _SEARCHES:
        openers = len(_TAG_START.findall(body)) if opener == "<" else body.count(opener)
        if openers * len(body) * weight <= MARKDOWN_WORK / 4:
            continue  # even if every search read to the end, it would be quick
        read, where = searches(body)
        total += read * weight
        worst = max(worst, (read * weight, where, opener, closer))
    if total <= MARKDOWN_WORK:
        return None
    _, where, opener, closer = worst
    return problem(path, first_line + body.count("\n", 0, where),
                   f"too many '{opener}' not closed by a '{closer}' (or nested): Markdown "
                   "would take too long to read this paragraph; close them, or write "
                   f"'\\{opener[-1]}' for a literal '{opener[-1]}'")


def _nested(tokens: re.Pattern, opener: str):
    """Characters read by the searches for the closer of each opener, which count nesting
    and stop at the paragraph's end: the sum, over the text, of how many are open.

    Returns that sum and where the paragraph that costs the most starts.
    """
    def searches(body: str) -> tuple[int, int]:
        total = depth = last = paragraph = start = 0
        worst = (0, 0)
        for match in tokens.finditer(body):
            token, position = match.group(), match.start()
            paragraph += depth * (position - last)
            last = position
            if token == opener or (token == "(" and depth):
                depth += 1
            elif token in ")]":
                depth = max(0, depth - 1)
            elif token[0] == "\n":  # a blank line ends the paragraph, and every search
                worst = max(worst, (paragraph, start))
                total, paragraph, depth, start = total + paragraph, 0, 0, match.end()
        paragraph += depth * (len(body) - last)
        worst = max(worst, (paragraph, start))
        return total + paragraph, worst[1]

    return searches


def _tags(body: str) -> tuple[int, int]:
    """Characters read by the searches for the end of each '<tag': to the next '>'."""
    total, worst = 0, (0, 0)
    for match in _TO_ANGLE.finditer(body):
        cost = len(_TAG_START.findall(match.group())) * len(match.group())
        total += cost
        worst = max(worst, (cost, match.start()))
    return total, worst[1]


_TO_ANGLE = re.compile(r"(?:^|(?<=>))[^>]{%d,}" % _SHORT)  # runs without '>', read once
_SEARCHES = (  # opener, closer, cost of a character read relative to '[', searches
    ("[", "]", 1.0, _nested(re.compile(r"\[|\]|\n[ \t]*\n"), "[")),  # link text
    ("](", ")", 0.5, _nested(re.compile(r"\]\(|\(|\)|\n[ \t]*\n"), "](")),  # link target
    ("<", ">", 0.1, _tags),  # HTML tags, searched for in the whole article
)


def _megabytes(size: int) -> str:
    return f"{size / 1024 / 1024:.1f} MB".replace(".0 MB", " MB")
