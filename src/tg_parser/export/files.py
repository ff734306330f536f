"""The export directory: every file written atomically, with its size and sha256.

A file is streamed into a temporary file next to it, flushed to disk, then moved over the
old one with ``os.replace``: readers see the old file or the new one, never half of one,
and a failure midway leaves the old file as it was.
"""

from __future__ import annotations

import hashlib
import os
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import orjson

from tg_parser.errors import InputError

MANIFEST = "manifest.json"


@dataclass(frozen=True)
class WrittenFile:
    name: str
    bytes: int
    sha256: str

    def to_json_dict(self) -> dict[str, Any]:
        return {"name": self.name, "bytes": self.bytes, "sha256": self.sha256}


def json_bytes(value: Any, *, pretty: bool = False) -> bytes:
    """UTF-8 JSON with a final newline; keys kept in the order they were built."""
    option = orjson.OPT_INDENT_2 if pretty else 0
    return orjson.dumps(value, option=option | orjson.OPT_APPEND_NEWLINE)


class ExportDirectory:
    """Where an export goes; remembers what it wrote."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.written: list[WrittenFile] = []

    def prepare(self) -> None:
        if self.path.exists() and not self.path.is_dir():
            raise InputError(f"{self.path} is a file: give --out a directory")
        try:
            self.path.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise InputError(f"cannot create the export directory {self.path}: {exc}") from exc

    def write(self, name: str, chunks: Iterable[bytes]) -> WrittenFile:
        """Stream ``chunks`` into ``name`` atomically."""
        digest, size = hashlib.sha256(), 0
        temporary = self.path / f".{name}.{uuid.uuid4().hex[:8]}.tmp"
        try:
            with temporary.open("xb") as handle:
                for chunk in chunks:
                    handle.write(chunk)
                    digest.update(chunk)
                    size += len(chunk)
                handle.flush()
                os.fsync(handle.fileno())
            os.replace(temporary, self.path / name)
        except BaseException:
            temporary.unlink(missing_ok=True)
            raise
        written = WrittenFile(name=name, bytes=size, sha256=digest.hexdigest())
        self.written.append(written)
        return written

    def previous_files(self) -> set[str]:
        """The files the last export here listed in its manifest (none without one)."""
        try:
            manifest = orjson.loads((self.path / MANIFEST).read_bytes())
            return {entry["name"] for entry in manifest.get("files", [])}
        except (OSError, orjson.JSONDecodeError, TypeError, KeyError, AttributeError):
            return set()

    def remove_stale(self, previous: set[str]) -> list[str]:
        """Delete files an earlier export wrote that this one did not (e.g. old topics)."""
        current = {written.name for written in self.written} | {MANIFEST}
        stale = sorted(
            name for name in previous - current if Path(name).name == name and name[:1] != "."
        )
        for name in stale:
            (self.path / name).unlink(missing_ok=True)
        return stale
