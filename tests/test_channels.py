"""The channel catalog: sources and channels with stored messages, with their counts."""

from __future__ import annotations

import kb_sample
from tg_parser.channels import list_channels
from tg_parser.registry import add_source
from tg_parser.store import Database


async def test_sources_and_stored_channels_are_listed(db: Database) -> None:
    await kb_sample.build(db)
    await add_source(db, "@fresh_one", new_via="web")
    found = await list_channels(db)
    assert [c.channel_key for c in found] == ["fresh_one", "technotes"]
    fresh, sample = found
    assert fresh.source is not None and fresh.counts.posts == 0
    assert (sample.counts.posts, sample.counts.documents, sample.counts.topics) == (165, 245, 10)
    assert [c.channel_key for c in await list_channels(db, {"technotes", "x"})] == ["technotes"]
    assert await list_channels(db, set()) == []
