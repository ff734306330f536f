"""An uploaded export imported as a queued run: received, checked, then submitted; a
refused upload or request keeps nothing on disk."""

from __future__ import annotations

import asyncio
from collections.abc import Collection
from typing import BinaryIO

from tg_parser.jobs.execute import discard_upload
from tg_parser.jobs.queue import RunQueue
from tg_parser.jobs.request import RunRequest, UploadedExport
from tg_parser.jobs.uploads import receive_export
from tg_parser.models import Run
from tg_parser.store import Webhook


async def submit_import(
    queue: RunQueue,
    upload: BinaryIO,
    name: str,
    options: RunRequest,
    *,
    visible: Collection[str] | None = None,
) -> tuple[Run, Webhook | None]:
    """Receive and check the upload, then queue its import (``options.upload`` gives the
    chat, comments_for and timezone; its path is filled in here)."""
    wanted = options.upload or UploadedExport(path="", name=name)
    settings = queue.settings
    path = await asyncio.to_thread(
        receive_export, upload, name, settings, chat=wanted.chat, zone=wanted.timezone
    )
    upload_of = wanted.model_copy(update={"path": str(path), "name": name})
    request = options.model_copy(update={"stage": "import", "upload": upload_of})
    try:
        return await queue.submit(request, visible=visible)
    except BaseException:
        await discard_upload(request)
        raise
