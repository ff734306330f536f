"""The browser over the sample channel, a second channel and a post written in HTML, on
SQLite and on PostgreSQL; keys of each kind a browser can hold."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest

import kb_sample
from api import other_channel
from tg_parser.api import create_app
from tg_parser.config import Settings
from tg_parser.store import Database
from tg_parser.testing.api import api_client

from . import hostile


@pytest.fixture
async def web_db(db: Database) -> Database:
    await kb_sample.build(db)
    await other_channel.build(db)
    await hostile.build(db)
    return db


@pytest.fixture
async def browser(settings: Settings, web_db: Database) -> AsyncIterator[httpx.AsyncClient]:
    """A client of the pages (no key exists: served on loopback, they are open)."""
    async with api_client(create_app(settings)) as http:
        yield http
