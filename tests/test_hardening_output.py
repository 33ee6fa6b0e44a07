"""Output that cannot be half-written: builds killed at any moment, full disks, read-only
folders. The previous output stays byte-identical, and the next build cleans up after."""

from __future__ import annotations

import errno
import hashlib
import os
import random
import re
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conftest import BUILD_EPOCH, SiteDir, article, snapshot
from digest import output as output_module
from digest.errors import DigestError
from digest.output import MANIFEST, Mode, check_output_folder, exchange, write_site

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "benchmarks"))
from corpus import write_corpus  # noqa: E402 - the benchmark's own corpus

LEFTOVERS = {".site.digest-new", ".site.digest-old"}  # what a killed build may leave


def digest_process(root: Path, *args: str, script: str = "",
                   marker: Path | None = None) -> subprocess.Popen:
    """`digest build` in its own process group; `script` runs first (to plant a kill, which
    leaves `marker` as it kills the process)."""
    code = f"import sys\n{script}\nfrom digest.cli import main\nsys.argv = ['digest', " \
           f"'build', *sys.argv[1:]]\nmain()\n"
    env = {**os.environ, "SOURCE_DATE_EPOCH": BUILD_EPOCH}
    if marker is not None:
        env["KILL_MARKER"] = str(marker)
    return subprocess.Popen([sys.executable, "-c", code, "--output", "site", *args], cwd=root,
                            env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            start_new_session=True)


def build(root: Path, *args: str) -> None:
    process = digest_process(root, *args)
    out, err = process.communicate(timeout=120)
    assert process.returncode == 0, err.decode()
    assert b"Traceback" not in err


def beside(root: Path) -> set[str]:
    return {p.name for p in root.iterdir()} - {"site.yaml", "content", "static", ".digest-cache"}


@pytest.fixture(scope="module")
def corpus(tmp_path_factory) -> Path:
    """400 generated articles (1,200 output files, 38 MB), built once."""
    root = tmp_path_factory.mktemp("corpus")
    write_corpus(root, 400)
    return root


def fresh_copy(corpus: Path, tmp_path: Path) -> Path:
    root = tmp_path / "project"
    shutil.copytree(corpus, root, symlinks=True)
    return root


def set_version(root: Path, version: int) -> None:
    """Two versions of the corpus that differ in one article's title."""
    story = next((root / "content").rglob("story-000007.md"))
    text = story.read_text()
    title = text.split("\n")[1]
    base = title.removesuffix(' (revised)"').removesuffix('"') + '"'
    story.write_text(text.replace(title, base if version == 1 else base[:-1] + ' (revised)"'))


@pytest.mark.parametrize("args, versions, attempts, seed", [
    # --clean: a whole new output folder each time (digest's page cache is not the point)
    (("--clean",), (1, 2), 6, 2026),
    # warm builds write few files, into the spare output they then swap in
    ((), (1, 2, 1, 2), 8, 2027),
], ids=["clean", "warm"])
def test_a_build_killed_at_random_moments_leaves_old_or_new_output_whole(
        corpus: Path, tmp_path: Path, args: tuple[str, ...], versions: tuple[int, ...],
        attempts: int, seed: int) -> None:
    root = fresh_copy(corpus, tmp_path)
    states = {}
    for version in versions:
        set_version(root, version)
        started = time.monotonic()
        build(root, *args)
        seconds = time.monotonic() - started
        states[version] = snapshot(root / "site")
    assert states[1] != states[2]
    if not args:  # the last two builds had a spare output to bring up to date
        assert (root / ".digest-cache/output").is_dir()
    current = 2
    rng = random.Random(seed)
    outcomes = []
    for attempt in range(attempts):
        target = 3 - current
        set_version(root, target)
        # half the kills land anywhere, half in the second half of the build, where it writes
        delay = rng.uniform(0.05, seconds * 1.1) if attempt % 2 else \
            rng.uniform(seconds * 0.5, seconds * 1.1)
        process = digest_process(root, *args)
        try:  # killed after `delay`, unless it has finished by then
            process.wait(timeout=delay)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
        _, err = process.communicate(timeout=60)
        got = snapshot(root / "site")
        assert got in (states[current], states[target]), f"attempt {attempt}: a mixed output"
        assert beside(root) <= {"site"} | LEFTOVERS
        if process.returncode == 0:
            assert got == states[target], f"attempt {attempt}: finished, with the old output"
            outcomes.append("finished")
        else:
            assert process.returncode == -signal.SIGKILL, err.decode()
            outcomes.append("new" if got == states[target] else "old")
        current = target if got == states[target] else current
    build(root, *args)
    assert snapshot(root / "site") == states[target]
    assert beside(root) == {"site"}, "the next build clears what killed builds left"
    assert "old" in outcomes, outcomes  # killed before the swap at least once


