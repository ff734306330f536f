"""The documents service: a page with its total, and one document by id or source_ref."""

from __future__ import annotations

import pytest

import kb_sample
from tg_parser.documents import DocumentQuery, list_documents, show_document
from tg_parser.errors import NotFoundError
from tg_parser.store import Database

TOPIC = "topic:tg:technotes:post:4"


@pytest.fixture
async def sample(db: Database) -> Database:
    await kb_sample.build(db)
    return db


async def test_a_page_and_the_total(sample: Database) -> None:
    first, total = await list_documents(sample, DocumentQuery(), offset=0, limit=10)
    last, again = await list_documents(sample, DocumentQuery(), offset=240, limit=10)
    assert (len(first), len(last), total, again) == (10, 5, 245, 245)
    assert first[0].message.date >= first[-1].message.date
    assert first[0].title and first[0].telegram_url == "https://t.me/technotes/167"


async def test_a_short_first_page_counts_itself(sample: Database) -> None:
    query = DocumentQuery(channels={"technotes"}, topic_id=TOPIC, message_type="post")
    items, total = await list_documents(sample, query, offset=0, limit=500)
    assert total == len(items) > 3
    assert {item.message.message_type for item in items} == {"post"}


@pytest.mark.parametrize(
    "query",
    [
        DocumentQuery(topic_id="topic:tg:technotes:post:99999"),
        DocumentQuery(topic_id=TOPIC, channels={"elsewhere"}),
    ],
)
async def test_a_topic_out_of_sight_is_not_found(sample: Database, query: DocumentQuery) -> None:
    with pytest.raises(NotFoundError, match="no topic"):
        await list_documents(sample, query, offset=0, limit=10)


async def test_show_by_id_and_by_source_ref(sample: Database) -> None:
    by_id = await show_document(sample, "doc:tg:technotes:post:4")
    by_ref = await show_document(sample, "tg:technotes:post:4", channels={"technotes"})
    assert by_id == by_ref
    assert by_id.stored is not None and by_id.raw is not None
    assert by_id.channel_id == "technotes"
    assert [(t.topic_id, t.role) for t in by_id.topics] == [(TOPIC, "anchor")]
    assert [row["version"] for row in by_id.history] == [1]


@pytest.mark.parametrize(
    ("document", "channels"),
    [
        ("tg:technotes:post:99999", None),
        ("doc:nonsense", None),
        ("tg:technotes:post:4", {"elsewhere"}),
    ],
)
async def test_show_of_what_is_not_there(
    sample: Database, document: str, channels: set[str] | None
) -> None:
    with pytest.raises(NotFoundError, match=f"no document '{document}'"):
        await show_document(sample, document, channels)
