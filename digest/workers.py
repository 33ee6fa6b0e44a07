"""Using every core: article parsing and page rendering in worker processes.

Workers run the same pure functions as the main process, on slices of the work, and send
back plain results (articles, bytes, problems). Work too small to be worth starting
processes for stays in the main process.
"""

from __future__ import annotations

import ctypes
import multiprocessing
import os
import pickle
import signal
import sys
import threading
from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from typing import Any

PARSE_MIN = 200  # fewer articles than this are parsed in the main process
RENDER_MIN = 400  # fewer pages than this are rendered in the main process


def worker_count() -> int:
    """Every core this process may use, or DIGEST_WORKERS when it is set."""
    wanted = os.environ.get("DIGEST_WORKERS", "").strip()
    if wanted.isdigit() and int(wanted) > 0:
        return int(wanted)
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


def threads_running() -> bool:
    """Whether other threads run in this process (the dev server's): forking is then unsafe,
    and a process is started afresh and sent its work instead."""
    return threading.active_count() > 1


def run_in_parallel(function: Callable[[Any, Sequence], list], shared: Any, items: Sequence,
                    minimum: int, meanwhile: Callable[[], None] | None = None,
                    progress: Callable[[int, int], None] | None = None,
                    picklable: bool = False,
                    receive: Callable[[list], list] | None = None) -> list | None:
    """function(shared, chunk) over chunks of items in worker processes, results in order.

    None when the work is better done in the main process: too little of it, or one core.
    `shared` and `items` are inherited by forked workers, never pickled: only the bounds of
    each chunk and the results travel. While other threads run (the dev server), forking is
    unsafe: workers are then started afresh, if `picklable` (else None), and sent `shared`
    (pickled once for all of them) and each chunk of items. `meanwhile` is the main
    process's own work, done while the workers run (unless None is returned).
    `progress(done, total)` is told of each chunk that comes back; `receive(results)` is
    given each chunk's results as they come back, and returns what to keep of them.
    """
    workers = worker_count()
    if len(items) < minimum or workers < 2:
        return None
    methods = multiprocessing.get_all_start_methods()
    threaded = threads_running()
    if threaded and not (picklable and "forkserver" in methods):
        return None
    if not threaded and "fork" not in methods:
        return None
    global _SHARED
    # small chunks, so that no worker is left with a long one while the others are idle
    size = max(16, len(items) // (workers * 32))
    bounds = [(start, min(start + size, len(items))) for start in range(0, len(items), size)]
    try:
        if threaded:
            context = multiprocessing.get_context("forkserver")
            # the server the workers fork from has the function's module imported already
            context.set_forkserver_preload([function.__module__])
            task, work = _run_sent, [items[a:b] for a, b in bounds]
            # pickled here once, not once for each worker started (every page of a site,
            # when a template changed)
            start = {"initializer": _receive,
                     "initargs": (function, pickle.dumps(shared, pickle.HIGHEST_PROTOCOL))}
        else:
            _SHARED = (function, shared, items)
            context = multiprocessing.get_context("fork")
            task, work = _run_chunk, bounds
            start = {"initializer": end_with, "initargs": (os.getpid(),)}
        with ProcessPoolExecutor(max_workers=workers, mp_context=context, **start) as pool:
            parts = pool.map(task, work)  # every chunk is handed out at once
            if meanwhile is not None:
                meanwhile()
            results: list = []
            for part in parts:
                results.extend(part if receive is None else receive(part))
                if progress is not None:
                    progress(len(results), len(items))
            return results
    except (BrokenProcessPool, OSError, pickle.PicklingError):
        return None  # a worker died (out of memory, killed) or none could start: do it here
    finally:
        _SHARED = None


def end_with(parent: int) -> None:
    """A process forked by a build is killed when the build is (on Linux): a killed build
    leaves no worker behind, waiting for work forever or racing the next build."""
    if sys.platform.startswith("linux"):
        try:
            ctypes.CDLL(None, use_errno=True).prctl(_PR_SET_PDEATHSIG, signal.SIGKILL)
        except (OSError, AttributeError):
            pass
    if os.getppid() != parent:  # killed already, before that was asked for
        os._exit(1)


_PR_SET_PDEATHSIG = 1


def _receive(function: Callable, shared: bytes) -> None:
    """A worker started afresh: what every chunk it is sent shares, sent once, pickled."""
    global _SHARED
    _SHARED = (function, pickle.loads(shared), ())


def _run_sent(chunk: Sequence) -> list:
    assert _SHARED is not None
    function, shared, _ = _SHARED
    return function(shared, chunk)


_SHARED: tuple[Callable, Any, Sequence] | None = None


def _run_chunk(bounds: tuple[int, int]) -> list:
    assert _SHARED is not None
    function, shared, items = _SHARED
    return function(shared, items[bounds[0]:bounds[1]])