# Run in the build's process before it starts. plant(module, name, wrap) puts wrap(real) in the
# place of a name of digest's, looked up with getattr: a function renamed or gone fails the
# build, and so the test, instead of letting the build run to its end unharmed. die() leaves
# the marker file that says the planted kill happened, then kills the process at once.
PLANT = """
import importlib, os, signal
def die(*_):
    open(os.environ["KILL_MARKER"], "w").close()
    os.kill(os.getpid(), signal.SIGKILL)
def plant(module, name, wrap):
    module = importlib.import_module(module)
    setattr(module, name, wrap(getattr(module, name)))
def before(number, when=lambda *args: True):
    '''Killed before the number-th call for which when(*args) holds.'''
    def wrap(real):
        count = [0]
        def function(*args, **kwargs):
            count[0] += bool(when(*args))
            if count[0] == number:
                die()
            return real(*args, **kwargs)
        return function
    return wrap
def after(when):
    '''Killed as soon as a call for which when(result, *args) holds has returned.'''
    def wrap(real):
        def function(*args, **kwargs):
            result = real(*args, **kwargs)
            if when(result, *args):
                die()
            return result
        return function
    return wrap
"""


def killed_build(root: Path, marker: Path, script: str, *args: str) -> None:
    """A build that the kill `script` plants must kill, and did."""
    process = digest_process(root, *args, script=PLANT + script, marker=marker)
    _, err = process.communicate(timeout=60)
    assert process.returncode == -signal.SIGKILL and marker.exists(), \
        f"the planted kill did not happen (exit status {process.returncode}): " \
        f"{err.decode()[-3000:]}"


def can_exchange(folder: Path) -> bool:
    """Whether renameat2(RENAME_EXCHANGE) works in this folder's file system."""
    first, second = folder / "exchange-1", folder / "exchange-2"
    first.mkdir()
    second.mkdir()
    return exchange(first, second)


# where to kill a build: (its arguments, whether the moment needs an atomic exchange, the
# kill to plant). --clean builds write a whole new output folder beside the output and swap
# it in; the others bring the spare output in .digest-cache/ up to date and swap that in.
MOMENTS = {
    "while files are written": (("--clean",), False, """
plant("digest.output", "_create", before(30))
"""),
    "just before the manifest is complete": (("--clean",), False, """
plant("digest.output", "_manifest_bytes", lambda real: die)
"""),
    "right after the atomic exchange": (("--clean",), True, """
plant("digest.output", "exchange", after(lambda done, *_: done))
"""),
    "while the previous output is removed": (("--clean",), False, """
plant("os", "unlink", before(20, lambda path, *_: ".digest-" in str(path)))
"""),
    "between the two renames (no renameat2)": (("--clean",), False, """
plant("digest.output", "_RENAMEAT2", lambda real: None)
plant("os", "rename", after(lambda _, source, target: str(target).endswith(".digest-old")))
"""),
    "while the spare output is brought up to date": ((), False, """
plant("os", "replace", before(2, lambda source, target: "/.digest-cache/output/" in str(target)))
"""),
    "right after the spare output is exchanged with the output": ((), True, """
plant("digest.output", "exchange", after(lambda done, first, second: done and
                                         str(first).endswith("/.digest-cache/output")))
"""),
}


