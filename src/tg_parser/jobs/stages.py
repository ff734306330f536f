"""A requested stage, executed through the services the CLI's commands call."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from tg_parser.config import Settings
from tg_parser.jobs.request import RunRequest
from tg_parser.llm import ModelRequest
from tg_parser.models import OnProgress
from tg_parser.store import Database
from tg_parser.wiring import Stages, wired_stages

if TYPE_CHECKING:
    from tg_parser.pipeline import PipelineOptions


async def run_stage(
    db: Database, settings: Settings, request: RunRequest, progress: OnProgress
) -> dict[str, Any]:
    """Execute the request's stage; its report, as the command's ``--json`` prints it."""
    if request.stage == "import":
        return await _import(db, request, progress)
    if request.stage == "export":
        return await _export(db, settings, request, progress)
    model = ModelRequest(
        request.provider, request.model, request.concurrency, skip_trivial=request.skip_trivial
    )
    async with wired_stages(settings, model) as stages:
        return await _WITH_MODEL[request.stage](db, settings, request, stages, progress)


async def _process(
    db: Database, settings: Settings, request: RunRequest, stages: Stages, progress: OnProgress
) -> dict[str, Any]:
    from tg_parser.process import ProcessOptions

    options = ProcessOptions(
        channel=request.channel,
        force=request.force,
        limit=request.limit,
        dry_run=request.dry_run,
        retry_failed=request.retry_failed,
    )
    return (await stages.process(db, options, progress)).to_json_dict()


async def _topics(
    db: Database, settings: Settings, request: RunRequest, stages: Stages, progress: OnProgress
) -> dict[str, Any]:
    from tg_parser.topics import TopicOptions

    options = TopicOptions.from_settings(
        settings, channel=request.channel, max_topics=request.max_topics, force=request.force
    )
    return (await stages.build_topics(db, options, progress)).to_json_dict()


async def _ingest(
    db: Database, settings: Settings, request: RunRequest, stages: Stages, progress: OnProgress
) -> dict[str, Any]:
    from tg_parser.ingest import IngestOptions, ingest

    channels = (request.channel,) if request.channel else ()
    options = IngestOptions(channels=channels, all=not channels, limit=request.limit)
    return (await ingest(db, options, stages.live, progress)).to_json_dict()


async def _pipeline(
    db: Database, settings: Settings, request: RunRequest, stages: Stages, progress: OnProgress
) -> dict[str, Any]:
    from tg_parser.pipeline import PipelineOptions, run_pipeline

    if request.scheduled:
        options = await _scheduled(db, request)
    else:
        out = export_dir(settings, request)
        options = PipelineOptions(
            out=out, overwrite=request.overwrite, channel=request.channel, collect=request.collect
        )
    return (await run_pipeline(db, options, stages, progress)).to_json_dict()


async def _scheduled(db: Database, request: RunRequest) -> PipelineOptions:
    """The scheduler's run of a source: exported to the source's directory (when it has
    one), its topics rebuilt only when something changed."""
    from tg_parser.pipeline import PipelineOptions
    from tg_parser.registry import get_source

    assert request.channel is not None, "a scheduled run works on its source's channel"
    source = await get_source(db, request.channel)
    out = Path(source.export_dir) if source.export_dir else None
    return PipelineOptions(out=out, channel=source.channel_key, topics_when_changed=True)


_WITH_MODEL = {"process": _process, "topics": _topics, "ingest": _ingest, "run": _pipeline}


def export_dir(settings: Settings, request: RunRequest) -> Path:
    """Where a run started over the API writes: ``out`` inside API_EXPORT_DIR."""
    return settings.api_export_dir / request.out


async def _export(
    db: Database, settings: Settings, request: RunRequest, progress: OnProgress
) -> dict[str, Any]:
    from tg_parser.export import ExportOptions, export_kb, output_directory

    out = output_directory(str(export_dir(settings, request)))
    options = ExportOptions(out=out, channel=request.channel, overwrite=request.overwrite)
    return (await export_kb(db, options, progress)).to_json_dict()


async def _import(db: Database, request: RunRequest, progress: OnProgress) -> dict[str, Any]:
    from tg_parser.ingest import ImportOptions, import_desktop

    upload = request.upload
    assert upload is not None, "an import request carries its upload"
    options = ImportOptions(
        path=Path(upload.path),
        chat=upload.chat,
        channel=request.channel if not upload.comments_for else None,
        comments_for=upload.comments_for,
        timezone=upload.timezone,
    )
    return (await import_desktop(db, options, progress)).to_json_dict()
