"""A progress bar on the terminal for a build that runs long; nothing when output is piped."""

from __future__ import annotations

import time
from typing import TextIO

DELAY = 1.0  # seconds a build runs before the bar shows
_WIDTH = 24


class Progress:
    """Called with (what, done, total) as work is done; draws one line on `stream`,
    rewritten in place, once the build has run for DELAY seconds, and only on a terminal."""

    def __init__(self, stream: TextIO, delay: float | None = None):
        self.stream = stream
        self.shown = False
        try:
            self.enabled = stream.isatty()
        except (AttributeError, ValueError):
            self.enabled = False
        self.start = time.monotonic()
        self.delay = DELAY if delay is None else delay
        self._last = 0.0

    def __call__(self, what: str, done: int, total: int) -> None:
        if not self.enabled or total <= 0:
            return
        now = time.monotonic()
        if now - self.start < self.delay or (now - self._last < 0.1 and done < total):
            return
        self._last = now
        filled = _WIDTH * done // total
        bar = "#" * filled + "." * (_WIDTH - filled)
        self.stream.write(f"\r{what:<10} [{bar}] {done:,}/{total:,}\x1b[K")
        self.stream.flush()
        self.shown = True

    def close(self) -> None:
        """Clear the line, so the build's summary stands alone."""
        if self.shown:
            self.stream.write("\r\x1b[K")
            self.stream.flush()
            self.shown = False