def built_elsewhere(root: Path, elsewhere: Path) -> dict[str, str]:
    """The output a build of the project's sources writes from nothing."""
    shutil.copytree(root, elsewhere, ignore=lambda folder, names: [
        name for name in names if Path(folder) == root and name in {"site", ".digest-cache"}])
    build(elsewhere)
    return snapshot(elsewhere / "site")


@pytest.mark.parametrize("moment", MOMENTS)
def test_a_build_killed_at_a_critical_moment_is_undone_by_the_next(
        site: SiteDir, tmp_path: Path, moment: str) -> None:
    args, needs_exchange, script = MOMENTS[moment]
    if needs_exchange and not can_exchange(tmp_path):
        pytest.skip("no renameat2(RENAME_EXCHANGE) here; the two-rename fallback is tested")
    site.write({"site.yaml": "title: Kill\n", **{f"content/a{i}.md": article(
        f"Story {i}", f"2025-06-{1 + i % 28:02d}T10:00:00Z") for i in range(40)}})
    root = site.root
    build(root)
    site.write({"content/a0.md": article("Story 0, revised", "2025-06-01T10:00:00Z")})
    build(root)  # the first output is now the spare, for the next build to bring up to date
    assert (root / ".digest-cache/output").is_dir()
    before = snapshot(root / "site")
    site.write({"content/a1.md": article("Story 1, revised", "2025-06-02T10:00:00Z")})
    after = built_elsewhere(root, tmp_path / "elsewhere")
    assert after != before
    killed_build(root, tmp_path / "killed", script, *args)
    if (root / "site").exists():
        assert snapshot(root / "site") in (before, after), "a mixed output"
    else:  # only the fallback has a moment without an output folder; it was put aside whole
        assert moment.startswith("between") and snapshot(root / ".site.digest-old") == before
    assert beside(root) <= {"site"} | LEFTOVERS
    build(root)
    assert snapshot(root / "site") == after
    assert beside(root) == {"site"}


def test_a_failing_build_still_puts_back_an_output_a_killed_build_left_aside(
        site: SiteDir) -> None:
    site.write({"content/a.md": article("Story")})
    site.build()
    before = site.snapshot()
    site.out.rename(site.root / "._site.digest-old")  # as the fallback leaves it when killed
    site.write({"content/bad.md": "no front matter"})
    assert site.digest("build").exit_code == 1
    assert site.snapshot() == before
    assert not (site.root / "._site.digest-old").exists()


def test_the_swap_is_one_atomic_exchange_where_the_system_has_one(tmp_path: Path) -> None:
    first, second = tmp_path / "first", tmp_path / "second"
    first.mkdir()
    second.mkdir()
    (first / "a").write_text("a")
    if not exchange(first, second):
        pytest.skip("no renameat2(RENAME_EXCHANGE) here; the two-rename fallback is tested")
    assert (second / "a").read_text() == "a" and not any(first.iterdir())


def test_the_two_rename_fallback_builds_and_replaces(site: SiteDir, monkeypatch) -> None:
    monkeypatch.setattr(output_module, "_RENAMEAT2", None)
    site.write({"content/a.md": article("First")})
    site.build()
    site.write({"content/a.md": article("Second")})
    site.build()
    assert "Second" in site.read("index.html")
    assert {p.name for p in site.root.iterdir()} == {"_site", "content", ".digest-cache"}


def test_leftovers_of_killed_builds_are_cleared_but_a_stranger_is_not(site: SiteDir) -> None:
    site.write({"content/a.md": article()})
    site.build()
    ours = site.root / "._site.digest-new"
    (ours / "2025").mkdir(parents=True)
    (ours / MANIFEST).write_text("{}\n")
    (ours / "2025/half.html").write_text("<p>half")
    site.build()
    assert not ours.exists()
    stranger = site.root / "._site.digest-new"
    stranger.mkdir()
    (stranger / "notes.txt").write_text("mine")
    run = site.digest("build")
    assert run.exit_code == 1
    assert "is in the way: digest keeps a temporary folder under this name; move it away" in \
        run.errors
    assert (stranger / "notes.txt").read_text() == "mine"


