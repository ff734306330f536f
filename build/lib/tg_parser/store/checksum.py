"""Checksums of a table's rows that mean the same on SQLite and PostgreSQL.

Each row is read in primary key order (text keys compared bytewise on both databases) and
encoded canonically, the same way whichever database it came from: timestamps as UTC
ISO-8601, JSON columns as JSON with sorted keys (so JSONB's own key order and spacing do
not count, but a JSON ``null`` stays apart from SQL ``NULL``), booleans as booleans, bytes
as hex, floats by their shortest repr; the row is the compact JSON array of its values.
A table's checksum is the SHA-256 of its rows' encodings, one per line. Both sides are read
in step, so the first row that differs is known as well.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
from collections.abc import AsyncIterator, Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import orjson
from sqlalchemy import JSON, Boolean, Float, LargeBinary, Table
from sqlalchemy.ext.asyncio import AsyncConnection

from tg_parser.store.bulk import quoted, stored_rows
from tg_parser.store.tables import UtcDateTime

Canon = Callable[[Any], Any]
Encoded = list[tuple[tuple[Any, ...], bytes]]  # (primary key, canonical row) per row


@dataclass
class TableCheck:
    """One table compared on both sides."""

    table: str
    source_rows: int = 0
    target_rows: int = 0
    source_sha256: str = ""
    target_sha256: str = ""
    first_difference: tuple[Any, ...] | None = None  # primary key of the first differing row
    _hashes: tuple[Any, Any] = field(
        default_factory=lambda: (hashlib.sha256(), hashlib.sha256()), repr=False
    )

    @property
    def equal(self) -> bool:
        return self.source_rows == self.target_rows and self.source_sha256 == self.target_sha256


async def compare_table(
    source: AsyncConnection,
    target: AsyncConnection,
    table: Table,
    batch_size: int,
    on_batch: Callable[[int], None],
) -> TableCheck:
    """Read ``table`` on both sides in step and compare every row's canonical encoding."""
    check = TableCheck(table.name)
    sides = (_encoded(source, table, batch_size), _encoded(target, table, batch_size))
    while True:
        batches = await asyncio.gather(*(anext(side, None) for side in sides))  # both at once
        if batches[0] is None and batches[1] is None:
            break
        left, right = (batch or [] for batch in batches)
        _add(check, left, right)
        on_batch(max(len(left), len(right)))
    check.source_sha256, check.target_sha256 = (h.hexdigest() for h in check._hashes)
    return check


def _add(check: TableCheck, left: Encoded, right: Encoded) -> None:
    check.source_rows += len(left)
    check.target_rows += len(right)
    for hasher, rows in zip(check._hashes, (left, right), strict=True):
        hasher.update(b"".join(encoding + b"\n" for _, encoding in rows))
    if check.first_difference is None:
        check.first_difference = _first_difference(left, right)


def _first_difference(left: Encoded, right: Encoded) -> tuple[Any, ...] | None:
    for index in range(max(len(left), len(right))):
        if index >= len(left) or index >= len(right):
            return (left if index < len(left) else right)[index][0]
        if left[index] != right[index]:
            return min(left[index][0], right[index][0])
    return None


async def _encoded(conn: AsyncConnection, table: Table, batch_size: int) -> AsyncIterator[Encoded]:
    postgres = conn.dialect.name == "postgresql"
    canons = [_canon(column.type, postgres) for column in table.columns]
    keys = [index for index, column in enumerate(table.columns) if column.primary_key]
    async for batch in stored_rows(conn, table, batch_size, _select_list(conn, table)):
        yield [_encode(row, canons, keys) for row in batch]


def _encode(row: Sequence[Any], canons: list[Canon], keys: list[int]) -> tuple[Any, bytes]:
    pairs = zip(canons, row, strict=True)
    values = [None if value is None else canon(value) for canon, value in pairs]
    return tuple(values[index] for index in keys), orjson.dumps(values)


def _select_list(conn: AsyncConnection, table: Table) -> str:
    """The columns, with bytes as lower-case hex made by the database, and PostgreSQL's
    JSON as its text (parsed here as SQLite's are)."""
    postgres = conn.dialect.name == "postgresql"
    names = []
    for column in table.columns:
        name = quoted(conn, column.name)
        if isinstance(column.type, LargeBinary):
            name = f"encode({name}, 'hex')" if postgres else f"lower(hex({name}))"
        elif isinstance(column.type, JSON) and postgres:
            name = f"{name}::text"
        names.append(name)
    return ", ".join(names)


def _canon(column_type: Any, postgres: bool) -> Canon:
    if isinstance(column_type, UtcDateTime):
        return _aware_utc if postgres else _stored_utc
    if isinstance(column_type, JSON):
        return canonical_json
    if isinstance(column_type, Boolean):
        return bool
    if isinstance(column_type, LargeBinary):
        return _same  # read as hex
    if isinstance(column_type, Float):
        return float
    return _same


def _aware_utc(value: datetime) -> str:
    return value.astimezone(UTC).isoformat()


def _stored_utc(value: str) -> str:
    """SQLite keeps UTC timestamps as text without an offset."""
    return datetime.fromisoformat(value).replace(tzinfo=UTC).isoformat()


def canonical_json(value: str) -> str:
    """The JSON text ``value`` with sorted keys and no spaces (integers too large for
    orjson go through the json module)."""
    try:
        return orjson.dumps(orjson.loads(value), option=orjson.OPT_SORT_KEYS).decode()
    except (orjson.JSONDecodeError, TypeError):
        return json.dumps(json.loads(value), sort_keys=True, separators=(",", ":"))


def _same(value: Any) -> Any:
    return value
