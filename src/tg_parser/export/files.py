"""The export directory: every file staged, then all moved into place together.

Each file is streamed into a temporary file next to it and flushed to disk; only when every
file is written are they moved over the old ones with ``os.replace``, the manifest last. A
failure midway (a full disk, a read-only directory) removes the temporary files and leaves
the earlier export as it was. Leftovers of an export that was killed are removed the next
time.

An export deletes only what an earlier export wrote: files listed in a manifest that
tg-parser wrote (``generator``, or ``tg_parser_version`` before it) whose sha256 still
matches — never a file the user put there or changed since. Nor does it replace one (a
``topics.json`` or ``manifest.json`` of the user's, a topic file edited since) unless asked
to (``overwrite``) or the file already holds what it would write: such an export is
refused once every file is staged, before any is moved, so it changes nothing.
"""

from __future__ import annotations

import hashlib
import os
import re
import uuid
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import orjson

from tg_parser.errors import InputError

MANIFEST = "manifest.json"
GENERATOR = "tg-parser"
_SHA256 = re.compile(r"[0-9a-f]{64}")
# the temporary files of `ExportDirectory.write`: .<name>.<8 hex digits>.tmp
_TEMPORARY = re.compile(
    r"\.(?:kb_entries\.(?:ndjson|json)|topics\.json|manifest\.json|topic_[^/]+\.json)"
    r"\.[0-9a-f]{8}\.tmp"
)


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


def output_directory(text: str) -> Path:
    """The ``--out`` the user typed, refused when it is empty (which would mean the current
    directory) or the root of the file system."""
    if not text.strip():
        raise InputError("--out is empty: give the directory to write the knowledge base into")
    path = Path(text)
    if _is_root(path):
        raise InputError(
            f"--out {text!r} is the root of the file system: give a directory for the export"
        )
    return path


def _sha256_of(path: Path) -> str:
    with path.open("rb") as handle:
        return hashlib.file_digest(handle, "sha256").hexdigest()


