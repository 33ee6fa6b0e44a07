"""`digest serve`: build, watch the inputs, rebuild what changed, tell open pages to reload.

A `Session` holds what a rebuild reuses (parsed articles, rendered pages, what was written)
and calls the same `assemble` as `digest build`, so the two cannot drift apart. The HTTP side
is in `devserver`, which knows nothing of this module; the file watching is here.
"""

from __future__ import annotations

import errno
import gc
import os
import queue
import signal
import threading
import time
import webbrowser
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from watchdog.events import FileSystemEvent, FileSystemEventHandler
from watchdog.observers import Observer

from .build import Options, assemble, build_time
from .config import Config, override
from .devserver import DevServer, State
from .errors import DigestError, Problem, printable
from .output import MANIFEST, Content, ManifestText, Mode, check_output_folder, write_site
from .project import ARTICLE_SUFFIXES, Project, is_leftover
from .reuse import CACHE_FOLDER
from .reuse.phases import Reuse
from .search import SearchIndex, is_index_file
from .site import Site
from .workers import worker_count

QUIET_SECONDS = 0.05  # a burst of events ends after this long without a new one
LONGEST_WAIT = 2.0  # ... or after this long, so a long `git checkout` still shows progress
SEARCH_INDEX = "search index"  # what a rebuild that writes the new search index says changed
SEARCH_READY = object()  # told to the rebuild loop when the search index is made


