"""The one module that writes the output folder, by one path with two modes.

Every write brings a folder up to date with the files of a build, writing only the files
whose bytes it lacks, each beside its place and renamed over it; then removes the files
digest wrote that are no longer built, and nothing else. A manifest in the folder lists
what digest wrote, with each file's sha256.

Mode.SWAP, for `digest build`: the folder brought up to date is the spare output (the
output before the last, kept in .digest-cache/) when it is whole and only ours, else a new
folder beside the output, whose unchanged files are hard-linked from the output. It is then
swapped in: in one step where the system can (Linux's renameat2 with RENAME_EXCHANGE), else
with two renames that the next build undoes if it was killed between them; the output it
replaces becomes the spare. A failed or killed build leaves the previous output as it was.
The output folder is replaced only while every file in it is in its manifest.

Mode.IN_PLACE, for the dev server's rebuilds: the folder is the output itself.
"""

from __future__ import annotations

import ctypes
import errno
import hashlib
import json
import os
import shutil
import stat
import sys
import time
from collections.abc import Set
from contextlib import contextmanager
from dataclasses import dataclass
from enum import Enum
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


@dataclass(frozen=True)
class Cached:
    """A file digest keeps in .digest-cache/ and never writes into, known unchanged since it
    was listed with its sha256 and size (see `untouched`): hard-linked into the output
    rather than copied, and not read."""

    path: Path
    digest: str
    size: int


# bytes to write, a file to copy, the file already there, the file already in the new one,
# or a file of the cache
Content = bytes | Path | Kept | Staged | Cached
_TEMPORARY = ".digest-tmp"  # suffix of the files written beside their place, then renamed


@dataclass(frozen=True)
class WriteReport:
    written: int  # files whose bytes were new or changed
    unchanged: int  # files kept from the previous output
    manifest: dict[str, str]  # every file written, with its sha256
    removed: int = 0  # files of the previous output that are gone
    changed: tuple[str, ...] = ()  # the paths that were written or removed
    size: int = 0  # bytes of the whole output, when a build wrote it
    sizes: dict[str, int] | None = None  # each file's size, when a build wrote it
    text: ManifestText | None = None  # the manifest as written in place, for the next write


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


def foreign_files(output: Path, manifest: dict[str, str] | None = None) -> list[str] | None:
    """What the folder holds that its manifest (read, unless given) does not list, symbolic
    links included; None when it holds files but no manifest.

    A folder gains an entry only by a change of its own: one whose times (the change time,
    which no program can set back) are older than the manifest is as it was when the
    manifest was written, and is not read. A folder of digest's holds nothing else when
    its manifest is written, unless something wrote into it during the build."""
    manifest = manifest if manifest is not None else read_manifest(output)
    since = _manifest_time(output) if manifest else None
    if manifest is None or since is None:
        present = _entries(str(output), "")
        if not present:
            return []
        if manifest is None:
            return None
        return _not_listed(present, manifest)
    folders = _folders(manifest)
    present = []
    base = os.fspath(output)
    for folder in folders:
        path = f"{base}/{folder}" if folder else base
        try:
            info = os.lstat(path)
        except OSError:
            continue  # gone: nothing of anyone's there
        if stat.S_ISDIR(info.st_mode) and max(info.st_mtime_ns, info.st_ctime_ns) < since:
            continue
        if not stat.S_ISDIR(info.st_mode):
            present.append(folder)  # a file or a link where digest made a folder
            continue
        prefix = f"{folder}/" if folder else ""
        with os.scandir(path) as entries:
            for entry in entries:
                name = prefix + entry.name
                if entry.is_dir(follow_symlinks=False):
                    if name not in folders:
                        present += _entries(entry.path, name + "/")
                else:
                    present.append(name)
    return _not_listed(present, manifest)