def test_a_file_added_to_the_output_during_a_build_is_kept(site: SiteDir, monkeypatch) -> None:
    site.write({"content/a.md": article()})
    site.build()
    real = output_module._manifest_bytes

    def meanwhile(manifest):
        (site.out / "added-meanwhile.txt").write_text("mine")
        return real(manifest)

    monkeypatch.setattr(output_module, "_manifest_bytes", meanwhile)
    site.write({"content/a.md": article("Changed")})  # so that this build has work to do
    run = site.digest("build")
    assert run.exit_code == 1
    assert "files not written by digest are in the output folder: added-meanwhile.txt" in \
        run.errors
    assert (site.out / "added-meanwhile.txt").read_text() == "mine"
    assert not (site.root / "._site.digest-new").exists()


def children_of(pid: int) -> set[int]:
    """The processes `pid` started and those they started, as Linux lists them."""
    found: set[int] = set()
    pending = [pid]
    while pending:
        try:
            listed = Path(f"/proc/{pending.pop()}/task").glob("*/children")
            for path in listed:
                for child in map(int, path.read_text().split()):
                    if child not in found:
                        found.add(child)
                        pending.append(child)
        except OSError:
            continue  # it ended meanwhile
    return found


def command(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().decode(errors="replace")
    except OSError:
        return ""


def running(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()[0]
    except (OSError, IndexError):
        return False
    return state != "Z"  # a process that ended and waits to be reaped is not running


def test_a_build_killed_alone_leaves_no_process_behind(corpus: Path, tmp_path: Path) -> None:
    """Its worker processes, the search indexing and Pagefind end with it: none waits for
    work forever or races the next build for the cache."""
    root = fresh_copy(corpus, tmp_path)
    process = subprocess.Popen([sys.executable, "-m", "digest", "build", "--output", "site"],
                               cwd=root, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    seen: set[int] = set()
    deadline = time.monotonic() + 120
    try:
        # until its workers render and Pagefind indexes
        while process.poll() is None and time.monotonic() < deadline and not any(
                "pagefind" in command(pid) for pid in seen):
            seen |= children_of(process.pid)
            time.sleep(0.02)
        seen |= children_of(process.pid)
    finally:
        process.kill()  # the build alone, not its process group
        process.wait(timeout=60)
    assert len(seen) >= 3, "the build finished before it could be killed"
    deadline = time.monotonic() + 20
    while [pid for pid in seen if running(pid)] and time.monotonic() < deadline:
        time.sleep(0.05)
    assert [pid for pid in seen if running(pid)] == []


def full_walk(folder: Path) -> list[str]:
    """What the folder holds beside its manifest's files, every folder read."""
    listed = output_module.read_manifest(folder) or {}
    return sorted(p.relative_to(folder).as_posix() for p in folder.rglob("*")
                  if (p.is_symlink() or not p.is_dir()) and p.name != MANIFEST
                  and p.relative_to(folder).as_posix() not in listed)


@settings(max_examples=25, deadline=None, suppress_health_check=[
    HealthCheck.function_scoped_fixture])
@given(plants=st.lists(st.tuples(st.integers(0, 10_000), st.sampled_from(
    ["file", "folder", "link", "old times"])), min_size=0, max_size=4))
def test_foreign_files_are_found_in_any_folder_whatever_its_times(
        built: Path, plants: list[tuple[int, str]]) -> None:
    """Folders whose times are older than the manifest are not read: a file put anywhere,
    in a new folder, as a link, or with its folder's times set back (as rsync -a does),
    is still found, as a walk of every folder finds it."""
    output = built / "_site"
    folders = sorted({p.parent for p in output.rglob("index.html")})
    planted = []
    try:
        for number, (where, how) in enumerate(plants):
            folder = folders[where % len(folders)]
            if how == "folder":
                folder = folder / f"extra-{number}"
                folder.mkdir()
            target = folder / f"planted-{number}.txt"
            if how == "link":
                target.symlink_to(output / "index.html")
            else:
                target.write_text("mine")
            planted.append(target)
            if how == "old times":
                os.utime(folder, ns=(1, 1))
        found = output_module.foreign_files(output)
        assert found == full_walk(output)
        assert found == sorted(p.relative_to(output).as_posix() for p in planted)
    finally:
        for target in planted:
            target.unlink()
            if target.parent.name.startswith("extra-"):
                target.parent.rmdir()


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("built")
    write_corpus(root, 30)
    run = SiteDir(root).digest("build")
    assert run.exit_code == 0, run.errors
    time.sleep(0.05)  # past the clock's tick of the manifest's time
    return root


def test_a_file_copied_into_the_output_with_old_times_is_refused(site: SiteDir) -> None:
    site.write({"content/a.md": article(), "content/b.md": article("Other", topic="Elsewhere")})
    site.build()
    folder = next(p.parent for p in site.out.rglob("index.html") if p.parent != site.out)
    stranger = folder / "notes.txt"
    stranger.write_text("mine")
    os.utime(stranger, ns=(1, 1))
    os.utime(folder, ns=(1, 1))  # as a copy that keeps times does
    run = site.digest("build")
    assert run.exit_code == 1
    assert "files not written by digest are in the output folder: " in run.errors
    assert stranger.read_text() == "mine"


@pytest.mark.parametrize("error", [errno.ENOSPC, errno.EACCES, errno.EROFS, errno.EIO])
def test_a_write_that_fails_leaves_the_previous_output(site: SiteDir, monkeypatch,
                                                       error: int) -> None:
    site.write({"content/a.md": article("First"), "content/b.md": article("Other")})
    site.build()
    before = site.snapshot()
    site.write({"content/a.md": article("Second")})
    calls = []

    real = output_module._create

    def failing_create(content, target, linked):  # how --clean writes into its new folder
        calls.append(target)
        if len(calls) == 5:
            raise OSError(error, os.strerror(error), str(target))
        return real(content, target, linked)

    monkeypatch.setattr(output_module, "_create", failing_create)
    run = site.digest("build", "--clean")
    assert run.exit_code == 1
    assert f"cannot write the output: {os.strerror(error)}" in run.errors
    assert "Traceback" not in run.errors
    assert site.snapshot() == before
    assert {p.name for p in site.root.iterdir()} == {"_site", "content", ".digest-cache"}
    monkeypatch.undo()
    site.build()
    assert "Second" in site.read("index.html")


@pytest.fixture
def tmpfs(tmp_path: Path):
    """A tiny file system of its own (root only), unmounted afterwards."""
    if os.geteuid() != 0 or not shutil.which("mount"):
        pytest.skip("mounting a tmpfs needs root; the injected errors above stand in")
    point = tmp_path / "small"
    point.mkdir()
    if subprocess.run(["mount", "-t", "tmpfs", "-o", "size=2m", "tmpfs", str(point)],
                      capture_output=True).returncode != 0:
        pytest.skip("cannot mount a tmpfs here")
    try:
        yield point
    finally:
        subprocess.run(["umount", "-l", str(point)], check=False)


def test_a_full_disk_leaves_the_previous_output(tmpfs: Path) -> None:
    site = SiteDir(tmpfs / "site")
    padding = "Filler paragraph for a full disk. " * 30 + "\n\n"
    site.write({f"content/a{i}.md": article(f"Story {i}", topic=f"T{i % 3}", body=padding * 4)
                for i in range(20)})  # 1.1 MB of output: one fits in the file system, not two
    site.build()
    before = site.snapshot()
    run = site.digest("build", "--clean")  # a second full copy does not fit
    assert run.exit_code == 1
    assert re.search(r"cannot write the (output|search index): No space left on device", run.errors)
    assert site.snapshot() == before
    assert {p.name for p in site.root.iterdir()} <= {"_site", "content", ".digest-cache"}
    site.build()  # unchanged files are hard links: this one fits
    assert site.snapshot() == before


def test_a_full_disk_while_pages_are_written_by_workers_leaves_the_previous_output(
        tmpfs: Path, monkeypatch) -> None:
    """A first build writes its pages from worker processes straight into the new folder.
    (No search index, whose files in the cache could fill the disk first.)"""
    monkeypatch.setattr("digest.reuse.parsing.PARSE_MIN", 4)
    monkeypatch.setattr("digest.reuse.rendering.RENDER_MIN", 4)
    site = SiteDir(tmpfs / "site")
    padding = "Filler paragraph for a full disk. " * 30 + "\n\n"
    site.write({f"content/a{i}.md": article(f"Story {i}", topic=f"T{i % 3}", body=padding * 4)
                for i in range(20)})
    site.write({"site.yaml": "search: false\n"})
    site.build()
    before = site.snapshot()
    run = site.digest("build", "--clean")
    assert run.exit_code == 1
    assert "cannot write the output: No space left on device" in run.errors
    assert "Traceback" not in run.errors
    assert site.snapshot() == before
    assert {p.name for p in site.root.iterdir()} <= {"_site", "content", ".digest-cache",
                                                     "site.yaml"}


def test_a_read_only_file_system_leaves_the_previous_output(tmpfs: Path) -> None:
    site = SiteDir(tmpfs / "site")
    site.write({"content/a.md": article("First")})
    site.build()
    before = site.snapshot()
    site.write({"content/a.md": article("Second")})
    subprocess.run(["mount", "-o", "remount,ro", str(tmpfs)], check=True)
    try:
        run = site.digest("build")
        assert run.exit_code == 1
        assert re.search(r"cannot write the (output|search index): Read-only file system", run.errors)
        assert site.snapshot() == before
    finally:
        subprocess.run(["mount", "-o", "remount,rw", str(tmpfs)], check=True)
    site.build()
    assert "Second" in site.read("index.html")


def test_a_read_only_folder_leaves_the_previous_output(site: SiteDir) -> None:
    if os.geteuid() == 0:
        pytest.skip("root writes into read-only folders; the tmpfs and injected errors cover it")
    site.write({"content/a.md": article("First")})
    site.build()
    before = site.snapshot()
    site.root.chmod(0o555)
    try:
        run = site.digest("build")
        assert run.exit_code == 1 and "cannot write the output: Permission denied" in run.errors
        assert site.snapshot() == before
    finally:
        site.root.chmod(0o755)


def stopped_in_place(out: Path, first: dict, second: dict, monkeypatch, stops) -> None:
    """`first` written by a build, then `second` written in place by a dev server that stops
    (interrupted) as it is about to copy a file for whose path stops(path) holds."""
    report = write_site(first, out)
    time.sleep(0.05)  # a rebuild comes later than the clock's tick of the last write
    real = output_module._copy

    def copy_unless_stopped(content, target):
        if stops(str(target)):
            raise KeyboardInterrupt
        real(content, target)

    monkeypatch.setattr(output_module, "_copy", copy_unless_stopped)
    with pytest.raises(KeyboardInterrupt):
        write_site(second, out, Mode.IN_PLACE, last=(report.manifest, first))
    monkeypatch.undo()


def test_a_dev_server_killed_midway_never_lets_a_stale_file_be_reused(tmp_path: Path,
                                                                    monkeypatch) -> None:
    out = tmp_path / "out"
    first = {"a.html": b"A1", "b.html": b"B1", "c.html": b"C1"}
    second = {"a.html": b"A2", "b.html": b"B2", "c.html": b"C1"}
    for later in ("build", "dev server"):
        shutil.rmtree(out, ignore_errors=True)
        # a.html is in place, b.html not, the manifest as it was
        stopped_in_place(out, first, second, monkeypatch, lambda path: "b.html" in path)
        assert (out / "a.html").read_bytes() == b"A2"  # new bytes, which the manifest ...
        # ... does not vouch for: a later build, or a dev server started again, writes A1
        if later == "build":
            write_site(first, out)
        else:
            write_site(first, out, Mode.IN_PLACE)
        assert (out / "a.html").read_bytes() == b"A1" and (out / "b.html").read_bytes() == b"B1"


@pytest.mark.parametrize("linked", ["news", "news/2025/02", "news/2025/02/b"])
def test_writing_in_place_never_goes_through_a_folder_linked_out_of_the_output(
        tmp_path: Path, linked: str) -> None:
    """Files of one folder after another, as a rebuild writes them: a link out of the output
    is refused wherever it is on the way, after folders above it were found to be real."""
    out, elsewhere = tmp_path / "out", tmp_path / "elsewhere"
    names = ["news/2025/01/a/index.html", "news/2025/02/b/index.html",
             "news/2025/02/c/index.html"]
    report = write_site({name: b"old" for name in names}, out)
    time.sleep(0.05)  # a rebuild comes later than the clock's tick of the last write
    shutil.move(out / linked, elsewhere)
    (out / linked).symlink_to(elsewhere, target_is_directory=True)
    with pytest.raises(DigestError, match="refusing to write through a symbolic link"):
        write_site({name: b"new" for name in names}, out, Mode.IN_PLACE,
                   last=(report.manifest, {}))
    assert {path.read_bytes() for path in elsewhere.rglob("*.html")} == {b"old"}


def test_writing_in_place_goes_through_a_folder_linked_inside_the_output(
        tmp_path: Path) -> None:
    out = tmp_path / "out"
    names = ["a/one/index.html", "a/two/index.html", "b/index.html"]
    report = write_site({name: b"old" for name in names}, out)
    time.sleep(0.05)
    shutil.rmtree(out / "a/two")
    (out / "a/two").symlink_to(out / "b", target_is_directory=True)
    write_site({**{name: b"new" for name in names}}, out, Mode.IN_PLACE,
               last=(report.manifest, {}))
    assert (out / "b/index.html").read_bytes() == b"new"


def test_a_dev_server_killed_while_it_adds_files_leaves_them_to_the_next_build(
        tmp_path: Path, monkeypatch) -> None:
    """A new search shard, say: its files are named in the manifest before they are written,
    so that those a killed server leaves are known to be digest's."""
    out = tmp_path / "out"
    first = {"a.html": b"A1", "search/one/index.pf": b"I1"}
    second = {**first, "b.html": b"B", "search/two/index.pf": b"I2", "search/two/meta.pf": b"M"}
    # two of the three new files are in place
    stopped_in_place(out, first, second, monkeypatch, lambda path: "meta.pf" in path)
    left = {path.relative_to(out).as_posix() for path in out.rglob("*") if path.is_file()}
    assert len(left & {"b.html", "search/two/index.pf", "search/two/meta.pf"}) == 2
    assert output_module.foreign_files(out) == []
    check_output_folder(out, tmp_path, "out")  # the next build or server does not refuse it
    write_site(first, out)
    assert {name: (out / name).read_bytes() for name in snapshot(out)} == {
        **first, MANIFEST: (out / MANIFEST).read_bytes()}


def test_a_file_found_in_a_new_folder_s_way_is_replaced_not_written_into(tmp_path: Path
                                                                       ) -> None:
    """A new output folder is written without a temporary name for each file, as nothing can
    be in the way; whatever is (a link to someone's file, planted while the build ran) is
    replaced, and what it leads to is left as it was."""
    theirs = tmp_path / "theirs.txt"
    theirs.write_text("not digest's")
    cached = tmp_path / "cached.bin"
    cached.write_bytes(b"indexed")
    listed = output_module.Cached(cached, hashlib.sha256(b"indexed").hexdigest(), 7)
    out = tmp_path / "out"
    stage = output_module.Stage(out)
    try:
        folder = stage.open()
        (folder / "a").mkdir()
        for rel in ("a/page.html", "a/index.bin"):
            os.link(theirs, folder / rel)
        write_site({"a/page.html": b"<p>ours</p>", "a/index.bin": listed}, out, stage=stage)
    finally:
        stage.close()
    assert theirs.read_text() == "not digest's"
    assert (out / "a" / "page.html").read_bytes() == b"<p>ours</p>"
    assert (out / "a" / "index.bin").stat().st_ino == cached.stat().st_ino
    assert output_module.foreign_files(out) == []


def test_two_builds_at_once_take_turns(corpus: Path, tmp_path: Path) -> None:
    root = fresh_copy(corpus, tmp_path)
    processes = [digest_process(root, "--clean") for _ in range(2)]
    for process in processes:
        _, err = process.communicate(timeout=120)
        assert process.returncode == 0, err.decode()
    build(root)
    assert beside(root) == {"site"}
    assert output_module.foreign_files(root / "site") == []


def test_a_build_after_the_dev_server_changed_the_output_shows_the_current_text(
        site: SiteDir) -> None:
    from datetime import datetime, timezone

    from digest.build import Options
    from digest.project import Project
    from digest.serve import Session

    now = datetime.fromtimestamp(int(BUILD_EPOCH), timezone.utc)
    site.write({"content/a.md": article("Alpha one", topic="A"),
                "content/b.md": article("Beta", "2025-06-02T10:00:00Z", topic="B")})
    site.build()
    session = Session(Project.at(site.root / "site.yaml"), Options())
    session.rebuild("start", now)
    site.write({"content/a.md": article("Alpha two", topic="A")})
    session.rebuild("edit", now)
    site.write({"content/a.md": article("Alpha one", topic="A")})
    site.build()
    assert "Alpha two" not in site.read("2025/06/01/a/index.html")


def test_a_build_killed_after_its_swap_leaves_no_stale_pages_to_the_next(
        site: SiteDir, tmp_path: Path) -> None:
    site.write({"site.yaml": "title: Kill\n", "content/a.md": article("Alpha one"),
                "content/b.md": article("Beta", "2025-06-02T10:00:00Z")})
    build(site.root)
    site.write({"content/a.md": article("Alpha two")})
    # killed where the page fingerprints of the new output would be saved
    killed_build(site.root, tmp_path / "killed", """
plant("digest.reuse.store", "save_pages", lambda real: die)
""")
    assert "Alpha two" in (site.root / "site/2025/06/01/a/index.html").read_text()
    site.write({"content/a.md": article("Alpha one")})
    build(site.root)
    assert "Alpha two" not in (site.root / "site/2025/06/01/a/index.html").read_text()


_PATHS = st.text(st.characters(codec="utf-8", exclude_categories=("Cs",)), min_size=1,
                 max_size=12)
_DIGESTS = st.text("0123456789abcdef\"\\\n,:", min_size=1, max_size=8)


@settings(max_examples=200, deadline=None)
@given(st.dictionaries(_PATHS, _DIGESTS, max_size=30), st.data())
def test_the_manifest_text_changed_in_place_is_the_one_written_whole(manifest, data) -> None:
    """The dev server writes its next manifest by changing the lines of the digests that
    changed, and of the paths added and removed: the bytes are those the whole manifest
    encodes to, whatever the paths hold."""
    from digest.output import ManifestText, _manifest_bytes

    text = ManifestText(manifest)
    assert text.data() == _manifest_bytes(manifest)
    for _ in range(3):
        paths = st.lists(st.sampled_from(sorted(manifest)), unique=True) if manifest \
            else st.just([])
        changed, removed = data.draw(paths), set(data.draw(paths))
        added = data.draw(st.dictionaries(_PATHS, _DIGESTS, max_size=4))
        new = {rel: digest for rel, digest in manifest.items() if rel not in removed}
        hashed = {}
        for rel in changed:
            if rel not in removed:
                new[rel] = data.draw(_DIGESTS)
                hashed[rel] = (new[rel], 0)
        for rel, digest in added.items():
            new[rel] = digest
            hashed[rel] = (digest, 0)
        updated = text.updated(new, hashed)
        if updated is None:  # most of its paths new: encoded whole
            assert len(new.keys() - manifest.keys()) > len(new) // 2
            updated = ManifestText(new)
        assert updated.data() == _manifest_bytes(new)
        text, manifest = updated, new
