# ruff: noqa: RUF001  (Russian words are the data here)
"""The processing stage keeps the search index in step: new documents are found, an edited
and re-processed message is found by its new words only; the semantic index follows it
row by row (a search reads only what changed)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from tg_parser.llm.offline import OfflineAnalyser
from tg_parser.models import CollectedMessage, RawTelegramMessage, source_ref
from tg_parser.process import ProcessOptions, process_messages
from tg_parser.search import search, semantic
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


OTHER = "Обжарка зёрен дома: сковорода, двенадцать минут, первый крэк и остывание на сите."


def _message(text: str, edited: datetime | None = None, number: int = 7) -> CollectedMessage:
    message = RawTelegramMessage(
        id=str(number),
        message_type="post",
        source_ref=source_ref("brew", "post", number),
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


async def _processed(db: Database, message: CollectedMessage) -> None:
    async with db.transaction() as repos:
        await repos.messages.store([message])
    await process_messages(db, OfflineAnalyser(), ProcessOptions())


async def _nearest(db: Database, query: str, embedder: WordEmbedder) -> str:
    results = await search(db, query, mode="semantic", embedder=embedder)
    return results.hits[0].source_ref


async def test_the_vector_index_reads_only_what_changed(
    db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    logs: list[dict[str, Any]] = []  # what the module logs (a cached logger escapes capture)
    monkeypatch.setattr(semantic, "log", _Recorder(logs))
    embedder = WordEmbedder()
    await _processed(db, _message(FIRST))
    assert await _nearest(db, "помол для эспрессо", embedder) == "tg:brew:post:7"
    logs.clear()
    await _processed(db, _message(OTHER, number=8))
    assert await _nearest(db, "обжарка зёрен на сковороде", embedder) == "tg:brew:post:8"
    embedder.calls.clear()
    await _processed(db, _message(EDITED, POSTED + timedelta(hours=1)))
    assert await _nearest(db, "фильтр-кофе среднего помола", embedder) == "tg:brew:post:7"
    read = [(e["rows"], e["full"]) for e in logs if e["event"] == "search_vectors_read"]
    assert read == [(1, False), (1, False)]  # the new post, then the edited one
    assert embedder.calls == [1, 1]  # the edited text, the query: nothing else again


class _Recorder:
    """A logger that keeps each event as structlog's ``capture_logs`` would."""

    def __init__(self, logs: list[dict[str, Any]]) -> None:
        self.logs = logs

    def info(self, event: str, **fields: Any) -> None:
        self.logs.append({"event": event, **fields})

    debug = warning = info
