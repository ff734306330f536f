"""The channel catalog: every channel tg-parser knows (a source, or stored messages) with
what is stored for it — messages, documents, topics, when it was last collected."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass

from tg_parser.models import Source
from tg_parser.store import ChannelCounts, Database


@dataclass(frozen=True)
class ChannelSummary:
    channel_key: str
    source: Source | None  # None: messages stored, but no source (removed, or never added)
    counts: ChannelCounts


async def list_channels(
    db: Database, channels: Collection[str] | None = None
) -> list[ChannelSummary]:
    """Every channel (of ``channels`` when given) by key, with its counts."""
    async with db.reading() as repos:
        sources = {s.channel_key: s for s in await repos.sources.list()}
        counts = await repos.channels.counts(channels)
    keys = {key for key in sources if channels is None or key in channels} | set(counts)
    return [
        ChannelSummary(key, sources.get(key), counts.get(key, ChannelCounts(key)))
        for key in sorted(keys)
    ]
