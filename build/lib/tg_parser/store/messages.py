"""Raw messages and their edit history."""

from __future__ import annotations

import hashlib
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import bindparam, func, insert, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from tg_parser.clock import utcnow
from tg_parser.models import CollectedMessage, MessageType
from tg_parser.store.dialect import upsert_insert
from tg_parser.store.tables import raw_message_versions, raw_messages

_REFS_PER_QUERY = 500  # well under SQLite's limit of bound parameters


@dataclass
class StoreResult:
    inserted: int = 0
    edited: int = 0
    unchanged: int = 0

    def __iadd__(self, other: StoreResult) -> StoreResult:
        self.inserted += other.inserted
        self.edited += other.edited
        self.unchanged += other.unchanged
        return self


def content_hash(text: str, edit_date: datetime | None) -> str:
    """What makes a new version: the text or the edit date changed."""
    stamp = edit_date.isoformat() if edit_date else ""
    return hashlib.sha256(f"{stamp}\0{text}".encode()).hexdigest()


class RawMessageRepository:
    def __init__(self, conn: AsyncConnection) -> None:
        self.conn = conn

    async def store(self, batch: Sequence[CollectedMessage]) -> StoreResult:
        """Insert new messages; record changed ones as a new version, keeping the old text.

        A message whose stored edit is newer than the incoming one is left alone (an older
        copy, e.g. from an earlier export). A message given twice in one batch is stored
        once, as its newest copy; the other copy counts as unchanged.
        """
        newest = _newest_copies(batch)
        current = await self._current(newest)
        result = StoreResult(unchanged=len(batch) - len(newest))
        new_rows: list[dict[str, Any]] = []
        changed: list[tuple[dict[str, Any], dict[str, Any]]] = []
        now = utcnow()
        for ref, item in newest.items():
            row = _row(item, now)
            stored = current.get(ref)
            if stored is None:
                new_rows.append(row)
            elif stored["content_hash"] == row["content_hash"] or _is_older(
                item.edit_date, stored["edit_date"]
            ):
                result.unchanged += 1
            else:
                changed.append((stored, row))
        if new_rows:
            result.inserted = await self._insert_new(new_rows)
            result.unchanged += len(new_rows) - result.inserted
        if changed:
            await self._record_edits(changed, now)
            result.edited = len(changed)
        return result

    async def _insert_new(self, rows: list[dict[str, Any]]) -> int:
        """Insert the rows; one another writer stored meanwhile (same source_ref) is left
        to it, not an error. Returns how many were inserted."""
        statement = (
            upsert_insert(self.conn, raw_messages)
            .on_conflict_do_nothing(index_elements=[raw_messages.c.source_ref])
            .returning(raw_messages.c.id)
        )
        inserted = await self.conn.execute(statement, rows)
        return len(inserted.all())

    async def _current(self, refs: Any) -> dict[str, dict[str, Any]]:
        """The stored rows of ``refs``, locked until the transaction ends (PostgreSQL; a
        SQLite writer holds the whole database), so that a concurrent writer recording an
        edit of the same message waits and then numbers its version after this one's. Rows
        are locked in id order, so two writers never deadlock."""
        refs = list(refs)
        if not refs:
            return {}
        rows = await self.conn.execute(
            select(raw_messages)
            .where(raw_messages.c.source_ref.in_(refs))
            .order_by(raw_messages.c.id)
            .with_for_update()
        )
        return {row["source_ref"]: dict(row) for row in rows.mappings()}

    async def _record_edits(
        self, changed: list[tuple[dict[str, Any], dict[str, Any]]], now: datetime
    ) -> None:
        await self.conn.execute(
            insert(raw_message_versions),
            [
                {
                    "raw_message_id": old["id"],
                    "version": old["version"],
                    "text": old["text"],
                    "raw_payload": old["raw_payload"],
                    "content_hash": old["content_hash"],
                    "edit_date": old["edit_date"],
                    "recorded_at": now,
                }
                for old, _ in changed
            ],
        )
        updatable = ("text", "raw_payload", "content_hash", "edit_date", "date", "language")
        await self.conn.execute(
            update(raw_messages)
            .where(raw_messages.c.id == bindparam("row_id"))
            .values(
                version=raw_messages.c.version + 1,
                updated_at=now,
                **{column: bindparam(f"new_{column}") for column in updatable},
            ),
            [
                {"row_id": old["id"]} | {f"new_{c}": new[c] for c in updatable}
                for old, new in changed
            ],
        )

    async def get(self, ref: str) -> dict[str, Any] | None:
        row = (
            (await self.conn.execute(select(raw_messages).where(raw_messages.c.source_ref == ref)))
            .mappings()
            .first()
        )
        return dict(row) if row else None

    async def history(self, ref: str) -> list[dict[str, Any]]:
        """Every version of a message, oldest first; the last one is the current text."""
        current = await self.get(ref)
        if current is None:
            return []
        rows = await self.conn.execute(
            select(raw_message_versions)
            .where(raw_message_versions.c.raw_message_id == current["id"])
            .order_by(raw_message_versions.c.version)
        )
        return [dict(row) for row in rows.mappings()] + [current]

    async def count(self, channel_id: str | None = None) -> int:
        query = select(func.count()).select_from(raw_messages)
        if channel_id is not None:
            query = query.where(raw_messages.c.channel_id == channel_id)
        return int((await self.conn.execute(query)).scalar_one())

    async def channels(self) -> list[str]:
        """Every channel with stored messages, sorted."""
        query = select(raw_messages.c.channel_id).distinct().order_by(raw_messages.c.channel_id)
        return list((await self.conn.execute(query)).scalars())

    async def posts_with_text(
        self, channel_id: str, texts: Collection[str], start: datetime, end: datetime
    ) -> list[tuple[int, datetime, str]]:
        """A channel's posts dated within [start, end] whose text is one of ``texts``."""
        if not texts:
            return []
        rows = await self.conn.execute(
            select(raw_messages.c.message_id, raw_messages.c.date, raw_messages.c.text).where(
                raw_messages.c.channel_id == channel_id,
                raw_messages.c.message_type == "post",
                raw_messages.c.date.between(start, end),
                raw_messages.c.text.in_(list(texts)),
            )
        )
        return [(int(message_id), date, text) for message_id, date, text in rows]

    async def texts(self, channel_id: str, message_type: MessageType) -> list[str]:
        """The current text of a channel's posts (or comments), oldest first."""
        rows = await self.conn.execute(
            select(raw_messages.c.text)
            .where(
                raw_messages.c.channel_id == channel_id,
                raw_messages.c.message_type == message_type,
            )
            .order_by(raw_messages.c.date, raw_messages.c.id)
        )
        return list(rows.scalars())

    async def rows(self, ids: Sequence[int]) -> list[dict[str, Any]]:
        """The raw messages with these row ids, in the order given."""
        found = await self.conn.execute(select(raw_messages).where(raw_messages.c.id.in_(ids)))
        by_id = {row["id"]: dict(row) for row in found.mappings()}
        return [by_id[i] for i in ids if i in by_id]

    async def post_texts(self, channel_id: str, post_ids: Collection[int]) -> dict[int, str]:
        """The current text of these posts of a channel, by message id (missing posts left out)."""
        if not post_ids:
            return {}
        rows = await self.conn.execute(
            select(raw_messages.c.message_id, raw_messages.c.text).where(
                raw_messages.c.channel_id == channel_id,
                raw_messages.c.message_type == "post",
                raw_messages.c.message_id.in_(list(post_ids)),
            )
        )
        return {int(message_id): text for message_id, text in rows}

    async def dates(self, refs: Collection[str]) -> dict[str, datetime]:
        """The date of each stored message among ``refs``, by source_ref."""
        ordered, found = sorted(refs), {}
        for start in range(0, len(ordered), _REFS_PER_QUERY):
            chunk = ordered[start : start + _REFS_PER_QUERY]
            rows = await self.conn.execute(
                select(raw_messages.c.source_ref, raw_messages.c.date).where(
                    raw_messages.c.source_ref.in_(chunk)
                )
            )
            found.update({ref: date for ref, date in rows})
        return found

    async def count_versions(self) -> int:
        query = select(func.count()).select_from(raw_message_versions)
        return int((await self.conn.execute(query)).scalar_one())


def _row(item: CollectedMessage, now: datetime) -> dict[str, Any]:
    message, edit_date = item.message, item.edit_date
    return {
        "source_ref": message.source_ref,
        "channel_id": message.channel_id,
        "message_type": message.message_type,
        "message_id": int(message.id),
        "parent_message_id": _int_or_none(message.parent_message_id),
        "thread_id": _int_or_none(message.thread_id),
        "date": message.date,
        "text": message.text,
        "language": message.language,
        "raw_payload": message.raw_payload,
        "content_hash": content_hash(message.text, edit_date),
        "edit_date": edit_date,
        "version": 1,
        "first_seen_at": now,
        "updated_at": now,
    }


def _newest_copies(batch: Sequence[CollectedMessage]) -> dict[str, CollectedMessage]:
    newest: dict[str, CollectedMessage] = {}
    for item in batch:
        kept = newest.get(item.message.source_ref)
        if kept is None or not _is_older(item.edit_date, kept.edit_date):
            newest[item.message.source_ref] = item
    return newest


def _is_older(edit_date: datetime | None, than: datetime | None) -> bool:
    return than is not None and (edit_date is None or edit_date < than)


def _int_or_none(value: str | None) -> int | None:
    return int(value) if value is not None else None
