"""Full-text search without a server: the articles indexed by Pagefind, in shards.

Pagefind cannot update an index: adding one article means indexing every article again.
So the articles, oldest first, are cut into shards of about a hundred, each indexed on its
own and searched together in the browser (Pagefind's `mergeIndex`). Where a shard ends
depends only on the articles around the cut (content-defined chunking, as backup tools
cut files), so an edit, a new article or a removed one changes the shard it is in, and
now and then the one after it, never the others. Each shard is known by a fingerprint of
what the index shows of its articles (each article by its file's content hash and its
place in the site); its Pagefind output is kept in .digest-cache/search/<fingerprint>/ and
reused while the fingerprint holds. A build indexes only the shards that are new.

The index is a pure function of the published articles, the language and the Pagefind
version: a build after edits writes the same bytes as a clean build. The output holds
Pagefind's engine and the first shard in search/, every other shard in
search/<fingerprint>/, and their list in search/shards.json.
"""

from __future__ import annotations

import dataclasses
import errno
import functools
import hashlib
import html
import itertools
import json
import multiprocessing
import operator
import os
import queue
import re
import shutil
import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

from ..config import Config
from ..errors import DigestError, problem
from ..model import Article
from ..output import Cached, Content, untouched
from ..workers import end_with, threads_running
from . import pagefind

FOLDER = "search"  # in the output
CACHE = "search"  # in .digest-cache/
_FORMAT = 1  # of what is indexed; a change indexes every shard again
# Shard sizes, in articles: a cut falls after an article whose path hashes to a multiple
# of _SPREAD once a shard has _SHORTEST articles, and always at _LONGEST. About a hundred
# keeps one shard's indexing near a quarter of a second on one core, and a 10,000-article
# site at about a hundred shards for the browser to merge.
_SHORTEST, _SPREAD, _LONGEST = 50, 50, 200
# Of what Pagefind writes, the engine (kept with the first shard) and each shard's index;
# its ready-made interfaces are not used.
_ENGINE = re.compile(r"^(pagefind\.js|pagefind-worker\.js|wasm\.[\w-]+\.pagefind)$")
_INDEX = re.compile(r"^(pagefind-entry\.json|pagefind\.[\w-]+\.pf_meta|"
                    r"(index|fragment|filter)/[\w-]+\.pf_(index|fragment|filter))$")
_LISTING = "files.json"  # in each shard's cache folder: its files, written last


@dataclass(frozen=True)
class Shard:
    articles: tuple[Article, ...]  # oldest first
    fingerprint: str
    root: bool  # the first: it goes in search/ itself, with the engine

    @property
    def folder(self) -> str:
        return f"{FOLDER}/" if self.root else f"{FOLDER}/{self.fingerprint[:16]}/"


def _pagefind_version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("pagefind_bin")
    except PackageNotFoundError:
        return "unknown"


def article_key(article: Article, sources: dict[str, str]) -> str:
    """What the index shows of an article: its file's content (which gives its title,
    summary, date, tags and body) and its place in the site (URL, topic and tag names)."""
    return "\0".join((article.path, sources.get(article.path, ""), article.url,
                      article.topic.name, *(tag.name for tag in article.tags)))


