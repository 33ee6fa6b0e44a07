"""Pagefind, spoken to as a service, and what its output needs to be the same every run."""

from __future__ import annotations

import base64
import gzip
import hashlib
import json
import os
import subprocess
import threading
from pathlib import Path

from ..errors import DigestError, problem


class Service:
    """One `pagefind --service` process, spoken to as its Python API does (base64 JSON
    messages ended by commas), but with many messages in flight: the API waits a tenth of
    a second for each answer, which would make a shard of a hundred articles take ten."""

    def __init__(self, executable: Path):
        self.process = subprocess.Popen([str(executable), "--service"], stdin=subprocess.PIPE,
                                        stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
        self.buffer = bytearray()  # what came and was not yet taken: appended, taken at its head
        self.sent = 0

    def send(self, payload: dict) -> None:
        assert self.process.stdin is not None
        self.sent += 1
        message = {"message_id": self.sent, "payload": payload}
        self.process.stdin.write(base64.b64encode(json.dumps(message).encode()) + b",")

    def receive(self) -> dict:
        assert self.process.stdin is not None and self.process.stdout is not None
        self.process.stdin.flush()
        # A message of many megabytes comes a pipe's worth at a time: only what is new is
        # looked through for its end.
        searched = 0
        while (end := self.buffer.find(b",", searched)) < 0:
            searched = len(self.buffer)
            chunk = os.read(self.process.stdout.fileno(), 1 << 20)
            if not chunk:
                raise OSError("Pagefind stopped")
            self.buffer += chunk
        message = self.buffer[:end]
        del self.buffer[:end + 1]
        payload = json.loads(base64.b64decode(message))["payload"]
        if payload.get("type") == "Error":
            raise OSError(f"Pagefind: {payload.get('message')}")
        return payload

    def index(self, records: list[dict], into: Path, wanted) -> None:
        """Index the records and write into the folder the files of Pagefind's output whose
        names `wanted` accepts."""
        self.send({"type": "NewIndex", "config": None})
        number = self.receive()["index_id"]
        # Records go in from another thread while answers come back: both pipes stay open.
        def feed() -> None:
            for item in records:
                self.send({"type": "AddRecord", "index_id": number, **item})
            assert self.process.stdin is not None
            self.process.stdin.flush()
        feeder = threading.Thread(target=feed, daemon=True)
        feeder.start()
        try:
            for _ in records:
                self.receive()
        finally:
            feeder.join()
        # Its files come back in the answer: WriteFiles answers before every file it writes
        # is complete, and a file read then was seen empty.
        self.send({"type": "GetFiles", "index_id": number})
        made: set[str] = set()  # the folders made in `into`
        for item in self.receive()["files"]:
            name = str(item["path"]).lstrip("/")
            if wanted(name):
                parts = name.split("/")
                if any(part in ("", ".", "..") for part in parts):
                    raise ValueError(f"Pagefind named a file outside its folder: {name}")
                folder = "/".join(parts[:-1])
                if folder not in made:
                    (into / folder).mkdir(parents=True, exist_ok=True)
                    made.add(folder)
                (into / name).write_bytes(base64.b64decode(item["content"]))
        self.send({"type": "DeleteIndex", "index_id": number})
        self.receive()

    def close(self) -> None:
        try:
            if self.process.stdin is not None:
                self.process.stdin.close()
            self.process.wait(timeout=10)
        except (OSError, subprocess.TimeoutExpired):
            self.process.kill()
            self.process.wait()
        if self.process.stdout is not None:
            self.process.stdout.close()


def executable() -> Path:
    from pagefind.service import get_executable

    found = get_executable()
    if found is None or not found.exists():
        raise DigestError(problem("site.yaml", 0, "search: Pagefind's program is missing "
                                                  "(pip install 'pagefind[bin]'), or turn "
                                                  "search off with search: false"))
    return found


def _full_hash(data: bytes) -> str:
    """Pagefind's name for bytes: their sha1, each byte in hex without a leading zero."""
    return "".join(format(byte, "x") for byte in hashlib.sha1(data).digest())


def _cbor_item(data: bytes, at: int) -> int:
    """Where the CBOR item at `at` ends: unsigned integers, text and arrays, as Pagefind's
    filter files hold."""
    kind, info = data[at] >> 5, data[at] & 31
    at += 1
    if info < 24:
        length = info
    else:
        size = 1 << (info - 24)
        length = int.from_bytes(data[at:at + size], "big")
        at += size
    if kind == 0:
        return at
    if kind in (2, 3):
        return at + length
    if kind == 4:
        for _ in range(length):
            at = _cbor_item(data, at)
        return at
    raise ValueError(f"unexpected CBOR item of kind {kind}")


_PREFIX = b"pagefind_dcd"


def canonical_filters(folder: Path) -> None:
    """Pagefind writes a filter's values in the order of a hash map, which differs from
    run to run; sorted here, with the names that depend on them (the filter file's, the
    metadata's) made again as Pagefind makes them, so that the same articles always give
    the same bytes."""
    entry = json.loads((folder / "pagefind-entry.json").read_text("utf-8"))
    renames: dict[str, str] = {}
    for path in sorted((folder / "filter").glob("*.pf_filter")):
        data = gzip.decompress(path.read_bytes())
        body = data[len(_PREFIX):]
        if not data.startswith(_PREFIX) or body[:1] != b"\x82":  # [name, [[value, pages]]]
            raise ValueError(f"{path.name} is not a filter file as Pagefind 1.5 writes them")
        at = _cbor_item(body, 1)  # the list of values: its head, then each item
        head_end = at + 1 + {24: 1, 25: 2, 26: 4, 27: 8}.get(body[at] & 31, 0)
        items, place = [], head_end
        while place < len(body):
            end = _cbor_item(body, place)
            items.append(body[place:end])
            place = end
        # written again even when already in order: one compressor for every run's bytes
        ordered = body[:head_end] + b"".join(sorted(items, key=_value_of))
        old = path.stem
        language = old.rsplit("_", 1)[0]
        new = f"{language}_{_full_hash(ordered)[:7]}"
        path.unlink()
        (folder / "filter" / f"{new}.pf_filter").write_bytes(_gzip(_PREFIX + ordered))
        renames[old] = new
    for language, about in entry["languages"].items():
        meta_path = folder / f"pagefind.{about['hash']}.pf_meta"
        meta = gzip.decompress(meta_path.read_bytes())[len(_PREFIX):]
        for old, new in renames.items():
            if len(old) == len(new) and meta.count(old.encode()) == 1:
                meta = meta.replace(old.encode(), new.encode())
        meta_hash = f"{language}_{_full_hash(meta)[:len(language) + 8]}"
        meta_path.unlink()
        (folder / f"pagefind.{meta_hash}.pf_meta").write_bytes(_gzip(_PREFIX + meta))
        about["hash"] = meta_hash
    (folder / "pagefind-entry.json").write_text(
        json.dumps(entry, ensure_ascii=False, separators=(",", ":")), "utf-8")


def _value_of(item: bytes) -> bytes:
    """The value's text of a [value, pages] item: its bytes after the two heads."""
    end = _cbor_item(item, 1)
    return item[1:end]


def _gzip(data: bytes) -> bytes:
    return gzip.compress(data, compresslevel=9, mtime=0)
