"""Comment cursors: per discussion thread, the newest comment id stored for a source."""

from __future__ import annotations

from collections.abc import Mapping

from sqlalchemy import bindparam, insert, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from tg_parser.clock import utcnow
from tg_parser.store.tables import comment_cursors


class CommentCursorRepository:
    def __init__(self, conn: AsyncConnection) -> None:
        self.conn = conn

    async def get(self, source_id: int) -> dict[int, int]:
        """Post id → newest stored comment id, for every thread of the source."""
        rows = await self.conn.execute(
            select(comment_cursors.c.post_id, comment_cursors.c.last_comment_id).where(
                comment_cursors.c.source_id == source_id
            )
        )
        return {int(post_id): int(last) for post_id, last in rows}

    async def advance(self, source_id: int, cursors: Mapping[int, int]) -> None:
        """Record the newest comment id per thread; a cursor is never moved back."""
        if not cursors:
            return
        stored = await self._stored(source_id, list(cursors))
        now = utcnow()
        new = [post for post in cursors if post not in stored]
        raised = [post for post in cursors if post in stored and cursors[post] > stored[post]]
        if new:
            await self.conn.execute(
                insert(comment_cursors),
                [
                    {"source_id": source_id, "post_id": post, "last_comment_id": cursors[post]}
                    | {"updated_at": now}
                    for post in new
                ],
            )
        if raised:
            await self.conn.execute(
                update(comment_cursors)
                .where(comment_cursors.c.source_id == source_id)
                .where(comment_cursors.c.post_id == bindparam("post"))
                .values(last_comment_id=bindparam("last"), updated_at=now),
                [{"post": post, "last": cursors[post]} for post in raised],
            )

    async def _stored(self, source_id: int, posts: list[int]) -> dict[int, int]:
        rows = await self.conn.execute(
            select(comment_cursors.c.post_id, comment_cursors.c.last_comment_id).where(
                comment_cursors.c.source_id == source_id,
                comment_cursors.c.post_id.in_(posts),
            )
        )
        return {int(post_id): int(last) for post_id, last in rows}