@dataclass
class Session:
    project: Project
    options: Options
    overrides: dict = field(default_factory=dict)
    config: Config | None = None
    site: Site | None = None  # the last good build's
    state: State = State()
    reuse: Reuse = field(default_factory=lambda: Reuse(in_memory=True))
    # told when the search index, made in the background, is ready to be written
    search_ready: object = None
    _search: SearchIndex | None = None
    search_waiting: bool = False
    _written: dict[str, Content] = field(default_factory=dict)
    _manifest: dict[str, str] | None = None
    _manifest_text: ManifestText | None = None  # its text, as written
    _output: Path | None = None
    _changed: threading.Condition = field(default_factory=threading.Condition)
    notes: list[str] = field(default_factory=list)  # said once, before the next log line
    _warned: frozenset[Problem] = frozenset()  # the warnings already printed
    _left_out: str = ""  # the drafts and future articles left out, as last said
    # when time alone changes the output (the next midnight moves "Today", an article dated
    # later appears): the watcher rebuilds then, with no file changed (a timestamp)
    until: float | None = None

    def rebuild(self, trigger: str = "start", now: datetime | None = None,
                changed: frozenset[str] | None = None, quiet: bool = False) -> str:
        """One rebuild; returns its log line. Problems are kept in the state, never raised.

        `changed`: the only inputs that changed since the last rebuild (project-relative
        paths of article files), when the caller knows; None means anything may have."""
        started = time.perf_counter()
        if self.site is None or self.state.problems:
            changed = None  # the last rebuild did not see every file: look at them all
        try:
            config = override(self.project.read_config(), **self.overrides)
            self.config = self.config or config  # where to serve from, even if this fails
            same = config == self.config
            if self._search is None:
                self._search = SearchIndex(self.project.root / CACHE_FOLDER / "search",
                                           worker_count(), background=self._searched)
            lost = self.output_lost()
            if lost:  # what stood for its files must be made again
                self.reuse.forget_output()
                self._search.forget_files()
            # the first rebuild starts from what the last `digest build` wrote, if any
            previous = self.reuse.start_from_build(self.project, config)
            result = assemble(self.project, config, self.options, now or build_time(),
                              self.reuse, previous, changed=changed if same else None,
                              search=self._search)
            report = self._write(config, result.files, lost)
        except DigestError as err:
            return self._failed(trigger, err)
        self._written, self.site, self.config = result.files, result.site, config
        self.until = result.until
        # the search index's files reload no page: the next search reads them
        changed = tuple(path for path in report.changed if not is_index_file(path))
        if changed or self.state.problems or not quiet:  # quiet: no news for open pages
            self._publish(State(self.state.version + 1, changed, (), result.warnings))
        ms = (time.perf_counter() - started) * 1000
        # What this rebuild keeps lives until the next one at least: out of the collector's
        # way, so that its full passes do not walk the whole site in the middle of a rebuild.
        gc.collect()
        gc.freeze()
        notes, self.notes = self.notes, []
        # each warning is printed once, when it first appears; the count on every line
        notes += [str(item) for item in result.warnings if item not in self._warned]
        if result.left_out != self._left_out and result.left_out:
            notes.append(result.left_out)
        self._warned, self._left_out = frozenset(result.warnings), result.left_out
        count = len(result.warnings)
        warned = f"; {count} warning{'s' * (count != 1)}" if count else ""
        return "\n".join([*notes, f"{trigger}: {report.written} file"
                                   f"{'s' * (report.written != 1)} written, "
                                   f"{report.removed} removed, in {ms:.0f} ms{warned}"])

    def _failed(self, trigger: str, err: DigestError) -> str:
        """Open pages are shown the problems; the log line says them."""
        self._publish(State(self.state.version + 1, (), tuple(err.problems)))
        lines = [str(p) for p in err.problems]
        said = f"{len(lines)} problem{'s' * (len(lines) != 1)}"
        return "\n".join([*lines, f"{trigger}: {said}; still serving the last good build"])

    def _write(self, config: Config, files: dict[str, Content], lost: bool):
        output = self.project.output(config)
        if output == self._output and lost:
            # removed (rm -rf, git clean) or emptied since the last rebuild: made whole again
            how = "emptied" if os.path.lexists(output) else "removed"
            self.notes.append(f"{config.output}/ was {how}; writing it whole again")
            self._manifest = None
        if self._manifest is None or output != self._output:
            # the first write, or a new output folder: the checks and the swap of `build`
            check_output_folder(output, self.project.root, config.output)
            report = write_site(files, output)
        else:
            report = write_site(files, output, Mode.IN_PLACE,
                                last=(self._manifest, self._written),
                                text=self._manifest_text)
        self._manifest, self._output = report.manifest, output
        self._manifest_text = report.text
        return report

    def settle(self, now: datetime | None = None) -> list[str]:
        """Wait for the search index made in the background and write it, as the file
        watcher has it done; for callers without one (tests, the benchmark)."""
        lines = []
        while self._search is not None and self._search.wait():
            lines.append(self.write_search(now))
        return lines

    def write_search(self, now: datetime | None = None) -> str:
        """Write the search index made in the background, and say it nowhere; returns the
        log line. Only the index's files are new: they take the place of the index's files
        of the last write, and nothing else is built again. After a failed rebuild, or with
        the output gone, a rebuild does it, which also writes what was missing."""
        self.search_waiting = False
        if (self.site is None or self.config is None or self.state.problems
                or self._search is None or self._manifest is None or self.output_lost()):
            return self.rebuild(f"{SEARCH_INDEX} changed", now, changed=frozenset(),
                                quiet=True)
        started = time.perf_counter()
        try:
            index = self._search.files(self.config, self.site.articles,
                                       self.reuse.parsed.sources)
            files = {name: content for name, content in self._written.items()
                     if not is_index_file(name)}
            files.update(index)
            report = self._write(self.config, files, lost=False)
        except DigestError as err:
            return self._failed(f"{SEARCH_INDEX} changed", err)
        self._written = files
        ms = (time.perf_counter() - started) * 1000
        return (f"{SEARCH_INDEX} changed: {report.written} file{'s' * (report.written != 1)} "
                f"written, {report.removed} removed, in {ms:.0f} ms")

    def _searched(self) -> None:
        """The search index is up to date: write_search writes it."""
        if callable(self.search_ready):
            self.search_ready()
        else:
            self.search_waiting = True

    def _publish(self, state: State) -> None:
        with self._changed:
            self.state = state
            self._changed.notify_all()

    def wait(self, version: int, timeout: float) -> State:
        """The state once its version differs from `version`, or after `timeout`."""
        with self._changed:
            self._changed.wait_for(lambda: self.state.version != version, timeout)
            return self.state

    def wake_all(self) -> None:
        with self._changed:
            self._changed.notify_all()

    def output(self) -> Path:
        config = self.config or Config()
        return self.project.output(config)

    def output_lost(self) -> bool:
        """Whether the output folder written last is gone, emptied or made a link since."""
        if self._manifest is None or self._output is None:
            return False  # nothing written yet
        if self._output.is_symlink():
            return True  # written whole again, the checks of `build` refuse it
        try:
            with os.scandir(self._output) as entries:
                return all(entry.name == MANIFEST for entry in entries)
        except OSError:
            return True