def _entries(folder: str, prefix: str) -> list[str]:
    """Every file and link below `folder`, by path from where `prefix` leads."""
    present = []
    pending = [(prefix, folder)]
    while pending:
        prefix, folder = pending.pop()
        with os.scandir(folder) as entries:
            for entry in entries:
                if entry.is_dir(follow_symlinks=False):  # a link to a folder is an entry
                    pending.append((f"{prefix}{entry.name}/", entry.path))
                else:
                    present.append(prefix + entry.name)
    return present


def _folders(manifest: dict[str, str]) -> set[str]:
    """The folders that hold the manifest's files, and those above them ('' the top); not
    worked out again for the very manifests of the last two calls (the output's and the
    spare's)."""
    known = _folders_of.get(id(manifest))
    if known is not None and known[0] is manifest:
        return known[1]
    folders = {""}
    for rel in manifest:
        folder = rel.rpartition("/")[0]
        while folder not in folders:
            folders.add(folder)
            folder = folder.rpartition("/")[0]
    if len(_folders_of) > 1:
        _folders_of.clear()
    _folders_of[id(manifest)] = (manifest, folders)  # kept alive: the id stays its own
    return folders


_folders_of: dict[int, tuple[dict[str, str], set[str]]] = {}


def _not_listed(present: list[str], manifest: dict[str, str]) -> list[str]:
    return sorted(name for name in set(present) - manifest.keys() - {MANIFEST}
                  if not _is_temporary(name))


def read_manifest(output: Path) -> dict[str, str] | None:
    """The folder's manifest; the same dict, not to be changed, while the file is the same."""
    path = os.path.join(output, MANIFEST)
    try:
        with open(path, "rb") as stream:
            info = os.fstat(stream.fileno())
            stamp = (path, info.st_dev, info.st_ino, info.st_size, info.st_mtime_ns,
                     info.st_ctime_ns)
            if _read[0] == stamp:
                return _read[1]
            data = json.loads(stream.read())
    except (OSError, ValueError):
        return None
    if not isinstance(data, dict):
        return None
    _read[:] = [stamp, data]
    return data


_read: list = [None, None]  # the last manifest read, by its file's stamp


class Mode(Enum):
    """How a write reaches the output folder."""

    SWAP = "swap"  # digest build: a whole folder is made ready beside it, then swapped in
    IN_PLACE = "in place"  # digest serve: each changed file replaced in the output itself


class Stage:
    """The folder a build writes before it is swapped in for the output: the spare output
    (an earlier output, kept in .digest-cache/) when there is one to trust, else a new folder
    beside the output. Opened when the first file is to be written into it: early, by the
    worker processes that render pages, or by write_site. The output is locked from the
    first write on; `close` unlocks it and removes a new folder that was not swapped in."""

    def __init__(self, output: Path, spare: Path | None = None):
        self.output = output
        self.spare = spare
        self.path: Path | None = None
        self.known: dict[str, str] = {}  # what the folder holds already, as its manifest says
        self.known_time: int | None = None  # when that manifest was written
        self._lock: int | None = None

    def lock(self) -> None:
        if self._lock is None:
            self.output.parent.mkdir(parents=True, exist_ok=True)
            self._lock = _lock(self.output)

    def open(self) -> Path:
        if self.path is None:
            new, old = _siblings(self.output)
            try:
                self.lock()
                _recover(self.output, old)
                _clear_leftover(new)
                self.path, self.known, self.known_time = self._target(new)
                # first of all: a build killed from now on leaves a folder known to be ours,
                # and a manifest that vouches for none of its files
                (self.path / MANIFEST).write_bytes(b"{}\n")
            except BaseException as err:
                self.close()
                if isinstance(err, OSError):
                    raise _cannot_write(self.output, err) from None
                raise
        return self.path

    def _target(self, new: Path) -> tuple[Path, dict[str, str], int | None]:
        """The spare, with what it holds, if it is whole and only ours; else a new folder."""
        spare = self.spare
        if (spare is not None and os.path.lexists(self.output) and os.path.isdir(spare)
                and not os.path.islink(spare)):
            known = read_manifest(spare)
            if known and foreign_files(spare, known) == []:
                return spare, known, _manifest_time(spare)
            if not known:  # a killed or failed update left it: start from nothing
                _remove_ours(spare)
        new.mkdir()
        return new, {}, None

    def swapped(self) -> None:
        self.path = None  # it is the output now: nothing to remove

    def close(self) -> None:
        try:
            if (self.path is not None and self.path != self.spare
                    and os.path.lexists(self.path)):
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


