"""``/api/v1/runs``: start a stage in the background, list and show runs, cancel one, and
follow one's progress as server-sent events."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Query
from fastapi.responses import StreamingResponse
from pydantic import BaseModel, ConfigDict, Field, field_validator

from tg_parser import runs
from tg_parser.api.auth import Reader, Runner
from tg_parser.api.deps import AppSettings, Db, Queue
from tg_parser.api.events import run_stream
from tg_parser.api.filters import Moment
from tg_parser.api.pages import Page, Paging
from tg_parser.api.run_models import RunAccepted, RunDetail, RunOut
from tg_parser.jobs import RunRequest, run_view
from tg_parser.jobs.request import inside_export_dir
from tg_parser.llm import PriceTable
from tg_parser.models import RunStatus, channel_key

router = APIRouter(prefix="/runs", tags=["runs"])

StartStage = Literal["ingest", "process", "topics", "export", "run"]
AnyStage = Literal["ingest", "process", "topics", "export", "run", "import"]


class RunStart(BaseModel):
    """A stage to run in the background, with the options of its command."""

    model_config = ConfigDict(extra="forbid")

    stage: StartStage
    channel: str | None = Field(
        default=None, description="@name, t.me link or -100… id; null: every channel."
    )
    provider: str | None = Field(
        default=None, description="openai, anthropic, gemini, ollama, offline or auto."
    )
    model: str | None = None
    concurrency: int | None = Field(default=None, ge=1, le=1000)
    retry_failed: bool = Field(default=False, description="process: only failed messages.")
    dry_run: bool = Field(default=False, description="process: count and price, write nothing.")
    force: bool = Field(default=False, description="process/topics: everything again.")
    limit: int | None = Field(default=None, ge=1, description="process/ingest: at most N.")
    skip_trivial: bool = Field(default=True, description="process: noise stays local.")
    max_topics: int | None = Field(default=None, ge=1, description="topics: keep at most N.")
    collect: bool = Field(default=True, description="run: collect live sources first.")
    out: str = Field(
        default="kb", max_length=200, description="export/run: folder in API_EXPORT_DIR."
    )
    overwrite: bool = Field(
        default=False,
        description="export/run: replace files in `out` that tg-parser did not write "
        "(or that changed since); without it such a run fails and writes nothing.",
    )
    webhook_url: str | None = Field(
        default=None, max_length=2000, description="POSTed the run's summary when it ends."
    )

    @field_validator("out")
    @classmethod
    def _inside(cls, value: str) -> str:
        return inside_export_dir(value)


@router.post("", status_code=202, summary="Start a run")
async def start_run(body: RunStart, queue: Queue, principal: Runner) -> RunAccepted:
    request = RunRequest.model_validate(body.model_dump())
    run, webhook = await queue.submit(request, visible=principal.channels)
    return RunAccepted.of(run, webhook.secret if webhook else None)


@router.get("", summary="List runs")
async def list_runs(
    db: Db,
    principal: Reader,
    paging: Paging,
    stage: AnyStage | None = None,
    status: RunStatus | None = None,
    channel: Annotated[str | None, Query(max_length=200)] = None,
    since: Moment | None = None,
) -> Page[RunOut]:
    key = principal.check_channel(channel_key(channel)) if channel else None
    filters = runs.RunFilters(stage, status, key, principal.channels, since)
    found = await runs.list_runs(db, filters, limit=paging.limit, offset=paging.offset)
    total = await runs.count_runs(db, filters)
    return paging.page([RunOut.of(run) for run in found], total)


@router.get("/{run_id}", summary="Show a run")
async def show_run(run_id: str, db: Db, settings: AppSettings, principal: Reader) -> RunDetail:
    run = await runs.get_run(db, run_id, principal.channels)
    view = await run_view(db, run, PriceTable.load(settings.llm_prices_file))
    return RunDetail.of(view)


@router.post("/{run_id}/cancel", summary="Cancel a run")
async def cancel_run(run_id: str, db: Db, queue: Queue, principal: Runner) -> RunOut:
    await runs.get_run(db, run_id, principal.channels)  # 404 for another channel's run
    return RunOut.of(await queue.cancel(run_id))


@router.get(
    "/{run_id}/events",
    summary="Follow a run's progress",
    response_class=StreamingResponse,
    responses={
        200: {
            "description": "Server-sent events: `progress` while the run works, then `end`.",
            "content": {"text/event-stream": {"schema": {"type": "string"}}},
        }
    },
)
async def follow_run(run_id: str, db: Db, principal: Reader) -> StreamingResponse:
    return await run_stream(db, run_id, principal.channels)
