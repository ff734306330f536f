"""The whole pipeline in one go, behind `tg-parser run`: collect the live sources (or
import an export) → process → topics → export. A scheduled run builds topics only when
something changed (or they were never built) and exports only when it has a directory.

Each stage is the stage's own service and its own run, so running the pipeline twice
changes nothing: the import finds every message unchanged, nothing is processed, the
topics keep their ids and the files are rewritten with the same content. Every stage
reports to the same progress callback. A database with no source and no message has
nothing to run on: that is said before anything is written.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from tg_parser.errors import InputError
from tg_parser.export import ExportOptions, ExportReport, check_destination, export_kb
from tg_parser.ingest import (
    ImportOptions,
    ImportReport,
    IngestOptions,
    IngestReport,
    import_desktop,
    ingest,
)
from tg_parser.ingest.live import LiveSourceFactory
from tg_parser.models import OnProgress, Source
from tg_parser.process import ProcessOptions, ProcessReport
from tg_parser.registry import resolve_channel
from tg_parser.runs import RunTracker, as_parent, track_run
from tg_parser.store import Database
from tg_parser.topics import TopicsReport
from tg_parser.wiring import Stages


@dataclass(frozen=True)
class PipelineOptions:
    """Where to write (None: no export) and whether to replace files tg-parser did not
    write there, which channel (None: every one), an export to import first, whether to
    collect the live sources in scope first (never when importing), and whether to build
    topics only when processing changed something."""

    out: Path | None = Path("kb")
    overwrite: bool = False
    channel: str | None = None
    import_path: Path | None = None
    comments_path: Path | None = None
    collect: bool = True
    topics_when_changed: bool = False

    def scope(self) -> dict[str, Any]:
        scope: dict[str, Any] = {"channel": self.channel or "*"}
        scope |= {"out": str(self.out)} if self.out else {}
        scope |= {"overwrite": True} if self.overwrite else {}
        scope |= {"topics": "when changed"} if self.topics_when_changed else {}
        scope |= {"import": str(self.import_path)} if self.import_path else {}
        scope |= {"comments": str(self.comments_path)} if self.comments_path else {}
        return scope | ({} if self.collect else {"collect": False})


@dataclass
class PipelineReport:
    channel: str | None
    out: str | None
    imports: list[ImportReport] = field(default_factory=list)
    ingest: IngestReport | None = None
    process: ProcessReport | None = None
    topics: TopicsReport | None = None
    export: ExportReport | None = None
    duration_seconds: float = 0.0
    run_id: str = ""

    def to_json_dict(self) -> dict[str, Any]:
        stages = {"process": self.process, "topics": self.topics, "export": self.export}
        report: dict[str, Any] = {"run_id": self.run_id}
        report |= {"channel": self.channel} if self.channel else {}
        report |= {"out": self.out} if self.out else {}
        report |= {"imports": [i.to_json_dict() for i in self.imports]}
        report |= {"ingest": self.ingest.to_json_dict()} if self.ingest else {}
        report |= {name: stage.to_json_dict() for name, stage in stages.items() if stage}
        return report | {"duration_seconds": self.duration_seconds}


async def run_pipeline(
    db: Database, options: PipelineOptions, stages: Stages, progress: OnProgress | None = None
) -> PipelineReport:
    """Import (when given a path) or collect the live sources, then process, build topics
    and export one channel (or every channel): a ``run`` run whose stages' runs name it as
    their parent."""
    started = time.perf_counter()
    options = await _checked(db, options)
    async with track_run(db, "run", options.scope()) as run, as_parent(run):
        report = await _stages(db, options, stages, progress)
        await _summarise(run, report)
    report.run_id = run.id
    report.duration_seconds = round(time.perf_counter() - started, 3)
    return report


async def _checked(db: Database, options: PipelineOptions) -> PipelineOptions:
    """Refuse what cannot run before anything is recorded: nothing to work on, an unknown
    channel, comments without their channel."""
    if not (options.import_path or options.comments_path or options.channel):
        await _check_not_empty(db)
    if options.comments_path is not None and not (options.import_path or options.channel):
        raise InputError("--comments needs the channel: give --import PATH or --channel")
    if options.import_path is None and options.channel is not None:
        return replace(options, channel=await resolve_channel(db, options.channel))
    return options


async def _stages(
    db: Database, options: PipelineOptions, stages: Stages, progress: OnProgress | None
) -> PipelineReport:
    imports: list[ImportReport] = []
    channel = await _import(db, options, progress, imports)
    export = None
    if options.out is not None:
        export = ExportOptions(out=options.out, channel=channel, overwrite=options.overwrite)
        check_destination(export)  # refused now, not after the long stages
    out = str(options.out) if options.out else None
    report = PipelineReport(channel=channel, out=out, imports=imports)
    if options.collect and options.import_path is None:
        report.ingest = await _collect(db, channel, stages.live, progress)
    report.process = await stages.process(db, ProcessOptions(channel=channel), progress)
    if not options.topics_when_changed or await _topics_stale(db, channel, report.process):
        topics = stages.topics.model_copy(update={"channel": channel})
        report.topics = await stages.build_topics(db, topics, progress)
    if export is not None:
        report.export = await export_kb(db, export, progress)
    return report


async def _topics_stale(db: Database, channel: str | None, processed: ProcessReport) -> bool:
    """Documents were processed (new or changed), or the topics were never built."""
    if processed.counters.get("processed", 0) > 0:
        return True
    async with db.transaction() as repos:
        built = await repos.runs.count(stage="topics", status="succeeded", channel=channel)
    return built == 0


async def _summarise(run: RunTracker, report: PipelineReport) -> None:
    """The pipeline run's counters: what its stages did, in a few numbers."""
    if report.channel:
        await run.set_channel(report.channel)
    run.add(messages_imported=sum(i.counters.get("inserted", 0) for i in report.imports))
    if report.ingest is not None:
        run.add(messages_collected=report.ingest.counters.get("messages", 0))
    if report.process is not None:
        run.add(messages_processed=report.process.counters.get("processed", 0))
        run.add(messages_failed=report.process.counters.get("failed", 0))
    if report.topics is not None:
        run.add(topics=report.topics.counters.get("topics_total", 0))
    if report.export is not None:
        run.add(entries_exported=sum(report.export.counts.get(k, 0) for k in _ENTRIES))


