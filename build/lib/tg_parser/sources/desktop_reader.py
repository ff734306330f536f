"""An export chat's regular messages in batches, read here or in a worker process.

Parsing and converting a large export is most of an import's CPU time; a worker process
does it while this process stores the previous batches, so a big import uses two cores.
The queue between them holds at most two batches, so memory stays flat. Small files are
read in this process (starting a worker costs more than it saves).
"""

from __future__ import annotations

import asyncio
import multiprocessing
import multiprocessing.connection
import os
import queue
import threading
from collections import Counter
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from itertools import islice
from pathlib import Path
from typing import Any

from tg_parser.errors import ExportFormatError
from tg_parser.models import CollectedMessage
from tg_parser.sources.desktop import ExportChat, ExportFile
from tg_parser.sources.desktop_messages import ExportMessage, message_kind, read_message, timezone

WORKER_MIN_BYTES = 16 * 2**20
_QUEUE_BATCHES = 2
_POLL_SECONDS = 1.0


@dataclass(frozen=True)
class ReadBatch:
    """A batch of regular messages — as the channel's posts when read for a channel, else
    as they are (a discussion group's, to be threaded) —, what was skipped on the way
    (counts), and how far the file is read."""

    messages: list[ExportMessage]
    posts: list[CollectedMessage]
    counts: Counter[str]
    bytes_read: int


class BatchReader:
    """Reads one chat: service messages and ids repeated in the file are counted and skipped."""

    def __init__(
        self, path: Path, chat: ExportChat, zone_name: str, post_channel: str | None
    ) -> None:
        self.export = ExportFile.open(path)
        self.chat, self.zone, self.post_channel = chat, timezone(zone_name), post_channel
        self.seen: set[int] = set()

    def batches(self, size: int) -> Iterator[ReadBatch]:
        items = self.export.messages(self.chat)
        while chunk := list(islice(items, size)):
            counts: Counter[str] = Counter(messages_read=len(chunk))
            messages = [m for m in (self._read(item, counts) for item in chunk) if m]
            if self.post_channel is None:
                yield ReadBatch(messages, [], counts, self.export.bytes_read)
            else:
                posts = [m.collected(self.post_channel) for m in messages]
                yield ReadBatch([], posts, counts, self.export.bytes_read)

    def _read(self, item: dict[str, Any], counts: Counter[str]) -> ExportMessage | None:
        kind = message_kind(item, self.export.path)
        if kind != "message":
            counts["service_skipped" if kind == "service" else "unsupported_skipped"] += 1
            return None
        message = read_message(item, self.zone, self.export.path)
        if message.id in self.seen:
            counts["duplicate_ids"] += 1
            return None
        self.seen.add(message.id)
        return message


async def read_batches(
    reader: tuple[Path, ExportChat, str, str | None], size: int, *, worker_min_bytes: int
) -> AsyncIterator[ReadBatch]:
    """The batches of ``BatchReader(*reader)``; files of ``worker_min_bytes`` or more are
    read by a worker process."""
    path = reader[0]
    if path.stat().st_size < worker_min_bytes:
        for batch in BatchReader(*reader).batches(size):
            yield batch
        return
    context = multiprocessing.get_context("spawn")
    channel: Any = context.Queue(maxsize=_QUEUE_BATCHES)
    worker = context.Process(target=_produce, args=(reader, size, channel), daemon=True)
    worker.start()
    try:
        while (received := await asyncio.to_thread(_receive, channel, worker)) is not None:
            yield received
    finally:
        if worker.is_alive():
            worker.kill()
        worker.join()


def _produce(reader: tuple[Path, ExportChat, str, str | None], size: int, channel: Any) -> None:
    """The worker: every batch, then None; or the error that stopped it."""
    _exit_with_parent()
    try:
        for batch in BatchReader(*reader).batches(size):
            channel.put(batch)
        channel.put(None)
    except Exception as exc:
        channel.put(exc)


def _exit_with_parent() -> None:
    """End the worker when its parent process ends, however it ends: killed with -9 the
    parent cannot stop the worker, which would wait forever on the full queue, holding the
    file, its memory and multiprocessing's resource tracker (alive while anyone holds its
    pipe). A thread waits on the parent's sentinel, which becomes ready when it is gone."""
    parent = multiprocessing.parent_process()
    if parent is not None:
        threading.Thread(target=_exit_when_ended, args=(parent.sentinel,), daemon=True).start()


def _exit_when_ended(sentinel: int) -> None:
    multiprocessing.connection.wait([sentinel])
    os._exit(1)


def _receive(channel: Any, worker: Any) -> Any:
    """The worker's next batch (None at the end); its error is raised here."""
    while True:
        try:
            item = channel.get(timeout=_POLL_SECONDS)
        except queue.Empty:
            if not worker.is_alive():
                raise ExportFormatError(
                    "the export reader process stopped unexpectedly: run the import again"
                ) from None
            continue
        if isinstance(item, Exception):
            raise item
        return item
