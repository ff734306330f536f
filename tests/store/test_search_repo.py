# ruff: noqa: RUF001  (Russian and Arabic words are the data here)
"""The full-text index on both backends: kept in step with the documents, word forms,
filters, and the migration's backfill."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import delete, update

from search_docs import POSTED, Doc, put
from tg_parser.store import Database
from tg_parser.store.search import IndexFilter
from tg_parser.store.tables import raw_messages, search_documents
from tg_parser.store.terms import terms

EVERYTHING = IndexFilter()


async def _found(db: Database, query: str, where: IndexFilter = EVERYTHING) -> list[str]:
    async with db.transaction() as repos:
        matches = await repos.search.lexical(terms(query), where, 50)
    return [match.source_ref for match in matches]


@pytest.mark.parametrize(
    ("query", "text"),
    [
        ("ферритин", "Сдал анализ на уровень ферритина утром"),
        ("ферритина", "Что делать с низким ферритином?"),
        ("ферритином", "Ферритин — главный маркер запасов железа"),
        ("test", "We run the tests nightly"),
        ("testing", "One test per module"),
        ("tests", "Testing is cheaper than debugging"),
        ("ёлка", "Купили елку на рынке"),
        ("صلاة", "الصَّلاةُ عِمَادُ الدِّينِ"),
        ("الكتاب", "قرأت كتابا"),
    ],
)
async def test_word_forms_match(db: Database, query: str, text: str) -> None:
    await put(db, Doc(1, text), Doc(2, "Совсем другой текст about something else"))
    assert await _found(db, query) == ["tg:alpha:post:1"]


async def test_saving_a_document_again_replaces_its_terms(db: Database) -> None:
    await put(db, Doc(1, "Эспрессо на завтрак"))
    await put(db, Doc(1, "Фильтр-кофе на завтрак"))
    assert await _found(db, "эспрессо") == []
    assert await _found(db, "фильтр") == ["tg:alpha:post:1"]


async def test_a_deleted_message_leaves_the_index(db: Database) -> None:
    await put(db, Doc(1, "autovacuum tuning"), Doc(2, "autovacuum again"))
    async with db.transaction() as repos:
        await repos.conn.execute(delete(raw_messages).where(raw_messages.c.message_id == 1))
    assert await _found(db, "autovacuum") == ["tg:alpha:post:2"]


async def test_results_are_ranked_and_count_the_query_terms_they_hold(db: Database) -> None:
    await put(db, Doc(1, "vacuum"), Doc(2, "vacuum freeze and vacuum full"), Doc(3, "freeze"))
    async with db.transaction() as repos:
        matches = await repos.search.lexical(terms("vacuum freeze"), EVERYTHING, 10)
    assert matches[0].source_ref == "tg:alpha:post:2"
    assert {m.source_ref: m.matched for m in matches} == {
        "tg:alpha:post:1": 1,
        "tg:alpha:post:2": 2,
        "tg:alpha:post:3": 1,
    }


@pytest.mark.parametrize(
    ("where", "expected"),
    [
        (IndexFilter(channels=["beta"]), [3]),
        (IndexFilter(message_type="comment"), [2]),
        (IndexFilter(language="ru"), [1]),
        (IndexFilter(since=POSTED + timedelta(days=2)), [3]),
        (IndexFilter(until=POSTED + timedelta(days=1)), [1]),
        (IndexFilter(refs=["tg:alpha:comment:2"]), [2]),
        (IndexFilter(refs=[]), []),
    ],
)
async def test_filters(db: Database, where: IndexFilter, expected: list[int]) -> None:
    await put(
        db,
        Doc(1, "кофе кофе", language="ru"),
        Doc(2, "кофе", kind="comment", days=1, thread_id=1),
        Doc(3, "кофе", channel="beta", days=3),
        Doc(4, "кофе реклама", noise=True),
    )
    found = await _found(db, "кофе", where)
    assert sorted(int(ref.rsplit(":", 1)[1]) for ref in found) == expected


async def test_migration_backfills_the_index_from_stored_documents(db: Database) -> None:
    await put(db, Doc(1, "Тестируем бэкапы каждую неделю"), Doc(2, "Noise", noise=True))
    await db.downgrade("0004")
    await db.upgrade()
    assert await _found(db, "тестировать бэкап") == ["tg:alpha:post:1"]
    async with db.transaction() as repos:
        rows = await repos.search.vectors("any-model")
    assert [row.source_ref for row in rows] == ["tg:alpha:post:1"]  # noise kept out
    assert rows[0].date == POSTED and rows[0].vector is None


async def test_migration_0012_derives_the_terms_again(db: Database) -> None:
    """Terms written by the earlier analyser (Arabic words split at their vowel marks and
    not stemmed) are rewritten with the script-aware ones."""
    await put(db, Doc(1, "الصَّلاةُ عِمَادُ الدِّينِ"), Doc(2, "Тестируем бэкапы"))
    async with db.transaction() as repos:
        statement = update(search_documents).where(
            search_documents.c.source_ref == "tg:alpha:post:1"
        )
        await repos.conn.execute(statement.values(terms="الص لاة عم اد الد ين"))
    assert await _found(db, "صلاة") == []
    await db.downgrade("0011")
    await db.upgrade()
    assert await _found(db, "صلاة") == ["tg:alpha:post:1"]
    assert await _found(db, "бэкап") == ["tg:alpha:post:2"]


async def test_hits_and_topics_of_documents(db: Database) -> None:
    await put(db, Doc(5, "hello", kind="comment", thread_id=4))
    async with db.transaction() as repos:
        hits = await repos.search.hits(["tg:alpha:comment:5", "tg:alpha:post:404"])
        topics = await repos.search.topics(["alpha"])
    assert list(hits) == ["tg:alpha:comment:5"]
    hit = hits["tg:alpha:comment:5"]
    assert (hit.message_id, hit.thread_id, hit.document["text_clean"]) == (5, 4, "hello")
    assert topics == []
