"""A site given as {path: text}, written to a temporary folder and built for real."""

from __future__ import annotations

import hashlib
import os
import textwrap
from dataclasses import dataclass
from pathlib import Path

import pytest
from click.testing import CliRunner

from digest.cli import main

# 2026-01-01T00:00:00Z: builds in tests never depend on the clock.
BUILD_EPOCH = "1767225600"


@dataclass
class Run:
    exit_code: int
    output: str  # stdout
    errors: str  # stderr


@dataclass
class SiteDir:
    root: Path

    def write(self, files: dict[str, str | bytes]) -> None:
        for name, text in files.items():
            path = self.root / name
            path.parent.mkdir(parents=True, exist_ok=True)
            if isinstance(text, bytes):
                path.write_bytes(text)
            else:
                path.write_text(textwrap.dedent(text).lstrip("\n"), encoding="utf-8")

    def digest(self, *args: str) -> Run:
        """Run the digest command line in this site's folder."""
        return _invoke(self.root, args)

    def build(self, *args: str) -> Run:
        run = self.digest("build", *args)
        assert run.exit_code == 0, run.errors
        return run

    @property
    def out(self) -> Path:
        return self.root / "_site"

    def read(self, name: str) -> str:
        return (self.out / name).read_text(encoding="utf-8")

    def snapshot(self) -> dict[str, str]:
        """Every output file's hash, to prove a failed build changed nothing."""
        return {p.relative_to(self.out).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
                for p in sorted(self.out.rglob("*")) if p.is_file()}


def _invoke(root: Path, args: tuple[str, ...]) -> Run:
    runner = CliRunner()
    cwd = os.getcwd()
    os.chdir(root)
    try:
        result = runner.invoke(main, list(args), env={"SOURCE_DATE_EPOCH": BUILD_EPOCH})
    finally:
        os.chdir(cwd)
    if result.exception and not isinstance(result.exception, SystemExit):
        raise result.exception
    return Run(result.exit_code, result.stdout, result.stderr)


def article(title: str = "A title", date: str = "2025-06-01T10:00:00Z", body: str = "Body text.",
            **fields: str) -> str:
    """An article's text, front matter from keyword arguments written as they are."""
    lines = ["---", f"title: {title}", f"date: {date}"]
    lines += [f"{key}: {value}" for key, value in fields.items()]
    return "\n".join(lines) + "\n---\n" + body + "\n"


@pytest.fixture
def site(tmp_path: Path) -> SiteDir:
    return SiteDir(tmp_path / "site")
