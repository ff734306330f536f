"""An API client over the processed sample channel, on SQLite and on PostgreSQL."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest

import kb_sample
from tg_parser.api import create_app
from tg_parser.config import Settings
from tg_parser.store import Database
from tg_parser.testing.api import api_client

from . import other_channel


@pytest.fixture(autouse=True)
def _runs_in_process(monkeypatch: pytest.MonkeyPatch) -> None:
    """The API's runs are executed by the server itself, on PostgreSQL too (the worker
    backend has its own tests: test_runs_workers.py, tests/jobs/test_workers.py)."""
    monkeypatch.setenv("RUN_QUEUE", "in-process")


@pytest.fixture
async def sample_db(db: Database) -> Database:
    await kb_sample.build(db)
    return db


@pytest.fixture
async def client(settings: Settings, sample_db: Database) -> AsyncIterator[httpx.AsyncClient]:
    """A client of the API over the sample knowledge base (``kb_sample``)."""
    async with api_client(create_app(settings)) as http:
        yield http


@pytest.fixture
async def empty_client(settings: Settings) -> AsyncIterator[httpx.AsyncClient]:
    """A client of the API over an empty database."""
    async with api_client(create_app(settings)) as http:
        yield http


@pytest.fixture
async def two_channels_db(sample_db: Database) -> Database:
    """The sample channel and a second, small one (``other_channel``)."""
    await other_channel.build(sample_db)
    return sample_db


@pytest.fixture
async def two_client(
    settings: Settings, two_channels_db: Database
) -> AsyncIterator[httpx.AsyncClient]:
    """A client of the API over two channels (open: it sees both)."""
    async with api_client(create_app(settings)) as http:
        yield http
