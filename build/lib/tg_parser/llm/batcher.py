"""Micro-batching: callers submit one item each and wait; items are sent together.

A batch goes out when ``size`` items are waiting, or ``wait`` seconds after the first one
arrived, whichever comes first. ``send`` answers a batch with one result per item, in
order; an item it leaves unanswered (``None``) goes through ``single`` on its own. An error
of ``send`` is every waiting caller's error.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import Generic, TypeVar

T = TypeVar("T")
R = TypeVar("R")


@dataclass(frozen=True)
class _Waiting(Generic[T, R]):
    item: T
    future: asyncio.Future[R]


class MicroBatcher(Generic[T, R]):
    def __init__(
        self,
        send: Callable[[Sequence[T]], Awaitable[Sequence[R | None]]],
        single: Callable[[T], Awaitable[R]],
        *,
        size: int,
        wait: float = 0.05,
    ) -> None:
        self.send = send
        self.single = single
        self.size = size
        self.wait = wait
        self._waiting: list[_Waiting[T, R]] = []
        self._timer: asyncio.TimerHandle | None = None
        self._tasks: set[asyncio.Task[None]] = set()

    async def submit(self, item: T) -> R:
        loop = asyncio.get_running_loop()
        waiting = _Waiting(item, loop.create_future())
        self._waiting.append(waiting)
        if len(self._waiting) >= self.size:
            self._flush()
        elif self._timer is None:
            self._timer = loop.call_later(self.wait, self._flush)
        answer: R = await waiting.future
        return answer

    def _flush(self) -> None:
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        batch, self._waiting = self._waiting, []
        if batch:
            self._start(self._answer(batch))

    def _start(self, work: Awaitable[None]) -> None:
        task: asyncio.Task[None] = asyncio.ensure_future(work)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _answer(self, batch: list[_Waiting[T, R]]) -> None:
        try:
            results = await self.send([waiting.item for waiting in batch])
        except asyncio.CancelledError:
            for waiting in batch:
                waiting.future.cancel()
            raise
        except Exception as exc:  # the batch's error is every caller's error
            for waiting in batch:
                _fail(waiting.future, exc)
            return
        for waiting, result in zip(batch, results, strict=True):
            if result is None:
                self._start(self._alone(waiting))
            elif not waiting.future.done():
                waiting.future.set_result(result)

    async def _alone(self, waiting: _Waiting[T, R]) -> None:
        try:
            result = await self.single(waiting.item)
        except asyncio.CancelledError:
            waiting.future.cancel()
            raise
        except Exception as exc:
            _fail(waiting.future, exc)
        else:
            if not waiting.future.done():
                waiting.future.set_result(result)


def _fail(future: asyncio.Future[R], exc: Exception) -> None:
    if not future.done():
        future.set_exception(exc)
        future.exception()  # marked retrieved: its caller re-raises it (or was cancelled)