class ExportDirectory:
    """Where an export goes; remembers what it wrote."""

    def __init__(self, path: Path, *, overwrite: bool = False) -> None:
        self.path = path
        self.overwrite = overwrite
        self.written: list[WrittenFile] = []
        self.previous: dict[str, str] = {}  # what an earlier export wrote (previous_files)
        self._staged: list[tuple[Path, str]] = []
        self._conflicts: list[str] = []

    def prepare(self) -> None:
        """Create the directory, remove what an interrupted export left behind and read
        what an earlier export wrote."""
        if _is_root(self.path):
            raise InputError(f"{self.path} is the root of the file system: give --out a directory")
        if self.path.exists() and not self.path.is_dir():
            raise InputError(f"{self.path} is a file: give --out a directory")
        try:
            self.path.mkdir(parents=True, exist_ok=True)
            for leftover in self.path.iterdir():
                if _TEMPORARY.fullmatch(leftover.name):
                    leftover.unlink(missing_ok=True)
        except OSError as exc:
            raise self._cannot_write(exc) from exc
        self.previous = self.previous_files()

    @contextmanager
    def staging(self) -> Iterator[None]:
        """Files written inside appear together at the end, or (on any error, or when one
        would replace a file tg-parser did not write) not at all."""
        moved = 0
        try:
            yield
            if self._conflicts:
                raise self._refused()
            for temporary, name in self._staged:
                os.replace(temporary, self.path / name)
                moved += 1
        except OSError as exc:
            raise self._cannot_write(exc, changed=moved > 0) from exc
        finally:
            for temporary, _ in self._staged:
                temporary.unlink(missing_ok=True)
            self._staged.clear()
            self._conflicts.clear()

    def write(self, name: str, chunks: Iterable[bytes]) -> WrittenFile:
        """Stream ``chunks`` into a temporary file that :meth:`staging` moves to ``name``;
        noted as a conflict when it would replace a file tg-parser did not write."""
        guarded = self._guarded_digest(name)
        digest, size = hashlib.sha256(), 0
        temporary = self.path / f".{name}.{uuid.uuid4().hex[:8]}.tmp"
        self._staged.append((temporary, name))
        with temporary.open("xb") as handle:
            for chunk in chunks:
                handle.write(chunk)
                digest.update(chunk)
                size += len(chunk)
            handle.flush()
            os.fsync(handle.fileno())
        written = WrittenFile(name=name, bytes=size, sha256=digest.hexdigest())
        self.written.append(written)
        if guarded is not None and guarded != written.sha256:
            self._conflicts.append(name)
        return written

    def _guarded_digest(self, name: str) -> str | None:
        """The sha256 of the file ``name`` would replace when that file is not tg-parser's
        own unchanged (listed with that sha256 by :attr:`previous`, or our manifest); None
        when nothing stands in the way. Anything but a plain file is never ours."""
        target = self.path / name
        if self.overwrite or not (target.exists() or target.is_symlink()):
            return None
        if name == MANIFEST and _ours(_manifest_of(target)):
            return None
        if not target.is_file():
            return ""
        existing = _sha256_of(target)
        return None if self.previous.get(name) == existing else existing

    def previous_filters(self) -> dict[str, Any] | None:
        """The filters of the earlier export in this directory (its manifest's); None when
        there is none, or its manifest is not one tg-parser wrote or names none."""
        manifest = _manifest_of(self.path / MANIFEST)
        filters = manifest.get("filters") if _ours(manifest) else None
        return filters if isinstance(filters, dict) else None

    def previous_files(self) -> dict[str, str]:
        """The files (name → sha256) an earlier export listed in its manifest; nothing when
        the manifest is missing, unreadable or not one tg-parser wrote."""
        manifest = _manifest_of(self.path / MANIFEST)
        if not _ours(manifest):
            return {}
        files = manifest.get("files")
        entries = files if isinstance(files, list) else []
        return {
            entry["name"]: entry["sha256"]
            for entry in entries
            if isinstance(entry, dict) and _listed_file(entry)
        }

    def remove_stale(self) -> list[str]:
        """Delete files an earlier export wrote that this one did not (e.g. old topics),
        unless they changed since."""
        current = {written.name for written in self.written} | {MANIFEST}
        previous = self.previous
        stale = [
            name
            for name in sorted(set(previous) - current)
            if (self.path / name).is_file() and _sha256_of(self.path / name) == previous[name]
        ]
        for name in stale:
            (self.path / name).unlink(missing_ok=True)
        return stale

    def _refused(self) -> InputError:
        """One line naming the files the export would have replaced (the first few)."""
        shown = [str(self.path / name) for name in self._conflicts[:3]]
        more = len(self._conflicts) - len(shown)
        names = ", ".join(shown) + (f" and {more} more" if more else "")
        one = len(self._conflicts) == 1
        was, it = ("was", "it") if one else ("were", "them")
        return InputError(
            f"{names} {was} not written by tg-parser or {was} changed since, so the export "
            f"wrote nothing: move {it} away, give --out another directory, or pass "
            f"--overwrite to replace {it}"
        )

    def _cannot_write(self, exc: OSError, *, changed: bool = False) -> InputError:
        """One line; a rename failing after others (rare: one directory, one file system)
        leaves the export incomplete, and the line says so."""
        reason = exc.strerror or str(exc)
        outcome = "the export is incomplete" if changed else "nothing was changed"
        advice = "free space or give --out another directory"
        if isinstance(exc, PermissionError):
            advice = "give --out a directory you can write to"
        return InputError(
            f"cannot write the export into {self.path}: {reason} ({outcome}): {advice}"
        )


def _is_root(path: Path) -> bool:
    resolved = path.resolve()
    return resolved == Path(resolved.anchor)


def _manifest_of(path: Path) -> Any:
    """The manifest's JSON; None when it is missing or unreadable."""
    try:
        return orjson.loads(path.read_bytes())
    except (OSError, orjson.JSONDecodeError):
        return None


def _ours(manifest: Any) -> bool:
    """A manifest tg-parser wrote: it says so (``generator``; ``tg_parser_version`` in
    exports older than that key)."""
    if not isinstance(manifest, dict):
        return False
    return manifest.get("generator") == GENERATOR or isinstance(
        manifest.get("tg_parser_version"), str
    )


def _listed_file(entry: dict[str, Any]) -> bool:
    """A plain file name of this directory (never a path, a hidden file or the manifest)
    with a sha256."""
    name, digest = entry.get("name"), entry.get("sha256")
    if not isinstance(name, str) or not isinstance(digest, str):
        return False
    plain = Path(name).name == name and not name.startswith(".") and name != MANIFEST
    return plain and _SHA256.fullmatch(digest) is not None
