"""Everything a build keeps for the next one, and the one place that decides what to redo.

The phases of a build (`articles`, `site`, `pages`, `render`, `feeds`) are plain functions
of their input. `Reuse` holds what earlier builds made of them, on disk for `digest build`
(`store`) and in memory between the dev server's rebuilds, and calls the same phases on
what changed only:

- articles: a file whose stamp or bytes are those of last time is not parsed again
  (`parsing`);
- grouping: an edit that moves no article is put in place (`regroup`), in the dev server;
- planning: the pages of a day, topic or tag that is the very object of last time are the
  pages planned then;
- rendering: a page or feed whose fingerprint is that of last time is not made again
  (`fingerprints`, `rendering`);
- warnings: in the dev server, an article found without one is not looked at again while
  no file it could link to goes away;
- the dev server's first rebuild starts from what the last `digest build` kept: its parsed
  articles, and its output's files for the pages that did not change.

`phases.Reuse` is that place. Before it, `snapshot` stops a build that would change nothing:
no phase runs, and none of their code is loaded. Every shortcut gives what the plain phases
give: tests/test_incremental.py compares builds after edits with clean builds,
tests/test_regroup_properties.py regrouping with grouping.
"""

from __future__ import annotations

from .store import CACHE_FOLDER, SPARE_OUTPUT

__all__ = ["CACHE_FOLDER", "SPARE_OUTPUT"]
