"""An uploaded Telegram Desktop export, received on disk and checked before it is imported.

The upload (a ``result.json``, or a zip holding one) is copied into a folder of its own
under API_UPLOAD_DIR; a zip's ``result.json`` is unpacked (at most API_MAX_UNZIPPED_BYTES)
and the rest of the zip is dropped. The file is then read the way the import will read it,
so a file that is not an export, or is cut short, is refused with the importer's one-line
message and nothing is kept. The import run removes the folder when it ends.
"""

from __future__ import annotations

import shutil
import tempfile
import zipfile
from pathlib import Path, PurePosixPath
from typing import IO, BinaryIO

from tg_parser.config import Settings
from tg_parser.errors import ExportFormatError, InputError, TgParserError
from tg_parser.sources import ExportFile, timezone

UPLOAD_PREFIX = "tg-parser-upload-"
RESULT_FILE = "result.json"
CHUNK = 1 << 20
ZIP_MAGIC = b"PK\x03\x04"


class UploadTooLargeError(InputError):
    """An upload, or the file a zip unpacks to, over its limit."""

    http_status = 413


def receive_export(
    upload: BinaryIO, name: str, settings: Settings, *, chat: str | None, zone: str
) -> Path:
    """The upload as a checked ``result.json`` in a folder of its own (blocking: call it in
    a thread). A refused upload leaves nothing behind."""
    timezone(zone)  # a bad zone is refused before anything is written
    folder = Path(tempfile.mkdtemp(prefix=UPLOAD_PREFIX, dir=settings.api_upload_dir))
    try:
        path = _unpacked(upload, folder, settings.api_max_unzipped_bytes)
        _check(path, chat)
    except BaseException as exc:
        shutil.rmtree(folder, ignore_errors=True)
        if isinstance(exc, TgParserError):
            raise type(exc)(exc.message.replace(str(path_in(folder)), name)) from None
        raise
    return path


def path_in(folder: Path) -> Path:
    return folder / RESULT_FILE


def _unpacked(upload: BinaryIO, folder: Path, unzipped_limit: int) -> Path:
    path = path_in(folder)
    is_zip = upload.read(len(ZIP_MAGIC)) == ZIP_MAGIC  # by its start: a cut-short zip too
    upload.seek(0)
    if not is_zip:
        with path.open("wb") as out:
            shutil.copyfileobj(upload, out, CHUNK)
        return path
    try:
        with zipfile.ZipFile(upload) as archive:
            member = _result_member(archive)
            with archive.open(member) as source, path.open("wb") as out:
                _copy_at_most(source, out, unzipped_limit)
    except (zipfile.BadZipFile, zipfile.LargeZipFile, EOFError) as exc:
        raise ExportFormatError(
            f"{path} is in a zip that cannot be read ({exc}): upload the export again"
        ) from None
    return path


def _result_member(archive: zipfile.ZipFile) -> zipfile.ZipInfo:
    """The zip's ``result.json`` nearest its top."""
    found = [
        info
        for info in archive.infolist()
        if not info.is_dir() and PurePosixPath(info.filename).name == RESULT_FILE
    ]
    if not found:
        raise ExportFormatError(
            "the zip holds no result.json: zip the folder Telegram Desktop exported "
            "(with its result.json)"
        )
    return min(found, key=lambda info: (info.filename.count("/"), info.filename))


def _copy_at_most(source: IO[bytes], out: IO[bytes], limit: int) -> None:
    copied = 0
    while chunk := source.read(CHUNK):
        copied += len(chunk)
        if copied > limit:
            raise UploadTooLargeError(
                f"the zip's result.json unpacks to more than {limit:,} bytes "
                "(API_MAX_UNZIPPED_BYTES)"
            )
        out.write(chunk)


def _check(path: Path, chat: str | None) -> None:
    """Read the chat's messages as the import will: not an export, damaged or cut short
    is an ``ExportFormatError``."""
    export = ExportFile.open(path)
    chosen = export.choose(chat)
    for _ in export.messages(chosen):
        pass
