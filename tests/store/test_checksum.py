"""Row checksums that mean the same on SQLite and PostgreSQL: the same rows written through
the store on both give equal checksums (timestamps, JSON key order, JSON null against SQL
NULL, bytes, floats, text keys in byte order); one changed value is found by its key."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Iterator
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import psycopg
import pytest
from sqlalchemy import Table, insert, null, update

from tg_parser.config import Settings
from tg_parser.store import Database
from tg_parser.store.checksum import TableCheck, canonical_json, compare_table
from tg_parser.store.tables import embeddings, raw_messages, runs

MOSCOW = timezone(timedelta(hours=3))
STARTED = datetime(2026, 3, 1, 15, 0, 0, 123456, tzinfo=MOSCOW)
RUN_IDS = ["b", "B", "a", "Z", "é", "_x", "ä1"]  # byte order differs from most collations


def run_row(run_id: str) -> dict[str, Any]:
    return {
        "id": run_id,
        "stage": "process",
        "scope": {"zeta": 1, "alpha": [1, 2.5, {"y": None, "x": "ü"}], "big": 2**53 + 1},
        "status": "succeeded",
        "counters": {"messages": 3, "failed": 0},
        "started_at": STARTED,
        "duration_seconds": 0.1 + 0.2,
    }


def message_row(number: int, payload: Any) -> dict[str, Any]:
    return {
        "source_ref": f"tg:alpha:post:{number}",
        "channel_id": "alpha",
        "message_type": "post",
        "message_id": number,
        "date": STARTED,
        "text": "текст\twith\\ tabs\nand lines",
        "raw_payload": payload,
        "content_hash": "0" * 64,
        "first_seen_at": STARTED,
        "updated_at": STARTED,
    }


ROWS: dict[str, list[dict[str, Any]]] = {
    "runs": [run_row(run_id) for run_id in RUN_IDS],
    "raw_messages": [message_row(1, {"a": 1}), message_row(2, None), message_row(3, null())],
    "embeddings": [
        {
            "source_ref": "tg:alpha:post:1",
            "model": "m",
            "text_hash": "h",
            "dimensions": 2,
            "vector": b"\x00\x01\xfe\xff" * 2,
            "updated_at": STARTED,
        }
    ],
}
TABLES = {"runs": runs, "raw_messages": raw_messages, "embeddings": embeddings}


async def filled(url: str) -> Database:
    db = await Database.open(Settings(database_url=url))
    async with db.engine.begin() as conn:
        for name, rows in ROWS.items():
            for row in rows:
                await conn.execute(insert(TABLES[name]).values(**row))
    return db


@pytest.fixture
async def both(database_url: str, tmp_path: Path) -> AsyncIterator[tuple[Database, Database]]:
    """A SQLite source and a target on each backend, holding the same rows."""
    source = await filled(f"sqlite:///{tmp_path / 'source.sqlite'}")
    target = await filled(database_url)
    try:
        yield source, target
    finally:
        await source.close()
        await target.close()


async def compare(source: Database, target: Database, table: Table) -> TableCheck:
    async with source.engine.connect() as left, target.engine.connect() as right:
        return await compare_table(left, right, table, 2, lambda rows: None)


@pytest.mark.parametrize("name", sorted(TABLES))
async def test_the_same_rows_have_the_same_checksum_on_both_backends(
    both: tuple[Database, Database], name: str
) -> None:
    check = await compare(*both, TABLES[name])

    assert check.equal, check
    assert check.source_rows == check.target_rows == len(ROWS[name])
    assert check.first_difference is None


@pytest.mark.parametrize(
    ("table", "change", "key"),
    [
        (runs, {"counters": {"messages": 4, "failed": 0}}, ("é",)),
        (runs, {"started_at": STARTED + timedelta(microseconds=1)}, ("é",)),
        (runs, {"duration_seconds": 0.3}, ("é",)),
        (raw_messages, {"raw_payload": null()}, (2,)),  # SQL NULL is not JSON null
    ],
    ids=["json", "timestamp", "float", "json-null"],
)
async def test_one_changed_value_is_found_by_its_key(
    both: tuple[Database, Database], table: Table, change: dict[str, Any], key: tuple[Any, ...]
) -> None:
    source, target = both
    column = next(iter(table.primary_key.columns))
    async with target.engine.begin() as conn:
        await conn.execute(update(table).where(column == key[0]).values(**change))

    check = await compare(source, target, table)

    assert not check.equal
    assert check.first_difference == key


async def test_a_missing_row_is_found_by_its_key(both: tuple[Database, Database]) -> None:
    source, target = both
    async with target.engine.begin() as conn:
        await conn.execute(runs.delete().where(runs.c.id == "a"))

    check = await compare(source, target, runs)

    assert (check.source_rows, check.target_rows) == (len(RUN_IDS), len(RUN_IDS) - 1)
    assert check.first_difference == ("a",)


@pytest.mark.parametrize(
    ("one", "other"),
    [
        ('{"b": 1, "a": [1, {"d": null, "c": 2}]}', '{"a":[1,{"c":2,"d":null}],"b":1}'),
        ('{"n": 123456789012345678901234567890}', '{"n":123456789012345678901234567890}'),
    ],
)
def test_canonical_json_ignores_key_order_and_spacing(one: str, other: str) -> None:
    assert canonical_json(one) == canonical_json(other)


def test_canonical_json_keeps_null_values_and_types_apart() -> None:
    assert canonical_json("null") == "null"
    assert canonical_json('{"a": 1}') != canonical_json('{"a": "1"}')


@pytest.fixture
def icu_postgres_url(postgres_url: str) -> Iterator[str]:
    """A database whose text order is a language's (ICU), not the bytes'."""
    name = f"tgp_icu_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(postgres_url, autocommit=True) as admin:
        try:
            admin.execute(
                f'CREATE DATABASE "{name}" TEMPLATE template0 LOCALE_PROVIDER icu '
                "ICU_LOCALE 'en-US' LOCALE 'C.UTF-8'"
            )
        except psycopg.Error as exc:
            pytest.skip(f"this PostgreSQL cannot make an ICU database: {exc}")
    try:
        yield postgres_url.rsplit("/", 1)[0] + f"/{name}"
    finally:
        with psycopg.connect(postgres_url, autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.mark.postgres
async def test_text_keys_are_compared_in_byte_order_whatever_the_collation(
    icu_postgres_url: str, tmp_path: Path
) -> None:
    source = await filled(f"sqlite:///{tmp_path / 'source.sqlite'}")
    target = await filled(icu_postgres_url)
    try:
        check = await compare(source, target, runs)
    finally:
        await source.close()
        await target.close()

    assert check.equal, check