def write_site(files: dict[str, Content], output: Path, mode: Mode = Mode.SWAP, *,
               stage: Stage | None = None, spare: Path | None = None, reuse: bool = True,
               last: tuple[dict[str, str], dict[str, Content]] | None = None,
               text: ManifestText | None = None) -> WriteReport:
    """Write `files` (relative POSIX paths) as the output folder: one path for every write,
    which brings a folder up to date, writing only the files whose bytes it lacks.

    Mode.SWAP (digest build): the folder is `stage`'s (the spare output, else a new folder;
    Staged files are already in it), then swapped in whole, atomically; the previous output
    becomes the spare, at `spare`. Nothing is done when the output already holds every byte.
    Mode.IN_PLACE (the dev server's rebuilds): the folder is the output itself, each file
    replaced atomically; `last` is the manifest and files of the last write, whose very
    objects are not even hashed again, and `text` its manifest's text (WriteReport.text).
    Either way, files digest wrote that are no longer built are removed, and nothing else.
    """
    try:
        if mode is Mode.IN_PLACE:
            with _writing(output):
                if last is not None:
                    return _write_in_place(files, output, *last, None, text)
                return _write_in_place(files, output, read_manifest(output) or {}, {},
                                       _manifest_time(output))
        own = stage is None
        stage = stage or Stage(output, spare if reuse else None)
        try:
            stage.lock()
            return _write_swapped(files, output, stage, reuse)
        finally:
            if own:
                stage.close()
    except OSError as err:
        raise _cannot_write(output, err) from None


def _write_swapped(files: dict[str, Content], output: Path, stage: Stage,
                   reuse: bool) -> WriteReport:
    new, old = _siblings(output)
    if stage.path is None:
        _recover(output, old)
        _clear_leftover(new)
    sized = {rel: _hash(content) for rel, content in files.items()}
    size = sum(size for _, size in sized.values())
    manifest = {rel: digest for rel, (digest, _) in sized.items()}
    previous = (read_manifest(output) or {}) if reuse else {}
    written = _manifest_time(output) if previous else None
    if (stage.path is None and manifest == previous and written is not None
            and all(isinstance(files[rel], Kept)  # checked when it was kept
                    or untouched(os.path.join(output, rel), size_, written)
                    for rel, (_, size_) in sized.items())):
        return WriteReport(0, len(files), manifest, size=size,  # every byte is there
                           sizes={rel: size_ for rel, (_, size_) in sized.items()})
    target = stage.open()
    same = _bring_up_to_date(target, stage.known, stage.known_time, files, sized,
                             (output, previous, written), fresh=target != stage.spare)
    _remove(target, sorted(stage.known.keys() - manifest.keys()))
    (target / MANIFEST).write_bytes(_manifest_bytes(manifest))
    if os.path.lexists(output):
        _refuse_foreign(output, str(output))  # again: something may have come meanwhile
    _swap(target, output, old, stage.spare)
    stage.swapped()
    changed = [rel for rel, kept in zip(sorted(files), same) if not kept]
    gone = sorted(previous.keys() - manifest.keys())
    return WriteReport(len(changed), len(files) - len(changed), manifest, len(gone),
                       tuple(changed + gone), size,
                       {rel: size_ for rel, (_, size_) in sized.items()})


