"""The one error type of digest: a problem in a file, at a line, said plainly."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True, order=True)
class Problem:
    """One problem in one input file; `line` is 1-based, 0 when no line applies."""

    path: str
    line: int
    message: str

    def __str__(self) -> str:
        if self.line:
            return f"{self.path}:{self.line}: {self.message}"
        return f"{self.path}: {self.message}"


class DigestError(Exception):
    """Every problem of a build at once. The CLI prints them and exits with status 1."""

    def __init__(self, problems: list[Problem] | Problem):
        if isinstance(problems, Problem):
            problems = [problems]
        self.problems = sorted(set(problems))
        super().__init__("\n".join(str(p) for p in self.problems))


def problem(path: str | Path, line: int, message: str) -> Problem:
    return Problem(str(path), line, message)


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
