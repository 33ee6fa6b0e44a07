"""The one module that writes the output folder: build beside it, then swap it in.

A build writes every file into a fresh folder next to the output, with a manifest
of what digest wrote, then swaps it into place: in one step where the system can
(Linux's renameat2 with RENAME_EXCHANGE), else with two renames that the next build
undoes if it was killed between them. A failed or killed build leaves the previous
output as it was, and the next build clears what it left beside it. digest removes
only what it wrote: the output folder is replaced only while every file in it is in
its manifest. Files whose bytes did not change are hard-linked from the previous
output instead of written again. The output a build replaces can be kept as a spare
(in .digest-cache/), which the next build brings up to date and swaps in, writing only
the files that differ, instead of making every folder of the site again.
"""

from __future__ import annotations

import ctypes
import dataclasses
import errno
import hashlib
import json
import os
import shutil
import stat
import sys
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from .errors import DigestError, problem

try:
    import fcntl
except ImportError:  # pragma: no cover - not on POSIX
    fcntl = None  # type: ignore[assignment]

MANIFEST = ".digest-manifest.json"


@dataclass(frozen=True)
class Kept:
    """The previous output's file at the same path, known unchanged: no need to read it."""

    digest: str  # its sha256, as the manifest says
    size: int


@dataclass(frozen=True)
class Staged:
    """A file a worker process already wrote into the new output folder (see Stage)."""

    digest: str  # its sha256
    size: int


# bytes to write, a file to copy, the file already there, or the file already in the new one
Content = bytes | Path | Kept | Staged
_TEMPORARY = ".digest-tmp"  # suffix of the files update_site writes before renaming them


@dataclass(frozen=True)
class WriteReport:
    written: int  # files whose bytes were new or changed
    unchanged: int  # files kept from the previous output
    manifest: dict[str, str]  # every file written, with its sha256
    removed: int = 0  # files of the previous output that are gone
    changed: tuple[str, ...] = ()  # the paths that were written or removed
    size: int = 0  # bytes of the whole output, when a build wrote it


def check_output_folder(output: Path, project: Path, shown: str) -> None:
    """Refuse any output folder whose replacement could destroy something not ours.

    First, an output a killed build left aside is put back, so that it is there even when
    this build fails.
    """
    if output.parent.is_dir():
        try:
            with _writing(output):
                _recover(output, output.parent / f".{output.name}.digest-old")
        except OSError:
            pass  # the write will say what is wrong, if anything is
    out, root = output.resolve(), project.resolve()
    if out == root or out in root.parents:
        raise DigestError(problem(shown, 0, "the output folder is the project folder or "
                                            "contains it; choose another, such as _site"))
    for name in ("content", "layouts", "static"):
        if (root / name) in (out, *out.parents):
            raise DigestError(problem(shown, 0, f"the output folder must not be inside {name}/"))
    if output.is_symlink():
        raise DigestError(problem(shown, 0, "the output folder is a symbolic link; digest "
                                            "replaces the folder as a whole, so name the "
                                            "real folder instead"))
    if not out.exists():
        return
    if not out.is_dir():
        raise DigestError(problem(shown, 0, "the output path exists and is not a folder"))
    for marker in ("content", "site.yaml"):
        if os.path.lexists(out / marker):
            raise DigestError(problem(shown, 0, f"the output folder holds {marker}; it looks "
                                                "like a project, not digest's output"))
    _refuse_foreign(output, shown)


def _refuse_foreign(output: Path, shown: str) -> None:
    """Refuse an output folder that holds anything digest did not write."""
    foreign = foreign_files(output)
    if foreign is None:
        raise DigestError(problem(shown, 0, "the output folder was not written by digest "
                                            "(no manifest); move its files away or choose "
                                            "another folder"))
    if foreign:
        listed = ", ".join(foreign[:5]) + (" and more" if len(foreign) > 5 else "")
        raise DigestError(problem(shown, 0, f"files not written by digest are in the output "
                                            f"folder: {listed}; move them away (or into "
                                            "static/ to publish them)"))