def _write_in_place(files: dict[str, Content], output: Path, manifest: dict[str, str],
                    last: dict[str, Content], written: int | None,
                    text: ManifestText | None = None) -> WriteReport:
    """The manifest is written once the files are: a server killed midway leaves files newer
    than the manifest, which no later build trusts. Files new to the folder are named in it
    (with no digest) before they are written: those it leaves are digest's, which the next
    build or server removes or writes again, not strangers' that it must refuse to replace.
    `written`: when the manifest read from
    the folder was (None: it is the last write's, in memory); a file is trusted to it while
    it is as digest wrote it (see untouched). `text`: that manifest's text, if known."""
    new_manifest: dict[str, str] = {}
    sized: dict[str, tuple[str, int]] = {}  # the files hashed
    todo: list[str] = []
    for rel, content in files.items():
        if last.get(rel) is content:  # the very object written last time
            digest = manifest.get(rel)
            if digest is not None:
                new_manifest[rel] = digest
                continue
        sized[rel] = digest, size = _hash(content)
        new_manifest[rel] = digest
        if isinstance(content, Kept):
            continue  # the one already in place
        if manifest.get(rel) == digest:
            path = os.path.join(output, rel)
            if os.path.isfile(path) if written is None else untouched(path, size, written):
                continue
        todo.append(rel)
    gone = sorted(manifest.keys() - files.keys())
    known = text if text is not None and text.manifest is manifest else None
    text = (known.updated(new_manifest, sized) if known is not None else None) \
        or ManifestText(new_manifest)
    if todo or gone:
        new = [rel for rel in todo if rel not in manifest]
        if new:  # first named, so that a server killed while it writes them leaves them ours
            _replace(output, MANIFEST, _claimed(manifest, known, new))
        _bring_up_to_date(output, {}, None, {rel: files[rel] for rel in todo},
                          sized, (output, {}, None), inside=True)
        _remove(output, gone)
        _replace(output, MANIFEST, text.data())
    return WriteReport(len(todo), len(files) - len(todo), new_manifest, len(gone),
                       tuple(todo + gone), text=text)


def _claimed(manifest: dict[str, str], text: ManifestText | None, new: list[str]) -> bytes:
    """The manifest's text with the `new` files added, with no digest: files of digest's,
    which no later build leaves in place unchecked (a digest matches no file's)."""
    claimed = {**manifest, **dict.fromkeys(new, "")}
    if text is None or text.lines is None:
        return _manifest_bytes(claimed)
    return ManifestText(claimed, [*text.lines, *(_line(rel, "") for rel in new)]).data()


def _line(rel: str, digest: str) -> str:
    """A manifest's entry as its file holds it (see _manifest_bytes)."""
    return f"{json.dumps(rel)}:{json.dumps(digest)}"


class ManifestText:
    """A manifest as its file holds it (see _manifest_bytes), an entry a line: the dev
    server's next manifest, which differs in a few digests and paths, is made by changing
    those lines alone rather than sorting and encoding every entry again."""

    def __init__(self, manifest: dict[str, str], lines: list[str] | None = None,
                 places: dict[str, int] | None = None, order: list[str] | None = None):
        self.manifest = manifest
        self.lines = lines  # None until the text is first needed
        self.places = places  # each path's line
        self.order = order  # the paths, a line each, sorted

    def updated(self, manifest: dict[str, str], hashed: dict[str, tuple[str, int]]
                ) -> ManifestText | None:
        """The text of `manifest`, which differs from this one in the digests of the paths
        `hashed` and in paths added (hashed too) or removed; None when this text was never
        made, or when most of the paths are new (encoding them all is quicker then)."""
        if self.lines is None or self.places is None or self.order is None:
            return None
        old = self.manifest
        lines, places, order = self.lines, self.places, self.order
        if manifest.keys() != old.keys():
            added = sorted(manifest.keys() - old.keys())
            if len(added) > len(manifest) // 2:
                return None
            order, lines = _merged(order, lines, old.keys() - manifest.keys(), added, manifest)
            places = {rel: place for place, rel in enumerate(order)}
        changed = [rel for rel in hashed if rel in old and manifest[rel] != old[rel]]
        if changed:
            lines = list(lines) if lines is self.lines else lines
            for rel in changed:
                lines[places[rel]] = _line(rel, manifest[rel])
        return ManifestText(manifest, lines, places, order)

    def data(self) -> bytes:
        if self.lines is None:
            data = _manifest_bytes(self.manifest)
            text = data.decode()
            # an entry a line: JSON writes a newline in a string as \n
            self.lines = text[1:-2].split(",\n") if self.manifest else []
            self.order = sorted(self.manifest)
            self.places = {rel: place for place, rel in enumerate(self.order)}
            return data
        return ("{" + ",\n".join(self.lines) + "}\n").encode()


