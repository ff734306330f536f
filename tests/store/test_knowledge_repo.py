"""Pages of processed messages: filters, order, offsets and counts, on both backends."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from tg_parser.models import (
    CollectedMessage,
    MessageType,
    ProcessedDocument,
    RawTelegramMessage,
    document_id,
    source_ref,
)
from tg_parser.store import Database, MessageFilter, StoredDocument

START = datetime(2025, 1, 1, tzinfo=UTC)
AT_2, AT_4 = START + timedelta(hours=2), START + timedelta(hours=4)
# (channel, kind, id, language, noise); message n is dated START + n hours
ROWS: list[tuple[str, MessageType, int, str, bool]] = [
    ("alpha", "post", 1, "en", False),
    ("alpha", "post", 2, "ru", True),
    ("alpha", "comment", 3, "en", False),
    ("beta_ch", "post", 4, "en", False),
    ("beta_ch", "comment", 5, "de", False),
    ("alpha", "post", 6, "en", False),
]


@pytest.fixture
async def stored(db: Database) -> Database:
    messages, documents = [], []
    for channel, kind, number, language, noise in ROWS:
        ref = source_ref(channel, kind, number)
        thread = {"thread_id": "1"} if kind == "comment" else {}
        messages.append(
            CollectedMessage(
                RawTelegramMessage(
                    id=str(number),
                    message_type=kind,
                    source_ref=ref,
                    channel_id=channel,
                    date=START + timedelta(hours=number),
                    text=f"text {number}",
                    **thread,
                )
            )
        )
        document = ProcessedDocument(
            id=document_id(ref),
            source_ref=ref,
            source_message_id=str(number),
            channel_id=channel,
            processed_at=START,
            text_clean=f"text {number}",
            language=language,
        )
        documents.append(StoredDocument(document, noise, "h", "processing:v1.0.0"))
    async with db.transaction() as repos:
        await repos.messages.store(messages)
        await repos.documents.save(documents[:-1])  # message 6 is not processed
    return db


@pytest.mark.parametrize(
    ("where", "ids"),
    [
        (MessageFilter(), [5, 4, 3, 2, 1]),
        (MessageFilter(channels={"alpha"}), [3, 2, 1]),
        (MessageFilter(channels={"alpha", "beta_ch"}, message_type="comment"), [5, 3]),
        (MessageFilter(language="en"), [4, 3, 1]),
        (MessageFilter(noise=True), [2]),
        (MessageFilter(noise=False, language="de"), [5]),
        (MessageFilter(refs=[source_ref("alpha", "post", 1), "tg:x:post:9"]), [1]),
        (MessageFilter(since=AT_2, until=AT_4), [4, 3, 2]),
        (MessageFilter(channels=set()), []),
    ],
)
async def test_filters_newest_first(stored: Database, where: MessageFilter, ids: list[int]) -> None:
    async with stored.transaction() as repos:
        page = await repos.knowledge.page(where, 0, 50)
        total = await repos.knowledge.count(where)
    assert [m.message_id for m in page] == ids
    assert total == len(ids)


async def test_offsets_cut_the_same_order(stored: Database) -> None:
    async with stored.transaction() as repos:
        pages = [await repos.knowledge.page(MessageFilter(), offset, 2) for offset in (0, 2, 4, 6)]
        one = await repos.knowledge.message(source_ref("alpha", "post", 2))
        none = await repos.knowledge.message(source_ref("alpha", "post", 6))
    assert [[m.message_id for m in page] for page in pages] == [[5, 4], [3, 2], [1], []]
    assert one is not None and one.noise
    assert none is None


async def test_batches_are_in_the_export_order(stored: Database) -> None:
    async with stored.reading() as repos:
        batches = [
            [(m.document.channel_id, m.message_type, m.message_id) for m in batch]
            async for batch in repos.knowledge.batches(size=2)
        ]
        alpha = [b async for b in repos.knowledge.batches("alpha", size=10)]
        limited = [b async for b in repos.knowledge.batches(channels={"beta_ch"}, size=10)]
    # by channel, posts before comments, by message id; message 6 has no document
    assert batches == [
        [("alpha", "post", 1), ("alpha", "post", 2)],
        [("alpha", "comment", 3), ("beta_ch", "post", 4)],
        [("beta_ch", "comment", 5)],
    ]
    assert [[m.message_id for m in batch] for batch in alpha] == [[1, 2, 3]]
    assert [[m.message_id for m in batch] for batch in limited] == [[4, 5]]


async def test_messages_by_ref_within_channels(stored: Database) -> None:
    refs = [source_ref("alpha", "post", 1), source_ref("beta_ch", "post", 4)]
    async with stored.reading() as repos:
        every = await repos.knowledge.messages_by_ref(refs)
        alpha = await repos.knowledge.messages_by_ref(refs, "alpha")
        beta = await repos.knowledge.messages_by_ref(refs, channels={"beta_ch"})
    assert [m.message_id for m in every] == [1, 4]
    assert [m.message_id for m in alpha] == [1]
    assert [m.message_id for m in beta] == [4]