def foreign_files(output: Path) -> list[str] | None:
    """What the folder holds that its manifest does not list (symbolic links included),
    or None when it holds files but no manifest."""
    present = []
    pending = [("", str(output))]
    while pending:
        prefix, folder = pending.pop()
        with os.scandir(folder) as entries:
            for entry in entries:
                if entry.is_dir(follow_symlinks=False):  # a link to a folder is an entry
                    pending.append((f"{prefix}{entry.name}/", entry.path))
                else:
                    present.append(prefix + entry.name)
    if not present:
        return []
    manifest = read_manifest(output)
    if manifest is None:
        return None
    return sorted(name for name in set(present) - set(manifest) - {MANIFEST}
                  if not _is_temporary(name))


def read_manifest(output: Path) -> dict[str, str] | None:
    try:
        data = json.loads((output / MANIFEST).read_text("utf-8"))
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) else None


class Stage:
    """The new output folder, made beside the old one when the first file is to be written
    into it early (by the worker processes that render pages), and locked from then on.
    write_site finishes and swaps it in; `close` removes it if the build failed."""

    def __init__(self, output: Path):
        self.output = output
        self.path: Path | None = None
        self._lock: int | None = None

    def open(self) -> Path:
        if self.path is None:
            new, old = _siblings(self.output)
            try:
                self.output.parent.mkdir(parents=True, exist_ok=True)
                self._lock = _lock(self.output)
                _recover(self.output, old)
                _clear_leftover(new)
                new.mkdir()
                # first of all, so that a build killed now leaves a folder known to be ours
                (new / MANIFEST).write_bytes(b"{}\n")
            except BaseException as err:
                self.close()
                if isinstance(err, OSError):
                    raise _cannot_write(self.output, err) from None
                raise
            self.path = new
        return self.path

    def close(self) -> None:
        try:
            if self.path is not None and os.path.lexists(self.path):
                _remove_ours(self.path)  # still there: the build failed before the swap
        finally:
            self.path = None
            if self._lock is not None:
                os.close(self._lock)  # closing releases the lock
                self._lock = None


def _siblings(output: Path) -> tuple[Path, Path]:
    """The folders beside the output: the new one being written, and the old one."""
    return (output.parent / f".{output.name}.digest-new",
            output.parent / f".{output.name}.digest-old")


def _cannot_write(output: Path, err: OSError) -> DigestError:
    where = f" ({err.filename})" if err.filename else ""
    return DigestError(problem(output, 0, f"cannot write the output: "
                                          f"{err.strerror or err}{where}"))


def write_site(files: dict[str, Content], output: Path, reuse: bool = True,
               stage: Stage | None = None, spare: Path | None = None) -> WriteReport:
    """Write `files` (relative POSIX paths) as the new output folder, atomically swapped in.
    `stage`: where Staged files were written, if any were. `spare`: where the output before
    the previous one is kept, to be brought up to date and swapped in, rather than making
    every folder and file of the site again (see _through_spare)."""
    new, old = _siblings(output)
    staged = stage is not None and stage.path is not None
    try:
        output.parent.mkdir(parents=True, exist_ok=True)
        if staged:  # already locked
            return _write_site(files, output, new, old, reuse, staged, spare)
        with _writing(output):
            return _write_site(files, output, new, old, reuse, staged, spare)
    except OSError as err:
        raise _cannot_write(output, err) from None


def _write_site(files: dict[str, Content], output: Path, new: Path, old: Path,
                reuse: bool, staged: bool, spare: Path | None = None) -> WriteReport:
    sized = {rel: _hash(content) for rel, content in files.items()}
    report = _write_sized(files, sized, output, new, old, reuse, staged, spare)
    return dataclasses.replace(report, size=sum(size for _, size in sized.values()))