class Watcher(FileSystemEventHandler):
    """Turns file events into rebuilds: one per burst, only for the inputs of the site."""

    def __init__(self, session: Session, log):
        self.session, self.log = session, log
        self.project = session.project
        self.events: queue.Queue[tuple[str, bool] | None] = queue.Queue()
        self.observer = Observer()
        self.rebuilds = 0
        self._asked = threading.Lock()
        self._asked_at: int | None = None  # the state's version when a request last asked

    def start(self) -> None:
        root = self.project.root
        self.observer.schedule(self, str(root), recursive=False)  # site.yaml, new folders
        for folder in (self.project.content, self.project.layouts, self.project.static):
            if folder.is_dir():
                self.observer.schedule(self, str(folder), recursive=True)
        self.observer.start()
        self.session.search_ready = lambda: self.events.put(SEARCH_READY)
        if self.session.search_waiting:
            self.events.put(SEARCH_READY)
        threading.Thread(target=self._loop, name="digest-rebuild", daemon=True).start()

    def stop(self) -> None:
        self.events.put(None)
        self.observer.stop()
        self.observer.join(timeout=5)

    def on_any_event(self, event: FileSystemEvent) -> None:
        if event.event_type in ("opened", "closed_no_write"):
            return
        output = self.session.output()
        if event.event_type == "deleted" and Path(str(event.src_path)) in (output,
                                                                           *output.parents):
            self.events.put((self.project.shown(output), False))
            return
        if event.is_directory and event.event_type == "modified":
            return
        for path in (event.src_path, getattr(event, "dest_path", "")):
            if path and self._is_input(Path(str(path)), event.is_directory):
                shown = self.project.shown(Path(str(path)))
                # only an article file's own change lets the rebuild look at it alone
                alone = not event.is_directory and shown.startswith("content/") and \
                    shown.endswith(ARTICLE_SUFFIXES)
                self.events.put((shown, alone))
        if event.is_directory and event.event_type == "created":
            self._watch_new_folder(Path(str(event.src_path)))

    def output_missing(self) -> None:
        """A request found no file: if the output folder is gone where no event said so (it
        is outside the project, say), a rebuild writes it again. Once per rebuild at most,
        and not after a failed one, whose problems the next input change is to fix."""
        state = self.session.state
        with self._asked:
            if state.problems or state.version == self._asked_at:
                return
            if self.session.output_lost():
                self._asked_at = state.version
                self.events.put((self.project.shown(self.session.output()), False))

    def _watch_new_folder(self, path: Path) -> None:
        """content/, layouts/ or static/ made after the server started."""
        if path in (self.project.content, self.project.layouts, self.project.static):
            self.observer.schedule(self, str(path), recursive=True)
            self.events.put((self.project.shown(path), False))

    def _is_input(self, path: Path, is_directory: bool) -> bool:
        if path == self.project.config_file:
            return True
        try:
            relative = path.relative_to(self.project.root)
        except ValueError:
            return False
        parts = relative.parts
        if len(parts) < 2 or parts[0] not in ("content", "layouts", "static"):
            return False
        if self.session.output() in (path, *path.parents):
            return False
        name = parts[-1]
        if is_leftover(name) or name.endswith(".digest-tmp"):
            return False
        hidden = any(part.startswith(".") for part in parts[1:])
        if parts[0] == "static":
            return True
        if hidden:
            return False
        return is_directory or parts[0] == "layouts" or name.endswith(ARTICLE_SUFFIXES)

    def _time_left(self) -> float | None:
        """Seconds until the output changes with time alone (a moment late, so that the
        rebuild is past it), or None to wait for a file to change however long it takes."""
        until = self.session.until
        if until is None:
            return None
        return min(3600.0, max(0.0, until - build_time().timestamp()) + 0.5)

    def _loop(self) -> None:
        while True:
            try:
                first = self.events.get(timeout=self._time_left())
            except queue.Empty:  # time alone may have changed what the site shows
                until = self.session.until
                if until is None or build_time().timestamp() < until:
                    continue  # not yet
                self.rebuilds += 1
                self.log(self.session.rebuild("the time passed", changed=frozenset()))
                if self.session.until == until:
                    self.session.until = None  # it failed: the next save rebuilds
                continue
            if first is None:
                return
            if first is SEARCH_READY:
                self.session.write_search()
                continue
            changed = {first}
            deadline = time.monotonic() + LONGEST_WAIT
            while time.monotonic() < deadline:
                try:
                    more = self.events.get(timeout=QUIET_SECONDS)
                except queue.Empty:
                    break
                if more is None:
                    return
                if more is SEARCH_READY:
                    continue  # the rebuild below writes the index as it is by then
                changed.add(more)
            paths = {shown for shown, _ in changed}
            if paths == {self.project.shown(self.session.output())} and \
                    not self.session.output_lost():
                continue  # the output is there: written again by the rebuild before this one
            self.rebuilds += 1
            names = sorted(printable(name) for name in paths)  # no escapes to the terminal
            trigger = names[0] if len(names) == 1 else f"{names[0]} and {len(names) - 1} more"
            alone = frozenset(paths) if all(alone for _, alone in changed) else None
            self.log(self.session.rebuild(f"{trigger} changed", changed=alone))


