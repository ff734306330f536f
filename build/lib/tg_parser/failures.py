"""Messages a stage could not handle, as recorded in ``processing_failures``."""

from __future__ import annotations

from collections.abc import Collection

from tg_parser.models import parse_source_ref
from tg_parser.registry import resolve_channel
from tg_parser.store import Database, FailureRecord


async def list_failures(
    db: Database,
    *,
    channel: str | None = None,
    stage: str | None = None,
    channels: Collection[str] | None = None,
) -> list[FailureRecord]:
    """Current failures (of one channel, or of ``channels``; of one stage), most recent
    first."""
    key = await resolve_channel(db, channel)
    async with db.reading() as repos:
        failures = await repos.failures.list(stage=stage)
    wanted = {key} if key is not None else channels
    if wanted is None:
        return failures
    return [f for f in failures if parse_source_ref(f.source_ref)[0] in wanted]