def _write_sized(files: dict[str, Content], sized: dict[str, tuple[str, int]], output: Path,
                 new: Path, old: Path, reuse: bool, staged: bool,
                 spare: Path | None = None) -> WriteReport:
    started = staged
    try:
        if not staged:
            _recover(output, old)
            _clear_leftover(new)
        previous = (read_manifest(output) or {}) if reuse else {}
        manifest = {rel: digest for rel, (digest, _) in sized.items()}
        written = _manifest_time(output) if previous else None
        if (manifest == previous and written is not None
                and all(isinstance(files[rel], Kept)  # checked when it was kept
                        or _untouched(os.path.join(output, rel), size, written)
                        for rel, (_, size) in sized.items())):
            if staged:
                _remove_ours(new)  # the same bytes as the output already holds
            return WriteReport(0, len(files), manifest)  # nothing to do: every byte is there
        if spare is not None and not staged and reuse:
            through = _through_spare(files, sized, previous, written, output, spare, old)
            if through is not None:
                return through
        if not staged:
            new.mkdir()
            started = True
            # first of all, so that a build killed now leaves a folder known to be digest's
            (new / MANIFEST).write_bytes(b"{}\n")

        def place(names: list[str]) -> list[bool]:
            """Put each file in the new folder; True for those the output already had."""
            kept = []
            for rel in names:
                content = files[rel]
                digest, size = sized[rel]
                if isinstance(content, Staged):
                    kept.append(previous.get(rel) == digest)
                    continue
                target = new / _safe_relative(rel)
                target.parent.mkdir(parents=True, exist_ok=True)
                if previous.get(rel) == digest and _link(output / rel, target, size, written):
                    kept.append(True)
                    continue
                _copy(output / rel if isinstance(content, Kept) else content, target)
                kept.append(False)
            return kept

        names = sorted(files)
        changed = [rel for rel, kept in zip(names, _in_threads(place, names)) if not kept]
        unchanged = len(names) - len(changed)
        (new / MANIFEST).write_bytes(_manifest_bytes(manifest))
        if os.path.lexists(output):
            _refuse_foreign(output, str(output))  # again: something may have come meanwhile
        _swap(new, output, old, spare if reuse else None)
    except BaseException:
        if started:
            _remove_ours(new)
        raise
    gone = sorted(previous.keys() - manifest.keys())
    return WriteReport(len(changed), unchanged, manifest, len(gone), tuple(changed + gone))


def update_site(files: dict[str, Content], output: Path, manifest: dict[str, str],
                previous: dict[str, Content]) -> WriteReport:
    """Write in place only the files whose bytes changed; for the dev server's rebuilds.

    `manifest` and `previous` are what the last write wrote. A file whose content is the
    very object written last time is not even hashed. Each file is replaced atomically;
    files of the last write that are no longer built are removed, and nothing else.
    While files change, the manifest vouches for none of them, so that a server killed
    midway never lets a later build reuse a file whose bytes it does not know.
    """
    try:
        with _writing(output):
            return _update_site(files, output, manifest, previous)
    except OSError as err:
        raise DigestError(problem(err.filename or str(output), 0,
                                  f"cannot write the output: {err.strerror or err}")) from None


def _update_site(files: dict[str, Content], output: Path, manifest: dict[str, str],
                 previous: dict[str, Content]) -> WriteReport:
    new_manifest: dict[str, str] = {}
    todo: list[str] = []
    for rel, content in files.items():
        if previous.get(rel) is content and rel in manifest:
            new_manifest[rel] = manifest[rel]
            continue
        digest, _ = _hash(content)
        new_manifest[rel] = digest
        if isinstance(content, Kept) or manifest.get(rel) == digest and (output / rel).is_file():
            continue  # a Kept file is the one already in place
        todo.append(rel)
    gone = sorted(manifest.keys() - files.keys())
    if todo or gone:
        unsure = {**manifest, **dict.fromkeys(todo, "")}
        _replace(output, MANIFEST, _manifest_bytes(unsure))
    for rel in todo:
        _replace(output, rel, files[rel])
    for rel in gone:
        _remove(output, rel)
    _replace(output, MANIFEST, _manifest_bytes(new_manifest))
    return WriteReport(len(todo), len(files) - len(todo), new_manifest, len(gone),
                       tuple(todo + gone))


