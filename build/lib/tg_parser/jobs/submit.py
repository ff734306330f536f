"""Accepting a run request: the channel it works on, the claims it takes, its webhook, and
its queued record, so a refusal (unknown channel, a run already at work, a URL it may not
post to) is said at once, before anything executes."""

from __future__ import annotations

from collections.abc import Collection

from tg_parser.errors import InputError, NotFoundError
from tg_parser.jobs.request import RunRequest
from tg_parser.jobs.webhooks import checked_address, new_secret
from tg_parser.models import Run, channel_key
from tg_parser.registry import resolve_channel
from tg_parser.runs import claimable_channels, queue_run
from tg_parser.store import Database, Webhook


async def submit_run(
    db: Database,
    request: RunRequest,
    *,
    visible: Collection[str] | None = None,
    local: bool = True,
) -> tuple[Run, Webhook | None]:
    """Record the request as a queued run; the run and its webhook (with the secret, to be
    shown once). ``visible``: the channels a limited caller may touch (None: every one)."""
    channel = await _channel(db, request, visible)
    request = request.model_copy(update={"channel": channel})
    webhook = None
    if request.webhook_url is not None:
        allow = db.settings.webhook_allow_private
        await checked_address(request.webhook_url, allow_private=allow)
        webhook = Webhook(request.webhook_url, new_secret())
    run = await queue_run(
        db,
        request.stage,
        channel=channel,
        claims=await _claims(db, request),
        request=request.stored(),
        webhook=webhook,
        local=local,
    )
    return run, webhook


async def _channel(
    db: Database, request: RunRequest, visible: Collection[str] | None
) -> str | None:
    """The stored key of the channel the run works on (None: every channel)."""
    if request.stage == "import":
        upload = request.upload
        if upload is not None and upload.comments_for:
            channel: str | None = await resolve_channel(db, upload.comments_for)
        else:
            channel = channel_key(request.channel) if request.channel else None
    else:
        channel = await resolve_channel(db, request.channel)
    if visible is None:
        return channel
    if channel is None:
        if len(visible) != 1 or request.stage == "import":
            raise InputError(
                f"this key is limited to channels {', '.join(sorted(visible))}: "
                "name the channel the run works on"
            )
        return next(iter(visible))
    if channel not in visible:
        raise NotFoundError(f"no channel {channel!r}")
    return channel


async def _claims(db: Database, request: RunRequest) -> list[str]:
    """The channels the run holds for its stage while it waits and works."""
    if request.stage == "import":
        return [request.channel] if request.channel else []
    if request.stage == "ingest" and request.channel is None:
        async with db.transaction() as repos:
            sources = await repos.sources.list()
        return [s.channel_key for s in sources if s.via != "export" and s.status == "active"]
    return await claimable_channels(db, request.channel)
