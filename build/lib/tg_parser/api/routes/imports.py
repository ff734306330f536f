"""``/api/v1/imports``: upload a Telegram Desktop export and import it as a run."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, File, Form, UploadFile

from tg_parser.api.auth import Runner
from tg_parser.api.deps import Queue
from tg_parser.api.run_models import RunAccepted
from tg_parser.jobs import RunRequest, UploadedExport
from tg_parser.jobs.imports import submit_import

router = APIRouter(prefix="/imports", tags=["imports"])


@router.post(
    "",
    status_code=202,
    summary="Upload an export and import it",
    responses={413: {"description": "The upload, or what its zip unpacks to, is too large."}},
)
async def upload_export(
    queue: Queue,
    principal: Runner,
    file: Annotated[UploadFile, File(description="result.json, or a zip of the exported folder.")],
    channel: Annotated[
        str | None, Form(max_length=200, description="Channel key to store the posts under.")
    ] = None,
    chat: Annotated[
        str | None, Form(max_length=200, description="Chat of a full-account export.")
    ] = None,
    comments_for: Annotated[
        str | None,
        Form(max_length=200, description="Import a discussion group's export as comments of it."),
    ] = None,
    timezone: Annotated[str, Form(max_length=64, description="Zone of old exports.")] = "UTC",
    webhook_url: Annotated[
        str | None, Form(max_length=2000, description="POSTed the run's summary when it ends.")
    ] = None,
) -> RunAccepted:
    name = file.filename or "result.json"
    wanted = UploadedExport(
        path="", name=name, chat=chat, comments_for=comments_for, timezone=timezone
    )
    options = RunRequest(stage="import", channel=channel, upload=wanted, webhook_url=webhook_url)
    run, webhook = await submit_import(queue, file.file, name, options, visible=principal.channels)
    return RunAccepted.of(run, webhook.secret if webhook else None)
