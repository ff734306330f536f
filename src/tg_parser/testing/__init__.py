"""Fakes shipped with the package, for tests and demos: remote services faked at the wire.

- :class:`FakeTelegramWeb` — a loopback HTTP server speaking t.me's web preview.
- :class:`FakeTelegramClient` — a Telethon client over messages rebuilt from real dumps.
"""

from tg_parser.testing.telegram import TELETHON_CHUNK, FakeChat, FakeTelegramClient
from tg_parser.testing.web import FakeTelegramWeb, RecordedRequest, Reply, SyntheticChannel

__all__ = [
    "TELETHON_CHUNK",
    "FakeChat",
    "FakeTelegramClient",
    "FakeTelegramWeb",
    "RecordedRequest",
    "Reply",
    "SyntheticChannel",
]
