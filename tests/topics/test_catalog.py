"""The topic catalog: a channel's topics with the dates they span, and one topic shown."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime

import pytest

import kb_sample
from tg_parser.errors import NotFoundError
from tg_parser.store import Database
from tg_parser.topics.catalog import get_topic, list_topics, show_topic, topic_summaries

TOPIC = "topic:tg:technotes:post:4"


@pytest.fixture
async def sample(db: Database) -> Database:
    await kb_sample.build(db)
    return db


async def test_summaries_span_the_dates_of_their_messages(sample: Database) -> None:
    summaries = await topic_summaries(sample, "@TechNotes")
    python = next(s for s in summaries if s.id == TOPIC)
    topic = await get_topic(sample, TOPIC)
    async with sample.transaction() as repos:
        dates = await repos.messages.dates([i.source_ref for i in topic.bundle.items])
    assert (python.first_date, python.last_date) == (min(dates.values()), max(dates.values()))
    assert [s.items for s in summaries] == sorted((s.items for s in summaries), reverse=True)
    assert (python.anchors, python.items, python.title) == (3, len(topic.bundle.items), "Python")
    assert [s.id for s in summaries] == [t.card.id for t in await list_topics(sample, "technotes")]


async def test_a_bundles_time_range_is_its_span(sample: Database) -> None:
    topic = await get_topic(sample, TOPIC)
    span = {"from": datetime(2020, 1, 1, tzinfo=UTC), "to": datetime(2020, 2, 1, tzinfo=UTC)}
    async with sample.transaction() as repos:
        await repos.topics.save(
            [replace(topic, bundle=topic.bundle.model_copy(update={"time_range": span}))], None
        )
    [python] = [s for s in await topic_summaries(sample, "technotes") if s.id == TOPIC]
    assert (python.first_date, python.last_date) == (span["from"], span["to"])


async def test_show_resolves_links_through_the_sources_username(sample: Database) -> None:
    view = await show_topic(sample, TOPIC, channels={"technotes"})
    assert view.sources[0]["telegram_url"] == "https://t.me/technotes/4"
    with pytest.raises(NotFoundError, match="no topic"):
        await show_topic(sample, TOPIC, channels={"elsewhere"})
