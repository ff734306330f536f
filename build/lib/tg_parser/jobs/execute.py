"""The job: a queued run executed by id, the same on every backend.

``execute_run`` starts the queued run on this process, executes its stage (its progress
written to the record as it goes, its report stored when it ends) and finishes it:
``succeeded``, ``failed`` with the error, or ``cancelled``. ``announce`` then posts its
summary to its webhook. An uploaded export is removed once its import has ended.
"""

from __future__ import annotations

import asyncio
import shutil
from pathlib import Path

import structlog

from tg_parser.jobs.progress import ProgressRecorder
from tg_parser.jobs.request import RunRequest
from tg_parser.jobs.stages import run_stage
from tg_parser.jobs.uploads import UPLOAD_PREFIX
from tg_parser.jobs.views import run_view
from tg_parser.jobs.webhooks import deliver
from tg_parser.llm import PriceTable
from tg_parser.models import Run
from tg_parser.runs import close_queued, executing, get_run, start_queued
from tg_parser.store import Database

log = structlog.get_logger(__name__)


async def execute_run(db: Database, run_id: str) -> Run:
    """Execute the queued run; the run as it ended (as it is, when it was no longer queued:
    cancelled meanwhile). A stage's failure is recorded on the run, not raised;
    cancellation is recorded, then raised."""
    tracker = await start_queued(db, run_id)
    if tracker is None:
        return await get_run(db, run_id)
    request = RunRequest.model_validate(tracker.run.request or {})
    recorder = ProgressRecorder(tracker)
    try:
        async with executing(tracker), recorder.recording():
            result = await run_stage(db, db.settings, request, recorder)
            async with db.transaction() as repos:
                await repos.runs.describe(run_id, result=result)
    except Exception:  # recorded on the run as `failed` with its one line
        log.warning("run_job_failed", run_id=run_id, exc_info=True)
    finally:
        await discard_upload(request)
    return await get_run(db, run_id)


async def abandon_queued(db: Database, run_id: str, reason: str) -> None:
    """A queued run that will not execute (cancelled, or the server is stopping): closed as
    ``cancelled``, its upload removed."""
    run = await get_run(db, run_id)
    await close_queued(db, run_id, "cancelled", reason)
    if run.request is not None:
        await discard_upload(RunRequest.model_validate(run.request))


async def announce(db: Database, run_id: str) -> None:
    """Post the ended run's summary to its webhook (the run's, else its source's)."""
    prices = PriceTable.load(db.settings.llm_prices_file)
    view = await run_view(db, await get_run(db, run_id), prices)
    await deliver(db, run_id, view.run.channel, view.summary())


async def discard_upload(request: RunRequest) -> None:
    """Remove the folder an upload waited in (only one `uploads` made)."""
    if request.upload is not None:
        folder = Path(request.upload.path).parent
        if folder.name.startswith(UPLOAD_PREFIX):
            await asyncio.to_thread(shutil.rmtree, folder, ignore_errors=True)
