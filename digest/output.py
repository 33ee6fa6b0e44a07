"""The one module that writes the output folder: build beside it, then swap it in.

A build writes every file into a fresh folder next to the output, with a manifest
of what digest wrote, then renames it into place. A failed or killed build leaves
the previous output as it was. Files whose bytes did not change are hard-linked
from the previous output instead of written again.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from .errors import DigestError, problem

MANIFEST = ".digest-manifest.json"
Content = bytes | Path  # bytes to write, or a file to copy


@dataclass(frozen=True)
class WriteReport:
    written: int  # files whose bytes were new or changed
    unchanged: int  # files kept from the previous output
    manifest: dict[str, str]  # every file written, with its sha256
    removed: int = 0  # files of the previous output that are gone
    changed: tuple[str, ...] = ()  # the paths that were written or removed


def check_output_folder(output: Path, project: Path, shown: str) -> None:
    """Refuse any output folder whose replacement could destroy something not ours."""
    out, root = output.resolve(), project.resolve()
    if out == root or out in root.parents:
        raise DigestError(problem(shown, 0, "the output folder is the project folder or "
                                            "contains it; choose another, such as _site"))
    for name in ("content", "layouts", "static"):
        if (root / name) in (out, *out.parents):
            raise DigestError(problem(shown, 0, f"the output folder must not be inside {name}/"))
    if not out.exists():
        return
    if not out.is_dir():
        raise DigestError(problem(shown, 0, "the output path exists and is not a folder"))
    for marker in ("content", "site.yaml"):
        if (out / marker).exists():
            raise DigestError(problem(shown, 0, f"the output folder holds {marker}; it looks "
                                                "like a project, not digest's output"))
    present = {p.relative_to(out).as_posix() for p in out.rglob("*") if not p.is_dir()}
    if not present:
        return
    manifest = read_manifest(out)
    if manifest is None:
        raise DigestError(problem(shown, 0, "the output folder was not written by digest "
                                            "(no manifest); move its files away or choose "
                                            "another folder"))
    foreign = sorted(present - set(manifest) - {MANIFEST})
    if foreign:
        listed = ", ".join(foreign[:5]) + (" and more" if len(foreign) > 5 else "")
        raise DigestError(problem(shown, 0, f"files not written by digest are in the output "
                                            f"folder: {listed}; move them away (or into "
                                            "static/ to publish them)"))


def read_manifest(output: Path) -> dict[str, str] | None:
    try:
        data = json.loads((output / MANIFEST).read_text("utf-8"))
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) else None


def write_site(files: dict[str, Content], output: Path, reuse: bool = True) -> WriteReport:
    """Write `files` (relative POSIX paths) as the new output folder, atomically swapped in."""
    new = output.parent / f".{output.name}.digest-new"
    old = output.parent / f".{output.name}.digest-old"
    _recover(output, old)
    if new.exists():
        shutil.rmtree(new)  # left by a build that was killed; digest's own folder
    previous = (read_manifest(output) or {}) if reuse else {}
    manifest: dict[str, str] = {}
    changed: list[str] = []
    unchanged = 0
    try:
        new.mkdir(parents=True)
        for rel in sorted(files):
            target = new / _safe_relative(rel)
            target.parent.mkdir(parents=True, exist_ok=True)
            content = files[rel]
            data = content if isinstance(content, bytes) else content.read_bytes()
            digest = hashlib.sha256(data).hexdigest()
            manifest[rel] = digest
            if previous.get(rel) == digest and _link(output / rel, target, len(data)):
                unchanged += 1
                continue
            target.write_bytes(data)
            changed.append(rel)
        (new / MANIFEST).write_bytes(_manifest_bytes(manifest))
        _swap(new, output, old)
    except OSError as err:
        shutil.rmtree(new, ignore_errors=True)
        raise DigestError(problem(err.filename or str(output), 0,
                                  f"cannot write the output: {err.strerror or err}")) from None
    except BaseException:
        shutil.rmtree(new, ignore_errors=True)
        raise
    gone = sorted(previous.keys() - manifest.keys())
    return WriteReport(len(changed), unchanged, manifest, len(gone), tuple(changed + gone))


def update_site(files: dict[str, Content], output: Path, manifest: dict[str, str],
                previous: dict[str, Content]) -> WriteReport:
    """Write in place only the files whose bytes changed; for the dev server's rebuilds.

    `manifest` and `previous` are what the last write wrote. A file whose content is the
    very object written last time is not even hashed. Each file is replaced atomically;
    files of the last write that are no longer built are removed, and nothing else.
    """
    new_manifest: dict[str, str] = {}
    changed: list[str] = []
    try:
        for rel in sorted(files):
            content = files[rel]
            if previous.get(rel) is content and rel in manifest:
                new_manifest[rel] = manifest[rel]
                continue
            data = content if isinstance(content, bytes) else content.read_bytes()
            digest = hashlib.sha256(data).hexdigest()
            new_manifest[rel] = digest
            if manifest.get(rel) == digest and (output / rel).is_file():
                continue
            _replace(output / _safe_relative(rel), data)
            changed.append(rel)
        gone = sorted(manifest.keys() - files.keys())
        for rel in gone:
            _remove(output, rel)
        _replace(output / MANIFEST, _manifest_bytes(new_manifest))
    except OSError as err:
        raise DigestError(problem(err.filename or str(output), 0,
                                  f"cannot write the output: {err.strerror or err}")) from None
    return WriteReport(len(changed), len(files) - len(changed), new_manifest, len(gone),
                       tuple(changed + gone))


def _replace(target: Path, data: bytes) -> None:
    """Write beside the target, then rename over it: readers see old or new, never half."""
    target.parent.mkdir(parents=True, exist_ok=True)
    temporary = target.with_name(f".{target.name}.digest-tmp")
    temporary.write_bytes(data)
    os.replace(temporary, target)


def _remove(output: Path, rel: str) -> None:
    path = output / _safe_relative(rel)
    path.unlink(missing_ok=True)
    folder = path.parent
    while folder != output and folder.is_dir() and not any(folder.iterdir()):
        folder.rmdir()
        folder = folder.parent


def _manifest_bytes(manifest: dict[str, str]) -> bytes:
    return (json.dumps(manifest, indent=0, sort_keys=True) + "\n").encode("utf-8")


def _swap(new: Path, output: Path, old: Path) -> None:
    if output.exists():
        os.rename(output, old)
        os.rename(new, output)
        shutil.rmtree(old)
    else:
        os.rename(new, output)


def _recover(output: Path, old: Path) -> None:
    """A build killed between the two renames left the previous output under `old`."""
    if old.exists():
        if output.exists():
            shutil.rmtree(old)
        else:
            os.rename(old, output)


def _link(source: Path, target: Path, size: int) -> bool:
    try:
        if source.stat().st_size != size or source.is_symlink():
            return False
        os.link(source, target)
        return True
    except OSError:
        return False


def _safe_relative(rel: str) -> str:
    path = PurePosixPath(rel)
    if path.is_absolute() or ".." in path.parts or not path.parts or "\\" in rel:
        raise DigestError(problem(rel, 0, "refusing to write outside the output folder"))
    return rel