@contextmanager
def _writing(output: Path):
    """One writer at a time for an output folder (a build and a dev server, say): a lock on
    the folder that holds it, so that no lock file is left behind by a killed build."""
    handle = _lock(output)
    try:
        yield
    finally:
        if handle is not None:
            os.close(handle)  # closing releases the lock


def _lock(output: Path) -> int | None:
    if fcntl is None:
        return None
    handle = os.open(output.parent, os.O_RDONLY)
    try:
        fcntl.flock(handle, fcntl.LOCK_EX)
    except BaseException:
        os.close(handle)
        raise
    return handle


def write_staged(stage: Path, rel: str, data: bytes) -> Staged:
    """Write one file into the new output folder; for worker processes."""
    target = stage / _safe_relative(rel)
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_bytes(data)
    return Staged(hashlib.sha256(data).hexdigest(), len(data))


def _hash(content: Content) -> tuple[str, int]:
    """sha256 and size of bytes or of a file, read a piece at a time."""
    if isinstance(content, (Kept, Staged)):
        return content.digest, content.size
    if isinstance(content, bytes):
        return hashlib.sha256(content).hexdigest(), len(content)
    with open(content, "rb") as stream:
        digest = hashlib.file_digest(stream, "sha256").hexdigest()
        return digest, stream.tell()


def _copy(content: Content, target: Path) -> None:
    if isinstance(content, bytes):
        target.write_bytes(content)
    else:
        shutil.copyfile(content, target)  # a regular file, whatever the source was


def _replace(output: Path, rel: str, content: Content) -> None:
    """Write beside the target, then rename over it: readers see old or new, never half."""
    target = _inside(output, rel)
    target.parent.mkdir(parents=True, exist_ok=True)
    _inside(output, rel)  # the folders just made are real folders, not links
    temporary = target.with_name(f".{target.name}{_TEMPORARY}")
    _copy(content, temporary)
    os.replace(temporary, target)


def _remove(output: Path, rel: str) -> None:
    path = _inside(output, rel)
    path.unlink(missing_ok=True)
    folder = path.parent
    while folder != output and folder.is_dir() and not any(folder.iterdir()):
        folder.rmdir()
        folder = folder.parent


def _inside(output: Path, rel: str) -> Path:
    """output/rel, refused if a folder on the way is a link that leads elsewhere."""
    path = output / _safe_relative(rel)
    root = os.path.realpath(output)
    existing = path.parent
    while not os.path.lexists(existing):
        existing = existing.parent
    real = os.path.realpath(existing)
    if real != root and not real.startswith(root + os.sep):
        raise DigestError(problem(rel, 0, "refusing to write through a symbolic link that "
                                          "leads out of the output folder"))
    return path


def _manifest_bytes(manifest: dict[str, str]) -> bytes:
    """One file a line, sorted; made by the C encoder, which `indent` would turn off."""
    return (json.dumps(manifest, sort_keys=True, separators=(",\n", ":")) + "\n").encode()


def _swap(new: Path, output: Path, old: Path, spare: Path | None = None) -> None:
    """Put `new` in the place of `output`; the previous output becomes the spare, if there
    is a place for one, or is removed."""
    if not os.path.lexists(output):
        os.rename(new, output)
    elif exchange(new, output):
        _retire(new, spare)  # now the previous output; a kill here leaves it for the next build
    else:
        os.rename(output, old)  # from here to the next rename there is no output folder
        os.rename(new, output)
        _retire(old, spare)


def _retire(folder: Path, spare: Path | None) -> None:
    """Keep a previous output as the spare, or remove it."""
    if spare is not None and not os.path.lexists(spare):
        try:
            spare.parent.mkdir(parents=True, exist_ok=True)
            os.rename(folder, spare)
            return
        except OSError:
            pass  # another file system, say: not worth a copy
    _remove_ours(folder)


