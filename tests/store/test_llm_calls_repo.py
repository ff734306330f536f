"""Model call usage limited to channels: by the channel of each call's message."""

from __future__ import annotations

from datetime import UTC, datetime

from tg_parser.models import CallRecord
from tg_parser.store import Database


def call(model: str, ref: str | None) -> CallRecord:
    return CallRecord(
        provider="openai",
        model=model,
        prompt_name="p",
        prompt_version="1",
        status="ok",
        input_tokens=10,
        output_tokens=1,
        reasoning_tokens=0,
        latency_ms=5,
        created_at=datetime(2026, 1, 1, tzinfo=UTC),
        source_ref=ref,
    )


async def test_usage_of_channels_counts_their_messages_calls_only(db: Database) -> None:
    async with db.transaction() as repos:
        await repos.llm_calls.add(
            [
                call("a", "tg:news_x:post:1"),
                call("b", "tg:newsyx:post:1"),  # `_` is no wildcard
                call("c", "tg:news_x2:post:1"),
                call("d", None),
            ]
        )
        mine = await repos.llm_calls.usage(channels={"news_x"})
        none = await repos.llm_calls.usage(channels=set())
        every = await repos.llm_calls.usage()
    assert [row.model for row in mine] == ["a"]
    assert none == []
    assert sorted(row.model for row in every) == ["a", "b", "c", "d"]
