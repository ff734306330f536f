"""How far a stage has got: the one progress report every service sends.

Each service takes an optional ``OnProgress`` callback and calls it with a ``Progress`` as
work advances; entry points decide how to show it (the CLI draws a bar per stage). The
stage names the bar, ``subject`` what it works on (a file, a channel), and ``unit`` what
``done`` and ``total`` count. When a stage can only measure its total in bytes (an export
file read as it streams), it says so with ``unit="bytes"`` and counts the messages read
so far in ``messages``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class Progress:
    stage: str  # "import", "ingest", "process", "embedding", "cards", "topics", "export"
    done: int
    total: int = 0  # 0: not known (yet)
    unit: str = "messages"  # what done and total count: messages, documents, topics, bytes…
    subject: str = ""  # what the stage works on now: a file name, a channel
    messages: int | None = None  # messages so far, when done and total count bytes


OnProgress = Callable[[Progress], None]
