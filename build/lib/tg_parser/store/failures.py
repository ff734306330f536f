"""Processing failures: one row per message and stage that failed, until it succeeds."""

from __future__ import annotations

import builtins
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import bindparam, delete, insert, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from tg_parser.store.tables import processing_failures


@dataclass(frozen=True)
class Failure:
    """A message a stage could not handle: the error's class and one-line message."""

    source_ref: str
    error_class: str
    error_message: str


@dataclass(frozen=True)
class FailureRecord:
    """A stored failure: how often the stage failed on the message, last in which run."""

    source_ref: str
    stage: str
    run_id: str | None
    attempts: int
    error_class: str
    error_message: str
    created_at: datetime
    updated_at: datetime

    def to_json_dict(self) -> dict[str, Any]:
        record = {
            "source_ref": self.source_ref,
            "stage": self.stage,
            "run_id": self.run_id,
            "attempts": self.attempts,
            "error_class": self.error_class,
            "error_message": self.error_message,
            "created_at": self.created_at.isoformat(),
            "updated_at": self.updated_at.isoformat(),
        }
        return {key: value for key, value in record.items() if value is not None}


class FailureRepository:
    def __init__(self, conn: AsyncConnection) -> None:
        self.conn = conn

    async def record(
        self, stage: str, failures: Sequence[Failure], *, run_id: str | None, now: datetime
    ) -> None:
        """Store the failures; a message that failed before counts one more attempt."""
        if not failures:
            return
        table = processing_failures
        known = set(
            (
                await self.conn.execute(
                    select(table.c.source_ref).where(
                        table.c.stage == stage,
                        table.c.source_ref.in_([f.source_ref for f in failures]),
                    )
                )
            ).scalars()
        )
        rows = [_row(failure, stage, run_id, now) for failure in failures]
        new = [row for row in rows if row["source_ref"] not in known]
        repeated = [row for row in rows if row["source_ref"] in known]
        if new:
            await self.conn.execute(insert(table), new)
        if repeated:
            await self._count_again(stage, repeated)

    async def _count_again(self, stage: str, rows: list[dict[str, Any]]) -> None:
        table = processing_failures
        await self.conn.execute(
            update(table)
            .where(table.c.stage == stage, table.c.source_ref == bindparam("ref"))
            .values(
                attempts=table.c.attempts + 1,
                run_id=bindparam("new_run_id"),
                error_class=bindparam("new_error_class"),
                error_message=bindparam("new_error_message"),
                updated_at=bindparam("new_updated_at"),
            ),
            [
                {
                    "ref": row["source_ref"],
                    "new_run_id": row["run_id"],
                    "new_error_class": row["error_class"],
                    "new_error_message": row["error_message"],
                    "new_updated_at": row["updated_at"],
                }
                for row in rows
            ],
        )

    async def clear(self, stage: str, refs: Collection[str]) -> None:
        """Forget the failures of messages the stage has now handled."""
        if refs:
            await self.conn.execute(
                delete(processing_failures).where(
                    processing_failures.c.stage == stage,
                    processing_failures.c.source_ref.in_(list(refs)),
                )
            )

    async def list(self, *, stage: str | None = None) -> builtins.list[FailureRecord]:
        """Failures (of one stage), most recent first."""
        table = processing_failures
        query = select(table).order_by(table.c.updated_at.desc(), table.c.source_ref)
        if stage is not None:
            query = query.where(table.c.stage == stage)
        rows = (await self.conn.execute(query)).mappings()
        return [
            FailureRecord(**{key: row[key] for key in FailureRecord.__dataclass_fields__})
            for row in rows
        ]


def _row(failure: Failure, stage: str, run_id: str | None, now: datetime) -> dict[str, Any]:
    return {
        "source_ref": failure.source_ref,
        "stage": stage,
        "run_id": run_id,
        "attempts": 1,
        "error_class": failure.error_class,
        "error_message": failure.error_message,
        "created_at": now,
        "updated_at": now,
    }
