"""The whole pipeline in one go, behind `tg-parser run`: import (optional) → process →
topics → export.

Each stage is the stage's own service and its own run, so running the pipeline twice
changes nothing: the import finds every message unchanged, nothing is processed, the
topics keep their ids and the files are rewritten with the same content.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tg_parser.embed import Embedder
from tg_parser.errors import InputError
from tg_parser.export import ExportOptions, ExportReport, export_kb
from tg_parser.ingest import ImportOptions, ImportReport, import_desktop
from tg_parser.llm import Analyser
from tg_parser.process import CONCURRENCY, ProcessOptions, ProcessReport, process_messages
from tg_parser.registry import get_source
from tg_parser.store import Database
from tg_parser.topics import ModelCardWriter, TopicOptions, TopicsReport, build_topics

# a new progress bar for a stage, by its description; the bar moves with (done, total)
StageBar = Callable[[str], Callable[[int, int], None]]


@dataclass(frozen=True)
class PipelineOptions:
    out: Path = Path("kb")
    channel: str | None = None
    import_path: Path | None = None
    comments_path: Path | None = None


@dataclass(frozen=True)
class Stages:
    """What the stages work with: the processing provider, the embedder, topic settings,
    the model card writer (None: offline cards) and how many messages to process at once."""

    provider: Analyser
    embedder: Embedder
    topics: TopicOptions
    cards: ModelCardWriter | None = None
    concurrency: int = CONCURRENCY


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
    db: Database, options: PipelineOptions, stages: Stages, bar: StageBar
) -> PipelineReport:
    """Import (when given a path), then process, build topics and export one channel (or
    every channel)."""
    started = time.perf_counter()
    imports: list[ImportReport] = []
    channel = await _import(db, options, bar, imports)
    report = PipelineReport(channel=channel, out=str(options.out), imports=imports)
    process = ProcessOptions(channel=channel, concurrency=stages.concurrency)
    report.process = await process_messages(db, stages.provider, process, bar("Processing"))
    topics_bar = bar("Building topics")
    report.topics = await build_topics(
        db,
        stages.embedder,
        stages.topics.model_copy(update={"channel": channel}),
        lambda _phase, done, total: topics_bar(done, total),
        stages.cards,
    )
    report.export = await export_kb(
        db, ExportOptions(out=options.out, channel=channel), bar("Exporting")
    )
    report.duration_seconds = round(time.perf_counter() - started, 3)
    return report


async def _import(
    db: Database, options: PipelineOptions, bar: StageBar, reports: list[ImportReport]
) -> str | None:
    """Import the exports given; the channel the rest of the pipeline works on."""
    channel = options.channel
    if options.import_path is not None:
        imported = await _import_one(db, ImportOptions(options.import_path, channel=channel), bar)
        reports.append(imported)
        channel = imported.channel
    elif channel is not None:
        channel = (await get_source(db, channel)).channel_key
    if options.comments_path is not None:
        if channel is None:
            raise InputError("--comments needs the channel: give --import PATH or --channel")
        comments = ImportOptions(options.comments_path, comments_for=channel)
        reports.append(await _import_one(db, comments, bar))
    return channel


async def _import_one(db: Database, options: ImportOptions, bar: StageBar) -> ImportReport:
    advance = bar(f"Importing {options.path.name}")
    return await import_desktop(db, options, lambda done, total, _messages: advance(done, total))
