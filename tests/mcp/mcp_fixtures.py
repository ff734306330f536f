"""Fixtures and helpers of the MCP tests (plain module; test modules import what they use:
a ``conftest.py`` here would take the name of ``tests/conftest.py``, and an ``__init__.py``
would make this folder a package named ``mcp``, hiding the SDK).

The MCP server over real streamable HTTP: `serve`'s app under uvicorn in this process (its
lifespan runs the MCP session manager), and the SDK's own client of it."""

from __future__ import annotations

import asyncio
import json
import socket
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import mcp_sample
import pytest
import uvicorn
from fastapi import FastAPI
from mcp.client import Client
from mcp.client.streamable_http import streamable_http_client
from mcp.shared._httpx_utils import create_mcp_http_client

from tg_parser.api import create_app
from tg_parser.config import Settings
from tg_parser.store import Database


@pytest.fixture
async def kb(db: Database) -> Database:
    await mcp_sample.build(db)
    return db


@pytest.fixture
async def url(settings: Settings, kb: Database) -> AsyncIterator[str]:
    """The ``/mcp`` address of `serve`'s app over the sample knowledge base."""
    async with serving(create_app(settings)) as address:
        yield address


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@asynccontextmanager
async def serving(app: FastAPI) -> AsyncIterator[str]:
    """``app`` served by uvicorn on a free loopback port while the block runs."""
    port = free_port()
    config = uvicorn.Config(
        app, host="127.0.0.1", port=port, log_config=None, access_log=False, ws="none"
    )
    server = uvicorn.Server(config)
    task = asyncio.create_task(server.serve())
    while not server.started:
        if task.done():
            task.result()  # the error that stopped it
        await asyncio.sleep(0.01)
    try:
        yield f"http://127.0.0.1:{port}/mcp"
    finally:
        server.should_exit = True
        await task


@asynccontextmanager
async def connect(url: str, key: str | None = None) -> AsyncIterator[Client]:
    """The SDK's client over streamable HTTP, sending ``key`` as a Bearer token."""
    headers = {"Authorization": f"Bearer {key}"} if key else None
    async with (
        create_mcp_http_client(headers=headers) as http,
        Client(streamable_http_client(url, http_client=http)) as mcp,
    ):
        yield mcp


async def call(client: Client, tool: str, **arguments: Any) -> dict[str, Any]:
    """The structured answer of a tool call that succeeded (its text block says the same)."""
    result = await client.call_tool(tool, arguments)
    text = result.content[0].text  # type: ignore[union-attr]
    assert not result.is_error, text
    assert json.loads(text) == result.structured_content
    answer: dict[str, Any] = result.structured_content
    return answer


async def refused(client: Client, tool: str, **arguments: Any) -> str:
    """The one-line error of a tool call that failed."""
    result = await client.call_tool(tool, arguments)
    assert result.is_error, result.structured_content
    assert result.structured_content is None
    message: str = result.content[0].text  # type: ignore[union-attr]
    assert "\n" not in message and "Traceback" not in message
    return message
