"""``/api/v1/export``: the knowledge base with the filters of `tg-parser export` — its
``kb_entries.ndjson`` streamed as it is made, or a zip of every file the CLI writes."""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import AsyncIterable, AsyncIterator, Iterator
from pathlib import Path
from typing import Annotated, BinaryIO, Literal

from fastapi import APIRouter, Query
from fastapi.responses import Response, StreamingResponse

from tg_parser.api.auth import Reader
from tg_parser.api.deps import Db
from tg_parser.api.filters import ChannelKey, DayEnd, DayStart
from tg_parser.api.visibility import visible_channel
from tg_parser.export import ExportOptions, export_archive, stream_entries

router = APIRouter(prefix="/export", tags=["export"])

CHUNK_BYTES = 64 * 1024  # lines are sent in chunks of about this size
NDJSON = "application/x-ndjson"
_RESPONSES: dict[int | str, dict[str, object]] = {
    200: {
        "description": "`kb_entries.ndjson` (format=ndjson) or a zip of the export's files "
        "(format=zip: entries, topics.json, topic_<id>.json files, manifest.json).",
        "content": {
            NDJSON: {"schema": {"type": "string"}},
            "application/zip": {"schema": {"type": "string", "format": "binary"}},
        },
    }
}


@router.get("", summary="Export the knowledge base", response_class=Response, responses=_RESPONSES)
async def export(
    db: Db,
    principal: Reader,
    channel: Annotated[ChannelKey | None, Query(description="One channel only.")] = None,
    topic_id: Annotated[
        str | None, Query(max_length=200, description="One topic and its messages.")
    ] = None,
    date_from: Annotated[
        DayStart | None,
        Query(alias="from", description="Messages dated on or after (YYYY-MM-DD or ISO)."),
    ] = None,
    date_to: Annotated[
        DayEnd | None, Query(alias="to", description="Messages dated up to (a day: inclusive).")
    ] = None,
    include_supporting: Annotated[
        bool, Query(description="Keep topics' supporting messages (false: anchors only).")
    ] = True,
    include_noise: Annotated[bool, Query(description="Also messages flagged as noise.")] = False,
    file_format: Annotated[
        Literal["ndjson", "zip"],
        Query(alias="format", description="ndjson: the entries; zip: every file."),
    ] = "ndjson",
) -> Response:
    options = ExportOptions(
        channel=await visible_channel(db, principal, channel) if channel else None,
        channels=principal.channels,
        topic_id=topic_id,
        date_from=date_from,
        date_to=date_to,
        include_supporting=include_supporting,
        include_noise=include_noise,
    )
    if file_format == "zip":
        return await _archive(db, options)
    lines = await stream_entries(db, options)
    return StreamingResponse(
        _chunks(lines), media_type=NDJSON, headers=_attachment("kb_entries.ndjson")
    )


async def _archive(db: Db, options: ExportOptions) -> Response:
    """The zip, streamed from an open handle; its directory is removed at once (POSIX keeps
    an open file readable), else when the stream ends — a client that goes away midway
    leaves nothing behind."""
    workdir = Path(tempfile.mkdtemp(prefix="tg-parser-export-"))
    try:
        archive = await export_archive(db, options, workdir)
        handle = archive.open("rb")
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    size = os.fstat(handle.fileno()).st_size
    return StreamingResponse(
        _file_chunks(handle, workdir),
        media_type="application/zip",
        headers=_attachment(archive.name) | {"Content-Length": str(size)},
    )


def _file_chunks(handle: BinaryIO, workdir: Path) -> Iterator[bytes]:
    try:
        while chunk := handle.read(CHUNK_BYTES):
            yield chunk
    finally:
        handle.close()
        shutil.rmtree(workdir, ignore_errors=True)


async def _chunks(lines: AsyncIterable[bytes]) -> AsyncIterator[bytes]:
    """The lines joined into chunks of about ``CHUNK_BYTES`` (fewer, larger writes)."""
    chunk: list[bytes] = []
    size = 0
    async for line in lines:
        chunk.append(line)
        size += len(line)
        if size >= CHUNK_BYTES:
            yield b"".join(chunk)
            chunk, size = [], 0
    if chunk:
        yield b"".join(chunk)


def _attachment(name: str) -> dict[str, str]:
    return {"Content-Disposition": f'attachment; filename="{name}"'}