def _merged(order: list[str], lines: list[str], gone: Set[str], added: list[str],
            manifest: dict[str, str]) -> tuple[list[str], list[str]]:
    """The sorted paths and their lines, less those `gone`, with those `added` (sorted) in
    their places."""
    new_order: list[str] = []
    new_lines: list[str] = []
    at = 0
    for rel, line in zip(order, lines):
        while at < len(added) and added[at] < rel:
            new_order.append(added[at])
            new_lines.append(_line(added[at], manifest[added[at]]))
            at += 1
        if rel not in gone:
            new_order.append(rel)
            new_lines.append(line)
    for rel in added[at:]:
        new_order.append(rel)
        new_lines.append(_line(rel, manifest[rel]))
    return new_order, new_lines


def _bring_up_to_date(folder: Path, known: dict[str, str], known_time: int | None,
                      files: dict[str, Content], sized: dict[str, tuple[str, int]],
                      source: tuple[Path, dict[str, str], int | None] | None,
                      inside: bool = False, fresh: bool = False) -> list[bool]:
    """Give `folder` every file of `files` that it lacks, each written beside its place and
    renamed over it (never written into: it may be a hard link to a file of the output).
    `known`: what it holds, by its manifest written at `known_time`, each file trusted
    while it is as digest wrote it (see untouched). `source`: the
    output with its manifest and time, whose files with the same bytes are hard-linked
    rather than written. `inside`: the folder is the output, where a link planted on the
    way must not lead a write elsewhere. `fresh`: a new folder of this build's, where
    nothing is in a file's place, so each is made there at once, and only what is
    found in the way is replaced. True, by sorted path, for files the source had."""
    base = os.fspath(folder) + os.sep
    origin, had, finished = source if source is not None else (None, {}, None)
    from_base = os.fspath(origin) + os.sep if origin is not None else ""
    made: set[str] = set()
    same = []
    real = _RealFolders(folder) if inside else None
    for rel in sorted(files):
        content = files[rel]
        digest, size = sized[rel]
        same.append(had.get(rel) == digest)
        if isinstance(content, Staged) or (known.get(rel) == digest
                                           and untouched(base + rel, size, known_time)):
            continue
        target = real.inside(rel) if real is not None else base + _safe_relative(rel)
        parent, _, name = target.rpartition(os.sep)
        if parent not in made:
            os.makedirs(parent, exist_ok=True)
            if real is not None:
                real.inside(rel)  # the folders just made are real folders
            made.add(parent)
        linked = None  # the source's file, when it holds these bytes as digest wrote them
        if (origin is not None and (same[-1] or isinstance(content, Kept))
                and untouched(from_base + rel, size, finished)):
            linked = from_base + rel
        if fresh and _create(content, target, linked):
            continue
        temporary = f"{parent}{os.sep}.{name}{_TEMPORARY}"
        _unlink(temporary)  # a killed build's, which may be a link to a file of the output
        if not (linked is not None and _link(linked, temporary)):
            _copy(from_base + rel if isinstance(content, Kept) else content, temporary)
        _rename(temporary, target, content)
    return same


