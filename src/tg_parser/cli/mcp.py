"""`tg-parser mcp`: the MCP tools over stdio, for a desktop agent to start."""

from __future__ import annotations

import contextlib
from typing import TYPE_CHECKING

import typer

from tg_parser.cli.common import settings_of, with_database

if TYPE_CHECKING:
    from tg_parser.store import Database


def mcp(ctx: typer.Context) -> None:
    """Serve the knowledge base's read-only MCP tools over stdin/stdout (started by a
    desktop agent such as Claude Desktop) until the agent closes them."""
    settings = settings_of(ctx)

    async def serve(db: Database) -> None:
        from tg_parser.api.auth import OPEN
        from tg_parser.mcp.server import serve_stdio
        from tg_parser.mcp.tools import Caller

        await serve_stdio(Caller(db, settings, OPEN))

    with contextlib.suppress(KeyboardInterrupt):  # the agent stopped it: nothing to save
        with_database(ctx, serve)