def _through_spare(files: dict[str, Content], sized: dict[str, tuple[str, int]],
                   previous: dict[str, str], written: int | None, output: Path, spare: Path,
                   old: Path) -> WriteReport | None:
    """The new output made from the spare (an earlier output, kept by _swap) by writing only
    the files that differ from it, then swapped in; the previous output becomes the spare.

    A warm build of a large site would otherwise make every one of its folders again and
    remove as many. The spare is not the output: while it is brought up to date the output
    stays as it was, and its manifest says "nothing is known" until it is done, so that one
    left by a killed build is removed, not used. None when there is no usable spare.
    """
    if not os.path.isdir(spare) or os.path.islink(spare):
        return None
    known = read_manifest(spare)
    if not known or foreign_files(spare):  # a killed update's, or not only ours: not used
        if not known:
            _remove_ours(spare)
        return None
    known_time = _manifest_time(spare)
    manifest = {rel: digest for rel, (digest, _) in sized.items()}
    try:
        (spare / MANIFEST).write_bytes(b"{}\n")

        def place(names: list[str]) -> list[bool]:
            """Bring each file of the spare up to date; True for those the output had."""
            same = []
            for rel in names:
                digest, size = sized[rel]
                same.append(previous.get(rel) == digest)
                if known.get(rel) == digest and _untouched(spare / rel, size, known_time):
                    continue
                target = spare / _safe_relative(rel)
                target.parent.mkdir(parents=True, exist_ok=True)
                temporary = target.with_name(f".{target.name}{_TEMPORARY}")
                content = files[rel]
                if not (same[-1] and _link(output / rel, temporary, size, written)):
                    _copy(output / rel if isinstance(content, Kept) else content, temporary)
                os.replace(temporary, target)  # never into the file: it may be a hard link
            return same

        names = sorted(files)
        changed = [rel for rel, same in zip(names, _in_threads(place, names)) if not same]
        for rel in sorted(known.keys() - manifest.keys()):
            _remove(spare, rel)
        (spare / MANIFEST).write_bytes(_manifest_bytes(manifest))
    except OSError:
        _remove_ours(spare)  # a file where a folder now goes, say: start from nothing
        return None
    if os.path.lexists(output):
        _refuse_foreign(output, str(output))  # again: something may have come meanwhile
    if not os.path.lexists(output):
        os.rename(spare, output)
    elif not exchange(spare, output):  # exchanged: the spare is now the previous output
        os.rename(output, old)
        os.rename(spare, output)
        _remove_ours(old)
    gone = sorted(previous.keys() - manifest.keys())
    return WriteReport(len(changed), len(names) - len(changed), manifest, len(gone),
                       tuple(changed + gone))


def _recover(output: Path, old: Path) -> None:
    """A build killed between the two renames left the previous output under `old`."""
    if not os.path.lexists(old):
        return
    if not os.path.lexists(output) and _is_ours(old):
        os.rename(old, output)
    else:
        _clear_leftover(old)


def _clear_leftover(folder: Path) -> None:
    """Remove a temporary folder a killed build left beside the output, if it is digest's."""
    if not os.path.lexists(folder):
        return
    if not _is_ours(folder):
        raise DigestError(problem(folder, 0, "is in the way: digest keeps a temporary folder "
                                             "under this name; move it away"))
    _remove_ours(folder)


def _is_ours(folder: Path) -> bool:
    """A real folder holding a manifest (every folder digest writes has one), or no files."""
    if folder.is_symlink() or not folder.is_dir():
        return False
    return (folder / MANIFEST).is_file() or foreign_files(folder) == []


