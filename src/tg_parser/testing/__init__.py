"""Fakes shipped with the package, for tests and demos: remote services faked at the wire,
and our own interfaces faked by small deterministic classes.

- :class:`FakeTelegramWeb` — a loopback HTTP server speaking t.me's web preview.
- :class:`FakeTelegramClient` — a Telethon client over messages rebuilt from real dumps.
- :class:`FakeChannel`, :class:`FakeLiveSources` — live sources without a network
  (``testing/sources.py``).
- :class:`WordEmbedder` — an embedder without a model (``testing/embed.py``).
- :class:`HeldQueue` — a run queue that executes nothing (``testing/queues.py``).
- ``testing/llm/`` — loopback servers speaking each model provider's API.
"""

from tg_parser.testing.embed import WordEmbedder
from tg_parser.testing.queues import HeldQueue
from tg_parser.testing.sources import FakeChannel, FakeLiveSources
from tg_parser.testing.telegram import TELETHON_CHUNK, FakeChat, FakeTelegramClient
from tg_parser.testing.web import FakeTelegramWeb, RecordedRequest, Reply, SyntheticChannel

__all__ = [
    "TELETHON_CHUNK",
    "FakeChannel",
    "FakeChat",
    "FakeLiveSources",
    "FakeTelegramClient",
    "FakeTelegramWeb",
    "HeldQueue",
    "RecordedRequest",
    "Reply",
    "SyntheticChannel",
    "WordEmbedder",
]