def _create(content: Content, target: str, linked: str | None) -> bool:
    """Make `target` where nothing is, as a link to `linked` or to a cached file, or with
    the bytes; False, with nothing done, when something is in the way, or a link cannot be
    made (another file system, say)."""
    if linked is None and isinstance(content, Cached):
        linked = content.path
    try:
        if linked is not None:
            os.link(linked, target)
        elif isinstance(content, bytes):
            with open(target, "xb") as stream:  # never into a file found in the way
                stream.write(content)
        else:
            return False
    except FileExistsError:
        return False
    except OSError:
        if linked is None:
            raise
        return False
    return True


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
    """Write one file into the folder a build will swap in; for worker processes. Written
    beside its place and renamed over it: the file there may be a hard link to the output's.
    The folder is made only when the write finds it missing, as it does for each new page."""
    target = f"{os.fspath(stage)}/{_safe_relative(rel)}"
    parent, _, name = target.rpartition("/")
    temporary = f"{parent}/.{name}{_TEMPORARY}"
    try:
        handle = os.open(temporary, _NEW_FILE, 0o666)
    except FileNotFoundError:
        os.makedirs(parent, exist_ok=True)
        handle = os.open(temporary, _NEW_FILE, 0o666)
    except FileExistsError:  # a killed build's, which may be a link to a file of the output
        _unlink(temporary)
        handle = os.open(temporary, _NEW_FILE, 0o666)
    with open(handle, "wb") as stream:  # closes the handle
        stream.write(data)
    os.replace(temporary, target)
    return Staged(hashlib.sha256(data).hexdigest(), len(data))


_NEW_FILE = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_CLOEXEC", 0)


def _hash(content: Content) -> tuple[str, int]:
    """sha256 and size of bytes or of a file, read a piece at a time; a file (of static/)
    whose stamp is the one it had when this process last read it is not read again."""
    if isinstance(content, (Kept, Staged, Cached)):
        return content.digest, content.size
    if isinstance(content, bytes):
        return hashlib.sha256(content).hexdigest(), len(content)
    with open(content, "rb") as stream:
        info = os.fstat(stream.fileno())
        stamp = (info.st_dev, info.st_ino, info.st_size, info.st_mtime_ns, info.st_ctime_ns)
        known = _HASHED.get(os.fspath(content))
        if known is not None and known[0] == stamp:
            return known[1]
        digest = hashlib.file_digest(stream, "sha256").hexdigest(), stream.tell()
    if max(info.st_mtime_ns, info.st_ctime_ns) < time.time_ns() - _RACY_NS:
        if len(_HASHED) > 100_000:
            _HASHED.clear()
        _HASHED[os.fspath(content)] = (stamp, digest)  # else a second change could keep it
    return digest


# Each file hashed by this process, by path: its stamp then, and its sha256 and size.
_HASHED: dict[str, tuple[tuple[int, ...], tuple[str, int]]] = {}
_RACY_NS = 2_000_000_000


def _unlink(path: Path | str) -> None:
    try:
        os.unlink(path)
    except FileNotFoundError:
        pass


def _copy(content: Content, target: Path | str) -> None:
    if isinstance(content, bytes):
        with open(target, "wb") as stream:
            stream.write(content)
    elif isinstance(content, Cached):
        try:
            os.link(content.path, target)  # neither is ever written into: one file for both
        except OSError:  # another file system, or links refused
            shutil.copyfile(content.path, target)
    else:
        shutil.copyfile(content, target)  # a regular file, whatever the source was


def _replace(output: Path, rel: str, content: Content) -> None:
    """Write beside the target, then rename over it: readers see old or new, never half."""
    target = _inside(output, rel)
    target.parent.mkdir(parents=True, exist_ok=True)
    _inside(output, rel)  # the folders just made are real folders, not links
    temporary = target.with_name(f".{target.name}{_TEMPORARY}")
    _copy(content, temporary)
    _rename(temporary, target, content)


def _rename(temporary: Path | str, target: Path | str, content: Content) -> None:
    os.replace(temporary, target)
    if isinstance(content, Cached):  # a link to the file the target already is: rename
        _unlink(temporary)  # succeeds and leaves both