_ENTRIES = ("topic_entries", "message_entries")


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
        channel = await resolve_channel(db, channel)
    if options.comments_path is not None:
        if channel is None:
            raise InputError("--comments needs the channel: give --import PATH or --channel")
        comments = ImportOptions(options.comments_path, comments_for=channel)
        reports.append(await import_desktop(db, comments, progress))
    return channel


async def _check_not_empty(db: Database) -> None:
    async with db.transaction() as repos:
        sources = sum((await repos.stats.sources_by_status()).values())
        messages = sum((await repos.stats.messages_by_type()).values())
    if not sources and not messages:
        raise InputError(
            "nothing to do: the database has no sources and no messages; add a channel with "
            "`tg-parser sources add @channel --via web` or import an export with "
            "`tg-parser run --import result.json`"
        )


async def _collect(
    db: Database, channel: str | None, live: LiveSourceFactory, progress: OnProgress | None
) -> IngestReport | None:
    """Collect what is new in the active live sources in scope (every one, or the
    channel's); None when there is none, so no empty ingest run is recorded."""
    async with db.transaction() as repos:
        sources = [s.channel_key for s in await repos.sources.list() if _collectable(s)]
    keys = tuple(key for key in sources if channel in (None, key))
    if not keys:
        return None
    return await ingest(db, IngestOptions(channels=keys), live, progress)


def _collectable(source: Source) -> bool:
    """Live (not from exports) and active (not paused, nor in error until resumed)."""
    return source.via != "export" and source.status == "active"
