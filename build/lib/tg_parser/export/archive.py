"""The export as one zip archive: exactly the files `tg-parser export` writes, the
manifest included (for the HTTP API, which hands the knowledge base out as a download)."""

from __future__ import annotations

import asyncio
import zipfile
from dataclasses import replace
from pathlib import Path

from tg_parser.export.options import ExportOptions
from tg_parser.export.service import export_kb
from tg_parser.store import Database

ARCHIVE_NAME = "tg-parser-export.zip"


async def export_archive(db: Database, options: ExportOptions, workdir: Path) -> Path:
    """Export into ``workdir`` (a run, as the CLI's export is) and zip the files written
    into ``workdir/tg-parser-export.zip``; the caller removes ``workdir``."""
    out = workdir / "kb"
    report = await export_kb(db, replace(options, out=out))
    archive = workdir / ARCHIVE_NAME
    names = [str(written["name"]) for written in report.files]
    await asyncio.to_thread(_zip, out, names, archive)
    return archive


def _zip(directory: Path, names: list[str], archive: Path) -> None:
    with zipfile.ZipFile(archive, "w", compression=zipfile.ZIP_DEFLATED) as bundle:
        for name in names:
            bundle.write(directory / name, arcname=name)