def _remove(output: Path, rels: list[str]) -> None:
    """Remove files digest wrote, and the folders they leave empty; each folder on the way
    is looked at once, and refused if it is a link that leads out of the output."""
    folders: dict[str, list[str]] = {}
    for rel in rels:
        folder, _, name = _safe_relative(rel).rpartition("/")
        folders.setdefault(folder, []).append(name)
    base = os.fspath(output)
    for folder, names in folders.items():
        if folder:
            path = os.fspath(_inside(output, f"{folder}/{names[0]}").parent)
        else:
            path = base
        for name in names:
            _unlink(f"{path}/{name}")
    for folder in sorted(folders, key=len, reverse=True):  # the deepest first
        while folder:
            try:
                os.rmdir(f"{base}/{folder}")  # only an empty one; not a link
            except OSError:
                break
            folder = folder.rpartition("/")[0]


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


class _RealFolders:
    """`_inside` for many files of one write: a folder found to be a real folder (not a
    link), below the output or below another such folder, is not looked at again; the
    folder a file is in always is. A link on the way gets `_inside`'s whole look."""

    def __init__(self, output: Path):
        self.output = output
        self.base = os.fspath(output) + os.sep
        self.known = {""}

    def inside(self, rel: str) -> str:
        rel = _safe_relative(rel)
        folder = rel.rpartition("/")[0]
        parts = folder.split("/") if folder else []
        start = len(parts) - 1  # the deepest folder known, or the output itself
        while start > 0 and "/".join(parts[:start]) not in self.known:
            start -= 1
        for end in range(max(start, 0) + 1, len(parts) + 1):
            below = "/".join(parts[:end])
            try:
                info = os.lstat(self.base + below)
            except FileNotFoundError:
                break  # not made yet: what is above it is a real folder of the output
            if not stat.S_ISDIR(info.st_mode):
                return os.fspath(_inside(self.output, rel))
            if end < len(parts):
                self.known.add(below)
        return self.base + rel


def _manifest_bytes(manifest: dict[str, str]) -> bytes:
    """One file a line, sorted; made by the C encoder, which `indent` would turn off."""
    return (json.dumps(manifest, sort_keys=True, separators=(",\n", ":")) + "\n").encode()


def _swap(target: Path, output: Path, old: Path, spare: Path | None = None) -> None:
    """Put `target` in the place of `output`; the previous output becomes the spare, if there
    is a place for one, or is removed."""
    if not os.path.lexists(output):
        os.rename(target, output)
    elif exchange(target, output):
        if target != spare:  # the spare's place holds the previous output already, if so
            _retire(target, spare)  # a kill here leaves it for the next build
    else:
        os.rename(output, old)  # from here to the next rename there is no output folder
        os.rename(target, output)
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
    with os.scandir(folder) as entries:
        _remove_tree([entry.path for entry in entries if entry.name != MANIFEST])
    (folder / MANIFEST).unlink(missing_ok=True)
    folder.rmdir()


def _remove_tree(paths: list[str]) -> None:
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


def _is_temporary(name: str) -> bool:
    return PurePosixPath(name).name.startswith(".") and name.endswith(_TEMPORARY)


def _manifest_time(output: Path) -> int | None:
    """When the previous output was finished: its files are not newer, unless edited."""
    try:
        return os.stat(output / MANIFEST).st_mtime_ns
    except OSError:
        return None


def untouched(path: Path | str, size: int, written: int | None) -> bool:
    """A regular file of the size digest wrote, not changed since `written` (mtime_ns: when
    the manifest or listing that names it was written; a link to it changes only its
    ctime)."""
    try:
        info = os.lstat(path)
    except OSError:
        return False
    return (stat.S_ISREG(info.st_mode) and info.st_size == size and written is not None
            and info.st_mtime_ns <= written)


def _link(source: str, target: str) -> bool:
    try:
        os.link(source, target)
        return True
    except OSError:
        return False


def _safe_relative(rel: str) -> str:
    parts = rel.split("/")
    if (rel.startswith("/") or ".." in parts or not rel.strip("/.") or "\\" in rel
            or "\0" in rel):
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