def _remove_ours(folder: Path) -> None:
    """Remove a folder of digest's, its manifest last: until the end it stays recognisable."""
    if not _is_ours(folder):
        return
    parts: list[str] = []  # what is inside, a level or two down, to remove several at once
    tops: list[str] = []
    with os.scandir(folder) as entries:
        for entry in entries:
            if entry.name == MANIFEST:
                continue
            if entry.is_dir(follow_symlinks=False):
                tops.append(entry.path)
                with os.scandir(entry.path) as inner:
                    parts.extend(item.path for item in inner)
            else:
                parts.append(entry.path)
    _in_threads(_remove_tree, parts)
    for top in tops:
        os.rmdir(top)
    (folder / MANIFEST).unlink(missing_ok=True)
    folder.rmdir()


def _remove_tree(paths: list[str]) -> list[None]:
    for path in paths:
        if os.path.isdir(path) and not os.path.islink(path):
            for current, folders, names in os.walk(path, topdown=False):
                for name in names:
                    os.unlink(os.path.join(current, name))
                for name in folders:
                    inner = os.path.join(current, name)
                    os.unlink(inner) if os.path.islink(inner) else os.rmdir(inner)
            os.rmdir(path)
        else:
            os.unlink(path)
    return [None] * len(paths)


# File system calls wait on the disk, not on Python: a few threads keep it busier.
_THREADS = 4


def _in_threads(function, items: list) -> list:
    """function(chunk) over chunks of items, a few chunks at once; the results in order."""
    if len(items) < 512:
        return function(items)
    size = max(64, len(items) // (_THREADS * 8))
    chunks = [items[start:start + size] for start in range(0, len(items), size)]
    with ThreadPoolExecutor(_THREADS) as pool:
        return [result for part in pool.map(function, chunks) for result in part]


def _is_temporary(name: str) -> bool:
    return PurePosixPath(name).name.startswith(".") and name.endswith(_TEMPORARY)


def _manifest_time(output: Path) -> int | None:
    """When the previous output was finished: its files are not newer, unless edited."""
    try:
        return os.stat(output / MANIFEST).st_mtime_ns
    except OSError:
        return None


def _untouched(path: Path | str, size: int, written: int | None) -> bool:
    """A regular file of the size digest wrote, not changed since the manifest was."""
    try:
        info = os.lstat(path)
    except OSError:
        return False
    return (stat.S_ISREG(info.st_mode) and info.st_size == size and written is not None
            and info.st_mtime_ns <= written)


def _link(source: Path, target: Path, size: int, written: int | None) -> bool:
    if not _untouched(source, size, written):
        return False
    try:
        os.link(source, target)
        return True
    except OSError:
        return False


def _safe_relative(rel: str) -> str:
    path = PurePosixPath(rel)
    if path.is_absolute() or ".." in path.parts or not path.parts or "\\" in rel or "\0" in rel:
        raise DigestError(problem(rel, 0, "refusing to write outside the output folder"))
    return rel


# renameat2(2) with RENAME_EXCHANGE swaps two paths in one step (Linux 3.15, glibc 2.28).
_AT_FDCWD = -100
_RENAME_EXCHANGE = 2


def _find_renameat2():
    if not sys.platform.startswith("linux"):
        return None
    try:
        function = ctypes.CDLL(None, use_errno=True).renameat2
    except (OSError, AttributeError):
        return None
    function.argtypes = [ctypes.c_int, ctypes.c_char_p, ctypes.c_int, ctypes.c_char_p,
                         ctypes.c_uint]
    function.restype = ctypes.c_int
    return function


_RENAMEAT2 = _find_renameat2()


def exchange(first: Path, second: Path) -> bool:
    """Swap two existing paths atomically; False where the system or file system cannot."""
    if _RENAMEAT2 is None:
        return False
    if _RENAMEAT2(_AT_FDCWD, os.fsencode(first), _AT_FDCWD, os.fsencode(second),
                  _RENAME_EXCHANGE) == 0:
        return True
    code = ctypes.get_errno()
    if code in (errno.ENOSYS, errno.EINVAL, errno.EOPNOTSUPP, errno.ENOTSUP):
        return False
    raise OSError(code, os.strerror(code), str(second))
