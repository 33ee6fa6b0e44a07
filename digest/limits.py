"""Bounds on what one article may cost, so that no input can stall or exhaust a build.

Each limit is far above what a news article needs. Going over one is a problem at the
line that causes it, like any other.

Python-Markdown is slow on a few shapes of text, each quadratic in its size: searches for
the end of every '[', '](' and '<tag' that read on to the end of the paragraph; inline
markup in one very long paragraph (each match copies the rest of it); and text nested
deep in lists or quotes (each level reads all of it again). `markdown_problem` estimates
the seconds each would take, from measurements, and refuses an article that would take
more than MARKDOWN_SECONDS.
"""

from __future__ import annotations

import re

from .errors import Problem, problem

# A long article is ~100 kB; this is twenty of them. Python-Markdown reads 2 MB of plain
# paragraphs in ~2 s, and its slowest valid shape (a table with markup in every cell) in ~12.
MAX_ARTICLE_BYTES = 2 * 1024 * 1024
MAX_SLUG_BYTES = 200  # a slug is a folder name, and file systems stop at 255 bytes
MARKDOWN_SECONDS = 3.0  # what the slow shapes of text above may cost one article, at most


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
    """A problem at the place that makes `body` too slow to convert, or None."""
    total, worst = 0.0, (0.0, 0, "", "")
    for estimate in (_brackets, _link_targets, _tags, _long_paragraphs, _nesting):
        seconds, where, what, advice = estimate(body)
        total += seconds
        worst = max(worst, (seconds, where, what, advice))
    if total <= MARKDOWN_SECONDS:
        return None
    _, where, what, advice = worst
    return problem(path, first_line + body.count("\n", 0, where),
                   f"{what}: Markdown would take too long to read this; {advice}")


_QUICK = MARKDOWN_SECONDS / 8  # an estimate whose upper bound is below this is skipped
_PARAGRAPH_END = re.compile(r"\n[ \t]*\n")
_TAG_START = re.compile(r"<[A-Za-z]")


def _unclosed(opener: str, closer: str) -> tuple[str, str]:
    return (f"too many '{opener}' not closed by a '{closer}' (or nested)",
            f"close them, or write '\\{opener[-1]}' for a literal '{opener[-1]}'")


def _open_searches(body: str, tokens: re.Pattern, opener: str) -> tuple[int, int]:
    """Characters read by searches that count nesting and stop at the paragraph's end (the
    sum, over the text, of how many openers are open), and where the costliest paragraph
    starts."""
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
        else:  # a blank line ends the paragraph, and every search
            worst = max(worst, (paragraph, start))
            total, paragraph, depth, start = total + paragraph, 0, 0, match.end()
    paragraph += depth * (len(body) - last)
    worst = max(worst, (paragraph, start))
    return total + paragraph, worst[1]


_BRACKET_TOKENS = re.compile(r"\[|\]|\n[ \t]*\n")
_TARGET_TOKENS = re.compile(r"\]\(|\(|\)|\n[ \t]*\n")


def _open_spans(body: str, opener: str, closer: str, tokens: re.Pattern,
                per_character: float) -> tuple[float, int, str, str]:
    """Searches from each opener to its closer, at a measured cost per character read."""
    if body.count(opener) * len(body) * per_character <= _QUICK:
        return 0.0, 0, "", ""
    read, where = _open_searches(body, tokens, opener)
    return (read * per_character, where, *_unclosed(opener, closer))


def _brackets(body: str) -> tuple[float, int, str, str]:
    """Link text: every '[' is searched to its ']' by four kinds of link (~0.15 us/char)."""
    return _open_spans(body, "[", "]", _BRACKET_TOKENS, 1.5e-7)


def _link_targets(body: str) -> tuple[float, int, str, str]:
    """Link targets: after '](' the search for ')' counts nested parentheses (~0.08 us)."""
    return _open_spans(body, "](", ")", _TARGET_TOKENS, 8e-8)


_TO_ANGLE = re.compile(r"(?:^|(?<=>))[^>]{64,}")  # runs without '>', each found once


def _tags(body: str) -> tuple[float, int, str]:
    """HTML: every '<tag' is read to the next '>', in the whole article (~0.015 us)."""
    per_character = 1.5e-8
    if len(_TAG_START.findall(body)) * len(body) * per_character <= _QUICK:
        return 0.0, 0, "", ""
    total, worst = 0, (0, 0)
    for match in _TO_ANGLE.finditer(body):
        read = len(_TAG_START.findall(match.group())) * len(match.group())
        total += read
        worst = max(worst, (read, match.start()))
    return (total * per_character, worst[1], *_unclosed("<", ">"))


_MARKUP = "*_`[<&\\"
# what ends the text that inline markup is matched in: a blank line, a list item, a table
# row, a heading or a quote
_INLINE_END = re.compile(r"\n[ \t]*\n|\n(?=[ \t]*(?:[-*+]|\d{1,9}[.)])[ \t]|[ \t]*[|#>])")


def _long_paragraphs(body: str) -> tuple[float, int, str]:
    """Inline markup: each match copies the rest of its paragraph (~0.2 ns per character
    copied), so a paragraph of megabytes with markup on every line is quadratic."""
    per_character = 2e-10
    marks = sum(body.count(mark) for mark in _MARKUP)
    if marks * len(body) * per_character <= _QUICK:
        return 0.0, 0, "", ""
    total, worst, start = 0, (0, 0, 0, 0), 0
    for chunk in _INLINE_END.split(body):
        if len(chunk) > 4096:  # shorter ones cost at most 4096 copies per character in all
            count = sum(chunk.count(mark) for mark in _MARKUP)
            total += count * len(chunk)
            worst = max(worst, (count * len(chunk), start, len(chunk), count))
        start += len(chunk) + 1
    _, where, size, count = worst
    return (total * per_character, where, f"a paragraph of {size // 1024} kB with {count} "
            "marks of inline markup in it", "put blank lines between its paragraphs")


_INDENTED = re.compile(r"^[ \t>]{8,}.*$", re.M)  # lines two or more levels deep


def _nesting(body: str) -> tuple[float, int, str, str]:
    """Lists and quotes: each level of nesting reads its text again: ~0.07 us a character
    and a level of list, ~0.01 us of quote. Megabytes a hundred levels deep take minutes."""
    per_list_level, per_quote_level = 7e-8, 1e-8
    total, worst = 0.0, (0, 0)
    for match in _INDENTED.finditer(body):
        line = match.group()
        prefix = line[:len(line) - len(line.lstrip(" \t>"))]
        quotes = prefix.count(">")
        lists = len(prefix.replace(">", "").expandtabs(4)) // 4
        total += (lists * per_list_level + quotes * per_quote_level) * len(line)
        worst = max(worst, (lists + quotes, -match.start()))  # the first line of the deepest
    if total <= _QUICK:
        return 0.0, 0, "", ""
    return (total, -worst[1], f"text nested {worst[0]} levels deep in lists, quotes or "
            "indented code", "nest it less")


def _megabytes(size: int) -> str:
    return f"{size / 1024 / 1024:.1f} MB".replace(".0 MB", " MB")
