"""Per-channel counts: messages, documents, topics and the latest times, on both backends."""

from __future__ import annotations

from datetime import UTC, datetime

from tg_parser.models import (
    CollectedMessage,
    ProcessedDocument,
    RawTelegramMessage,
    document_id,
    source_ref,
)
from tg_parser.store import ChannelCounts, Database, StoredDocument


def message(channel: str, kind: str, number: int, day: int) -> CollectedMessage:
    thread = {"thread_id": "1"} if kind == "comment" else {}
    return CollectedMessage(
        RawTelegramMessage(
            id=str(number),
            message_type=kind,  # type: ignore[arg-type]
            source_ref=source_ref(channel, kind, number),  # type: ignore[arg-type]
            channel_id=channel,
            date=datetime(2025, 1, day, tzinfo=UTC),
            text="t",
            **thread,
        )
    )


async def test_counts_per_channel(db: Database) -> None:
    ref = source_ref("alpha", "post", 1)
    document = ProcessedDocument(
        id=document_id(ref),
        source_ref=ref,
        source_message_id="1",
        channel_id="alpha",
        processed_at=datetime(2025, 2, 1, tzinfo=UTC),
        text_clean="t",
    )
    async with db.transaction() as repos:
        await repos.messages.store(
            [
                message("alpha", "post", 1, 3),
                message("alpha", "comment", 2, 9),
                message("beta_ch", "post", 7, 5),
            ]
        )
        await repos.documents.save([StoredDocument(document, False, "h", "v")])
        counts = await repos.channels.counts()
        only_beta = await repos.channels.counts({"beta_ch", "nowhere"})
    alpha = counts["alpha"]
    assert (alpha.posts, alpha.comments, alpha.documents, alpha.topics) == (1, 1, 1, 0)
    assert alpha.last_message_at == datetime(2025, 1, 9, tzinfo=UTC)
    assert alpha.last_collected_at is not None and alpha.last_collected_at.tzinfo is not None
    assert list(only_beta) == ["beta_ch"]
    assert only_beta["beta_ch"].documents == 0


async def test_an_empty_database_has_no_channels(db: Database) -> None:
    async with db.transaction() as repos:
        assert await repos.channels.counts() == {}
    assert ChannelCounts("x").posts == 0
