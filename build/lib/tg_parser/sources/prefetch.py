"""Reading an async iterator ahead of its consumer, so waiting and working overlap."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import suppress
from typing import TypeVar

T = TypeVar("T")


async def prefetch(items: AsyncIterator[T], depth: int) -> AsyncIterator[T]:
    """The items of ``items``, fetched up to ``depth`` ahead by a task while the consumer
    works on earlier ones (a network request in flight while the previous answer is
    converted or stored). The source's error comes after the items it yielded before
    failing; leaving early cancels the task and closes the source."""
    queue: asyncio.Queue[tuple[T] | BaseException | None] = asyncio.Queue(depth)

    async def pump() -> None:
        try:
            async for item in items:
                await queue.put((item,))
        except asyncio.CancelledError:
            raise
        except BaseException as exc:  # handed over to the consumer, raised there
            await queue.put(exc)
        else:
            await queue.put(None)

    reader = asyncio.create_task(pump())
    try:
        while (entry := await queue.get()) is not None:
            if isinstance(entry, BaseException):
                raise entry
            yield entry[0]
    finally:
        reader.cancel()
        with suppress(asyncio.CancelledError):
            await reader
        close = getattr(items, "aclose", None)
        if close is not None:
            await close()