def run(session: Session, host: str, port: int, log, open_browser: bool = False) -> None:
    """Build, serve and watch until Ctrl-C (or SIGTERM)."""
    log(session.rebuild("start"))
    watcher = Watcher(session, log)
    server = None
    for candidate in range(port, port + 20):
        try:
            server = DevServer((host, candidate), session, watcher.output_missing)
            break
        except OSError as err:
            if err.errno not in (errno.EADDRINUSE, getattr(errno, "WSAEADDRINUSE", None)):
                raise DigestError(Problem("--port", 0, f"cannot listen on {host}:{candidate}: "
                                                       f"{err.strerror}")) from None
            log(f"Port {candidate} is busy; trying {candidate + 1}.")
    if server is None:
        raise DigestError(Problem("--port", 0, f"ports {port} to {port + 19} are all busy; "
                                               "choose another with --port"))
    shown_host = f"[{host}]" if ":" in host else host
    base = session.config.base_path if session.config else "/"
    url = f"http://{shown_host}:{server.server_address[1]}{base}"
    stopping = threading.Event()

    def stop(*_) -> None:
        """Ctrl-C or SIGTERM: ask the serving loop to end, from a thread of its own.

        Raising from the handler instead would land at any line of the main thread, even
        inside the request bookkeeping, where it can be lost."""
        if not stopping.is_set():
            stopping.set()
            threading.Thread(target=server.shutdown, name="digest-stop", daemon=True).start()

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    try:
        watcher.start()
        log(f"Serving {url} (Ctrl-C to stop); watching content/, layouts/, static/ and "
            f"{session.project.shown(session.project.config_file)}")
        if open_browser:
            webbrowser.open(url)
        server.serve_forever(poll_interval=0.2)
    finally:
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        watcher.stop()
        server.stopping = True
        session.wake_all()
        server.server_close()
        log("Stopped.")
