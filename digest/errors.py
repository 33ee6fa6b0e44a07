"""The one error type of digest: a problem in a file, at a line, said plainly."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

# Control characters would let a file's text move the cursor, retitle the terminal or
# split one problem over several lines; they are shown escaped instead.
_UNPRINTABLE = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029\ud800-\udfff]")


@dataclass(frozen=True, order=True)
class Problem:
    """One problem in one input file; `line` is 1-based, 0 when no line applies.

    A warning does not stop a build (unless --strict); it is printed with `warning:`.
    `excerpt` is the offending line as written, shown under the message with a caret at
    `column` (1-based; 0 for no caret)."""

    path: str
    line: int
    message: str
    warning: bool = False
    excerpt: str = ""
    column: int = 0

    def __str__(self) -> str:
        path, message = printable(self.path), printable(self.message)
        if self.warning:
            message = f"warning: {message}"
        where = f"{path}:{self.line}" if self.line else path
        return f"{where}: {message}" + self._shown_line()

    def _shown_line(self) -> str:
        """The excerpt as compilers show it: the line's number, the line, a caret."""
        if not self.excerpt:
            return ""
        number = str(self.line or "")
        text = printable(self.excerpt.replace("\t", " "))
        shown = f"\n {number} | {text}"
        if 0 < self.column <= len(self.excerpt) + 1:
            before = printable(self.excerpt[:self.column - 1].replace("\t", " "))
            shown += f"\n {' ' * len(number)} | {' ' * len(before)}^"
        return shown


class DigestError(Exception):
    """Every problem of a build at once. The CLI prints them and exits with status 1."""

    def __init__(self, problems: list[Problem] | Problem):
        if isinstance(problems, Problem):
            problems = [problems]
        self.problems = sorted(set(problems))
        super().__init__("\n".join(str(p) for p in self.problems))


def printable(text: str) -> str:
    """Text safe to print on one line of a terminal: control characters and bytes that are
    not UTF-8 (file names keep them as surrogates) written as escapes."""
    return _UNPRINTABLE.sub(_escape, text)


def _escape(match: re.Match) -> str:
    code = ord(match.group())
    if 0xDC80 <= code <= 0xDCFF:  # a byte of a file name that is not UTF-8
        return f"\\x{code - 0xDC00:02x}"
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def problem(path: str | Path, line: int, message: str) -> Problem:
    return Problem(str(path), line, message)


def warning(path: str | Path, line: int, message: str) -> Problem:
    return Problem(str(path), line, message, warning=True)


def fail(path: str | Path, line: int, message: str) -> DigestError:
    """An error to raise for a single problem."""
    return DigestError(problem(path, line, message))


def did_you_mean(word: str, choices) -> str:
    """A ' (did you mean 'x'?)' hint, or '' when nothing is close."""
    import difflib

    close = difflib.get_close_matches(word, list(choices), n=1, cutoff=0.6)
    if not close:
        lowered = {c.lower(): c for c in choices}
        close = [lowered[m] for m in difflib.get_close_matches(word.lower(), list(lowered), n=1)]
    return f" (did you mean '{close[0]}'?)" if close else ""
