# ruff: noqa: RUF001  (Russian words are the data here)
"""The processing stage keeps the search index in step: new documents are found, an edited
and re-processed message is found by its new words only."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from tg_parser.llm.offline import OfflineAnalyser
from tg_parser.models import CollectedMessage, RawTelegramMessage, source_ref
from tg_parser.process import ProcessOptions, process_messages
from tg_parser.search import search
from tg_parser.store import Database
from tg_parser.testing import WordEmbedder

POSTED = datetime(2026, 2, 1, 8, 0, tzinfo=UTC)
FIRST = (
    "Сегодня разбираем, как подобрать помол для эспрессо: начните с мелкого, "
    "пролейте 18 граммов за 28 секунд и меняйте по одному делению."
)
EDITED = (
    "Сегодня разбираем, как подобрать помол для фильтр-кофе: начните со среднего, "
    "заваривайте 15 граммов на 250 мл воды и меняйте по одному делению."
)


def _message(text: str, edited: datetime | None = None) -> CollectedMessage:
    message = RawTelegramMessage(
        id="7",
        message_type="post",
        source_ref=source_ref("brew", "post", 7),
        channel_id="brew",
        date=POSTED,
        text=text,
    )
    return CollectedMessage(message=message, edit_date=edited)


async def _refs(db: Database, query: str) -> list[str]:
    results = await search(db, query, mode="lexical", embedder=WordEmbedder())
    return [hit.source_ref for hit in results.hits]


async def test_processing_indexes_and_reprocessing_reindexes(db: Database) -> None:
    async with db.transaction() as repos:
        await repos.messages.store([_message(FIRST)])
    await process_messages(db, OfflineAnalyser(), ProcessOptions())
    assert await _refs(db, "эспрессо") == ["tg:brew:post:7"]

    async with db.transaction() as repos:
        await repos.messages.store([_message(EDITED, POSTED + timedelta(hours=1))])
    report = await process_messages(db, OfflineAnalyser(), ProcessOptions())
    assert report.counters["processed"] == 1
    assert await _refs(db, "эспрессо") == []
    assert await _refs(db, "фильтр кофе") == ["tg:brew:post:7"]
