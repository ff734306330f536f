"""The whole pipeline in one go, behind `tg-parser run`: import (optional) → process →
topics → export.

Each stage is the stage's own service and its own run, so running the pipeline twice
changes nothing: the import finds every message unchanged, nothing is processed, the
topics keep their ids and the files are rewritten with the same content. Every stage
reports to the same progress callback.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tg_parser.errors import InputError
from tg_parser.export import ExportOptions, ExportReport, export_kb
from tg_parser.ingest import ImportOptions, ImportReport, import_desktop
from tg_parser.models import OnProgress
from tg_parser.process import ProcessOptions, ProcessReport
from tg_parser.registry import get_source
from tg_parser.store import Database
from tg_parser.topics import TopicsReport
from tg_parser.wiring import Stages


@dataclass(frozen=True)
class PipelineOptions:
    out: Path = Path("kb")
    channel: str | None = None
    import_path: Path | None = None
    comments_path: Path | None = None


@dataclass
class PipelineReport:
    channel: str | None
    out: str
    imports: list[ImportReport] = field(default_factory=list)
    process: ProcessReport | None = None
    topics: TopicsReport | None = None
    export: ExportReport | None = None
    duration_seconds: float = 0.0

    def to_json_dict(self) -> dict[str, Any]:
        stages = {"process": self.process, "topics": self.topics, "export": self.export}
        report: dict[str, Any] = {"channel": self.channel} if self.channel else {}
        report |= {"out": self.out, "imports": [i.to_json_dict() for i in self.imports]}
        report |= {name: stage.to_json_dict() for name, stage in stages.items() if stage}
        return report | {"duration_seconds": self.duration_seconds}


async def run_pipeline(
    db: Database, options: PipelineOptions, stages: Stages, progress: OnProgress | None = None
) -> PipelineReport:
    """Import (when given a path), then process, build topics and export one channel (or
    every channel)."""
    started = time.perf_counter()
    imports: list[ImportReport] = []
    channel = await _import(db, options, progress, imports)
    report = PipelineReport(channel=channel, out=str(options.out), imports=imports)
    report.process = await stages.process(db, ProcessOptions(channel=channel), progress)
    topics = stages.topics.model_copy(update={"channel": channel})
    report.topics = await stages.build_topics(db, topics, progress)
    export = ExportOptions(out=options.out, channel=channel)
    report.export = await export_kb(db, export, progress)
    report.duration_seconds = round(time.perf_counter() - started, 3)
    return report


async def _import(
    db: Database, options: PipelineOptions, progress: OnProgress | None, reports: list[ImportReport]
) -> str | None:
    """Import the exports given; the channel the rest of the pipeline works on."""
    channel = options.channel
    if options.import_path is not None:
        imported = await import_desktop(
            db, ImportOptions(options.import_path, channel=channel), progress
        )
        reports.append(imported)
        channel = imported.channel
    elif channel is not None:
        channel = (await get_source(db, channel)).channel_key
    if options.comments_path is not None:
        if channel is None:
            raise InputError("--comments needs the channel: give --import PATH or --channel")
        comments = ImportOptions(options.comments_path, comments_for=channel)
        reports.append(await import_desktop(db, comments, progress))
    return channel