def _cuts_after(article: Article) -> bool:
    digest = hashlib.blake2b(article.path.encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big") % _SPREAD == 0


# oldest first: an article's date is aware, and aware dates compare as moments
_ORDER = operator.attrgetter("date", "path")


class PlanMemo:
    """What plan_shards worked out, for its next call: the dev server's, which hands over the
    very articles of its last rebuild but a few."""

    def __init__(self) -> None:
        # by identity: each article, whether a shard is cut after it, and its key
        self.keys: dict[int, tuple[Article, bool, bytes]] = {}
        self.last: _Plan | None = None


@dataclass(frozen=True)
class _Plan:
    given: tuple[Article, ...]  # the articles as given
    settings: str
    shards: list[Shard]
    places: list[tuple[int, ...]]  # each shard's articles, by their places in `given`
    shard_at: list[int]  # the shard of the article at each place in `given`


# An edit of more articles than this at once is planned from scratch.
_REPLAN_MOST = 16


def plan_shards(articles: Iterable[Article], sources: dict[str, str], config: Config,
                memo: PlanMemo | None = None) -> list[Shard]:
    """The articles cut into shards, oldest first, each with its fingerprint. `memo`: what
    the last call worked out, brought up to date; when only a few articles were replaced by
    versions of the same date and file (their places in the order and the cuts are those of
    last time), only the shards that hold them are made again."""
    given = tuple(articles)
    # besides each article's file: what its parsing read (the timezone gives its date, the
    # Markdown options its body) and the index's language
    settings = repr((_FORMAT, _pagefind_version(), config.language, config.timezone,
                     config.markdown))
    if memo is not None:
        shards = _replan(given, sources, settings, memo)
        if shards is not None:
            return shards
    ordered = sorted(given, key=_ORDER)
    last = memo.keys if memo is not None else {}
    seen: dict[int, tuple[Article, bool, bytes]] = {}
    groups: list[list[Article]] = []
    current: list[Article] = []
    for article in ordered:
        same = last.get(id(article))
        if same is None or same[0] is not article:
            same = (article, _cuts_after(article), article_key(article, sources).encode())
        seen[id(article)] = same
        current.append(article)
        if len(current) >= _LONGEST or (len(current) >= _SHORTEST and same[1]):
            groups.append(current)
            current = []
    if current:
        groups.append(current)
    shards = [_shard(settings, number, tuple(group), seen)
              for number, group in enumerate(groups)]
    if memo is not None:
        place = dict(zip(map(id, given), range(len(given))))
        places = [tuple(map(place.__getitem__, map(id, shard.articles))) for shard in shards]
        shard_at = [0] * len(given)
        for number, held in enumerate(places):
            for at in held:
                shard_at[at] = number
        memo.keys, memo.last = seen, _Plan(given, settings, shards, places, shard_at)
    return shards


def _replan(given: tuple[Article, ...], sources: dict[str, str], settings: str,
            memo: PlanMemo) -> list[Shard] | None:
    """The last plan with the articles replaced in it, or None when it does not hold."""
    last = memo.last
    if last is None or last.settings != settings or len(given) != len(last.given):
        return None
    old = last.given
    changed = list(itertools.compress(range(len(given)), map(operator.is_not, given, old)))
    if len(changed) > _REPLAN_MOST or any(
            given[at].date != old[at].date or given[at].path != old[at].path for at in changed):
        return None  # the order, or where shards are cut, may differ
    if not changed:
        return last.shards
    keys = memo.keys
    for at in changed:
        keys.pop(id(old[at]), None)
        keys[id(given[at])] = (given[at], _cuts_after(given[at]),
                               article_key(given[at], sources).encode())
    shards = list(last.shards)
    for number in sorted({last.shard_at[at] for at in changed}):
        shards[number] = _shard(settings, number,
                                tuple(map(given.__getitem__, last.places[number])), keys)
    memo.last = dataclasses.replace(last, given=given, shards=shards)
    return shards


def _shard(settings: str, number: int, articles: tuple[Article, ...],
           keys: dict[int, tuple[Article, bool, bytes]]) -> Shard:
    digest = hashlib.blake2b(f"{settings}\0{number == 0}".encode(), digest_size=16)
    digest.update(b"".join([keys[id(article)][2] + b"\1" for article in articles]))
    return Shard(articles, digest.hexdigest(), number == 0)


_BLOCK = re.compile(r"<(?:/?(?:p|div|h[1-6]|li|ul|ol|dl|dt|dd|tr|td|th|table|blockquote|pre|"
                    r"figure|figcaption|section|aside)\b[^>]*|br\s*/?|hr\s*/?)>", re.I)
_HIDDEN = re.compile(r"<(script|style|template)\b.*?</\1\s*>", re.I | re.S)
_BACKREF = re.compile(r"<a\b[^>]*footnote-backref[^>]*>.*?</a>", re.I | re.S)
_TAG = re.compile(r"<[^>]*>")


def plain_text(body: str) -> str:
    """An article's HTML as the words a reader sees."""
    text = _BACKREF.sub("", _HIDDEN.sub(" ", body))
    text = _TAG.sub("", _BLOCK.sub(" ", text))
    return " ".join(html.unescape(text).split())  # split() cuts at runs of what \s matches


def record(article: Article, config: Config) -> dict:
    """One article as a Pagefind record: what a reader searches (title, summary, topic,
    tags, date and body), what a result shows (meta), and its topic as a filter."""
    tags = [tag.name for tag in article.tags]
    words = [article.title + ".", article.summary, article.topic.name, *tags,
             article.date.date().isoformat(), plain_text(str(article.html))]
    return {"url": article.url, "content": " ".join(w for w in words if w),
            "language": config.language.split("-")[0].lower(),
            "meta": {"title": article.title, "date": article.date.isoformat(),
                     "topic": article.topic.name},
            "filters": {"topic": [article.topic.name]}, "sort": None}


def _file_digest(path: Path) -> tuple[str, int]:
    with open(path, "rb") as stream:
        return hashlib.file_digest(stream, "sha256").hexdigest(), stream.tell()


def _keep(shard: Shard, written: Path, cache: Path) -> None:
    """Pagefind's output for a shard, less what the site does not use, moved into the
    cache with a listing of its files (their sha256 and size), written last."""
    pagefind.canonical_filters(written)
    listing = []
    for path in sorted(written.rglob("*")):
        name = path.relative_to(written).as_posix()
        if path.is_file():
            if _INDEX.match(name) or (shard.root and _ENGINE.match(name)):
                listing.append([name, *_file_digest(path)])
            else:
                path.unlink()
    (written / _LISTING).write_text(json.dumps(listing), "utf-8")
    target = cache / shard.fingerprint
    if target.exists():
        shutil.rmtree(target, ignore_errors=True)
    try:
        os.replace(written, target)
    except OSError as err:  # another build kept the same shard meanwhile: the same files
        if err.errno not in (errno.ENOTEMPTY, errno.EEXIST) or _listing(cache, shard) is None:
            raise
        shutil.rmtree(written, ignore_errors=True)


def _listing(cache: Path, shard: Shard) -> list[tuple[str, str, int]] | None:
    try:
        data = json.loads((cache / shard.fingerprint / _LISTING).read_text("utf-8"))
        return [(str(name), str(digest), int(size)) for name, digest, size in data]
    except (OSError, ValueError, TypeError):
        return None


def index_shards(shards: list[Shard], config: Config, cache: Path, workers: int,
                 executable: Path | None = None) -> None:
    """Index the shards with Pagefind (`executable`, else the one installed), a few at
    once, into the cache."""
    if not shards:
        return
    executable = executable or pagefind.executable()
    cache.mkdir(parents=True, exist_ok=True)
    todo: queue.Queue[Shard] = queue.Queue()
    for shard in shards:
        todo.put(shard)
    failures: list[Exception] = []

    def work() -> None:
        service = pagefind.Service(executable)
        try:
            while not failures:
                try:
                    shard = todo.get_nowait()
                except queue.Empty:
                    return
                records = [record(a, config) for a in shard.articles]
                for attempt in (1, 2):
                    written = cache / f".{shard.fingerprint}.{os.getpid()}.{threading.get_ident()}"
                    shutil.rmtree(written, ignore_errors=True)
                    try:
                        service.index(records, written, lambda name, root=shard.root: bool(
                            _INDEX.match(name) or (root and _ENGINE.match(name))))
                        _keep(shard, written, cache)
                        break
                    except Exception:
                        shutil.rmtree(written, ignore_errors=True)
                        if attempt == 2:
                            raise
                        # once more with a new Pagefind, before the build gives up
                        service.close()
                        service = pagefind.Service(executable)
        except Exception as err:  # noqa: BLE001 - told as a problem of the build, below
            failures.append(err)
        finally:
            service.close()

    threads = [threading.Thread(target=work, daemon=True)
               for _ in range(max(1, min(workers, len(shards))))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    if failures:
        failure = failures[0]
        # a full disk or a read-only one, which Pagefind tells less plainly
        unwritable = (failure.strerror if isinstance(failure, OSError) and failure.errno in
                      _CANNOT_WRITE else _unwritable(cache))
        if unwritable:
            raise DigestError(problem(".digest-cache", 0, "cannot write the search index: "
                                                          f"{unwritable}"))
        raise DigestError(problem("site.yaml", 0, "search: indexing failed: "
                                                  f"{type(failure).__name__}: {failure}"))


_CANNOT_WRITE = frozenset({errno.ENOSPC, errno.EDQUOT, errno.EROFS, errno.EACCES, errno.EPERM})
# How much lower the priority of the dev server's indexing processes is (as `nice` says it).
_BEHIND = 10


def _index_meanwhile(shards: list[Shard], config: Config, cache: Path, workers: int,
                     behind: bool = False) -> Callable[[], None]:
    """Start indexing the shards while the build goes on; the function returned waits for
    the end and raises what failed. In processes of their own, one for each worker, each
    with its Pagefind: what this side of Pagefind does (the records, reading its answers,
    keeping its files) then spreads over the cores, and each answer waits for no lock of
    this busy process. Forked when no other thread runs here (and worker processes can
    still be forked after them), else (the dev server) started afresh and sent their
    shards; in a thread where neither can be. `behind`: the dev server's index, made behind
    its rebuilds, whose processes give the cores first to the next rebuild and to the
    browser that shows it."""
    if not shards:
        return lambda: None
    methods = multiprocessing.get_all_start_methods()
    forked = "fork" in methods and not threads_running()
    if forked or "forkserver" in methods:
        context = multiprocessing.get_context("fork" if forked else "forkserver")
        if not forked:  # the server the process forks from has this module imported already
            context.set_forkserver_preload([__name__])
        executable = pagefind.executable()  # found here, with this process's settings
        started = []
        for part in _share(shards, workers):
            receiving, sending = context.Pipe(duplex=False)
            process = context.Process(target=_index_apart, name="digest-search", daemon=True,
                                      args=(part, config, cache, executable, sending,
                                            os.getpid() if forked else None, behind))
            process.start()
            sending.close()
            started.append((process, receiving))

        def wait_for_processes() -> None:
            failures = []
            for process, receiving in started:
                try:
                    failure = receiving.recv()
                except EOFError:
                    failure = "the indexing process stopped"
                finally:
                    receiving.close()
                    process.join()
                if failure:
                    failures.append(failure)
            if failures and isinstance(failures[0], list):
                raise DigestError(failures[0])
            if failures:
                raise DigestError(problem("site.yaml", 0,
                                          f"search: indexing failed: {failures[0]}"))

        return wait_for_processes
    failed: list[BaseException] = []

    def run() -> None:
        try:
            index_shards(shards, config, cache, workers)
        except BaseException as err:  # noqa: BLE001 - raised again by the waiting function
            failed.append(err)

    thread = threading.Thread(target=run, name="digest-search", daemon=True)
    thread.start()

    def wait_for_thread() -> None:
        thread.join()
        if failed:
            raise failed[0]

    return wait_for_thread


def _share(shards: list[Shard], workers: int) -> list[list[Shard]]:
    """The shards dealt to at most `workers` indexers, largest first to the one with the
    fewest articles so far, so that they end at about the same time."""
    parts: list[list[Shard]] = [[] for _ in range(max(1, min(workers, len(shards))))]
    loads = [0] * len(parts)
    for shard in sorted(shards, key=lambda s: len(s.articles), reverse=True):
        least = loads.index(min(loads))
        parts[least].append(shard)
        loads[least] += len(shard.articles)
    return parts


def _index_apart(shards: list[Shard], config: Config, cache: Path, executable: Path,
                 sending, parent: int | None, behind: bool = False) -> None:
    """index_shards in a process of its own; what failed goes back through `sending`.
    `parent`: the build that forked it, with which it ends. `behind`: at a lower priority,
    which its Pagefind inherits."""
    outcome: list | str | None = None
    try:
        if parent is not None:
            end_with(parent)
        if behind and hasattr(os, "nice"):
            os.nice(_BEHIND)
        index_shards(shards, config, cache, 1, executable)
    except DigestError as err:
        outcome = list(err.problems)
    except BaseException as err:  # noqa: BLE001 - told to the build, which says it
        outcome = f"{type(err).__name__}: {err}"
    sending.send(outcome)
    sending.close()


def _unwritable(folder: Path) -> str:
    """Why a file cannot be written into `folder` now, or ''."""
    probe = folder / f".probe.{os.getpid()}"
    try:
        with open(probe, "wb") as stream:
            stream.write(bytes(1 << 16))
            stream.flush()
            os.fsync(stream.fileno())
    except OSError as err:
        return err.strerror or str(err)
    finally:
        try:
            probe.unlink()
        except OSError:
            pass
    return ""


@functools.cache
def _theme_file(name: str) -> bytes:
    return (Path(__file__).parent.parent / "theme" / "static" / name).read_bytes()


def interface_files() -> dict[str, Content]:
    """The search box's stylesheet: the same bytes every time. Its script, which holds the
    site's words, is a page (see pages.site_pages)."""
    return {_STYLESHEET: _theme_file("search.css")}


_STYLESHEET = f"{FOLDER}/search.css"


def _alive(name: str) -> bool:
    """Whether the process that named a folder .<fingerprint>.<pid>.<thread> still runs."""
    parts = name.split(".")
    if len(parts) != 4 or not parts[2].isdigit():
        return False
    try:
        os.kill(int(parts[2]), 0)
    except ProcessLookupError:
        return False
    except OSError:
        return True
    return True


def is_index_file(path: str) -> bool:
    """Whether an output path is one of the index's (not the search box's) files."""
    return path.startswith(_INDEX_FOLDER) and path not in _SEARCH_BOX


_INDEX_FOLDER = f"{FOLDER}/"
_SEARCH_BOX = frozenset({_STYLESHEET, f"{FOLDER}/search.js"})  # its stylesheet and script


def shards_json(shards: list[Shard]) -> bytes:
    """The list the browser merges: every shard's folder under search/ but the first's."""
    return (json.dumps({"shards": [s.folder[len(FOLDER) + 1:] for s in shards if not s.root]},
                       separators=(",", ":")) + "\n").encode()


class SearchIndex:
    """The search files of a build, made from the shards kept in `cache` and indexing only
    the new ones: at once (`digest build`), or, given `background`, in a thread of its own
    while the last complete index stays in place; `background` is called when it is done,
    so that the dev server rebuilds and writes it."""

    def __init__(self, cache: Path, workers: int = 1,
                 background: Callable[[], None] | None = None, fresh: bool = False):
        self.cache = cache
        self.fresh = fresh  # index every shard again (digest build --clean)
        self.workers = workers
        self.background = background
        self.indexed = 0  # shards indexed by the last call (or the last background run)
        self._last: dict[str, Content] = {}  # the last complete files, for the dev server
        self._contents: dict[str, dict[str, Content]] = {}  # by fingerprint, in memory
        self._running: threading.Thread | None = None
        self._lock = threading.Lock()
        self._done = False  # a background run ended since `wait` last said so
        self._plans = PlanMemo()
        self._begun: tuple | None = None  # what `begin` started

    def begin(self, config: Config, articles: Iterable[Article], sources: dict[str, str]
              ) -> None:
        """Plan the shards and start indexing the new ones, so that Pagefind works while the
        pages are planned and rendered; `files` waits for it. (The dev server's indexing,
        in the background, starts in `files`.) On one worker (DIGEST_WORKERS=1, or one
        core), one thing at a time: the new shards are indexed in `files`, after the pages."""
        if not config.search or self.background is not None or self.workers < 2:
            return
        shards, missing = self._plan(config, articles, sources)
        self._begun = (config, shards, missing,
                       _index_meanwhile(missing, config, self.cache, self.workers))

    def forget_files(self) -> None:
        """The output was removed or emptied (`git clean -xfd` may have taken the cache
        too): every shard is looked for on disk again, and indexed again if it is gone;
        until then the output has no index."""
        self._last, self._contents = {}, {}

    def _plan(self, config: Config, articles: Iterable[Article], sources: dict[str, str]
              ) -> tuple[list[Shard], list[Shard]]:
        """The shards, and those not indexed yet."""
        shards = plan_shards(articles, sources, config, self._plans)
        # a shard whose files are known (the dev server's, see _shard_files) is not looked
        # for on disk again
        missing = [s for s in shards if self.fresh or (s.fingerprint not in self._contents
                                                       and _listing(self.cache, s) is None)]
        self.fresh, self.indexed = False, 0
        return shards, missing

    def files(self, config: Config, articles: Iterable[Article], sources: dict[str, str],
              previous=None) -> dict[str, Content]:
        """Every file of search/, by path in the output. `previous`: the last output, whose
        files stand in for those whose bytes are known to be the same."""
        if not config.search:
            return {}
        begun, self._begun = self._begun, None
        if begun is not None and begun[0] is config:
            _, shards, missing, wait = begun
            wait()
        else:
            shards, missing = self._plan(config, articles, sources)
            if missing and self.background is not None:
                self._start(missing, config)
                return {**self._last, **interface_files()}
            index_shards(missing, config, self.cache, self.workers)
        if missing:
            self.indexed = len(missing)
            if any(_listing(self.cache, s) is None for s in missing):
                raise DigestError(problem("site.yaml", 0, "search: a shard of the index "
                                                          "was not written"))
        files: dict[str, Content] = interface_files()
        for shard in shards:
            found = self._shard_files(shard, previous)
            if found is None:  # its cache was damaged: indexed again
                shutil.rmtree(self.cache / shard.fingerprint, ignore_errors=True)
                index_shards([shard], config, self.cache, 1)
                found = self._shard_files(shard, previous)
            if found is None:
                raise DigestError(problem("site.yaml", 0, "search: a shard of the index "
                                                          "was not written"))
            files.update(found)
        files[f"{FOLDER}/shards.json"] = shards_json(shards)
        self._last = files
        used = {s.fingerprint for s in shards}
        self._contents = {k: v for k, v in self._contents.items() if k in used}
        self._prune(used)
        return files

    def _shard_files(self, shard: Shard, previous) -> dict[str, Content] | None:
        """The shard's files, by path in the output; None if a file its cache listed has
        changed since (written into through a link in the output?)."""
        known = self._contents.get(shard.fingerprint)
        if known is not None:
            return known
        folder = self.cache / shard.fingerprint
        try:
            listed = os.stat(folder / _LISTING).st_mtime_ns  # written after the files
        except OSError:
            return None
        files: dict[str, Content] = {}
        for name, digest, size in _listing(self.cache, shard) or []:
            rel = shard.folder + name
            kept = previous.kept(rel) if previous is not None else None
            if kept is not None and kept.digest == digest:
                files[rel] = kept
            elif untouched(folder / name, size, listed):
                files[rel] = Cached(folder / name, digest, size)
            else:
                return None
        if self.background is not None:  # the very objects again: not hashed again
            self._contents[shard.fingerprint] = files
        return files

    def _start(self, missing: list[Shard], config: Config) -> None:
        with self._lock:
            if self._running is not None and self._running.is_alive():
                return  # its end asks for a rebuild, which starts what is still missing
            def run() -> None:
                try:
                    _index_meanwhile(missing, config, self.cache, self.workers, behind=True)()
                    self.indexed = len(missing)
                except DigestError:
                    return  # the next rebuild tries again
                finally:
                    with self._lock:
                        self._running, self._done = None, True
                if self.background is not None:
                    self.background()
            self._running = threading.Thread(target=run, name="digest-search", daemon=True)
            self._running.start()

    def wait(self) -> bool:
        """Wait for the background run, if any; whether one ended since the last call."""
        running = self._running
        if running is not None:
            running.join()
        with self._lock:
            done, self._done = self._done, False
        return done

    def _prune(self, used: set[str]) -> None:
        """Forget the shards this build did not use."""
        try:
            entries = list(os.scandir(self.cache))
        except OSError:
            return
        for entry in entries:
            if entry.name.startswith("."):  # being written: by a build still running?
                if not _alive(entry.name):
                    shutil.rmtree(entry.path, ignore_errors=True)
                continue
            if entry.name not in used and entry.is_dir(follow_symlinks=False):
                shutil.rmtree(entry.path, ignore_errors=True)
