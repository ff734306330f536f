"""The MCP server on the official ``mcp`` SDK (the one module that imports it): the tools
of :mod:`tg_parser.mcp.tools` behind a low-level ``Server``, served over stdio or handed
to a streamable HTTP session manager.

A call's answer is the tool's JSON, both as ``structured_content`` and as one text block.
Bad arguments and tg-parser errors (an unknown channel, topic or message) are tool errors
(``is_error``) with one line the agent can act on; anything else is logged and answered as
an internal error, never with its text. An unknown tool name is a protocol error.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from importlib.metadata import version
from typing import Any

import structlog
from mcp.server import Server, ServerRequestContext
from mcp.server.stdio import stdio_server
from mcp.server.streamable_http_manager import StreamableHTTPSessionManager
from mcp.server.transport_security import TransportSecuritySettings
from mcp.shared.exceptions import MCPError
from mcp.types import (
    INVALID_PARAMS,
    CallToolRequestParams,
    CallToolResult,
    ListToolsResult,
    PaginatedRequestParams,
    TextContent,
    Tool,
    ToolAnnotations,
)
from pydantic import ValidationError

from tg_parser.errors import TgParserError
from tg_parser.mcp.quoting import INSTRUCTIONS
from tg_parser.mcp.tools import TOOLS, Caller

log = structlog.get_logger(__name__)

CallerOf = Callable[[Any], Caller]
"""The caller of a request, from the HTTP request it came in (None over stdio)."""

LOOPBACK_HOSTS = ["127.0.0.1:*", "localhost:*", "[::1]:*"]


def build_server(caller_of: CallerOf) -> Server[Any]:
    """The tools as an MCP server; ``caller_of`` says who calls and over which database."""

    async def call_tool(ctx: ServerRequestContext[Any], params: CallToolRequestParams) -> Any:
        tool = TOOLS.get(params.name)
        if tool is None:
            raise MCPError(INVALID_PARAMS, f"no tool {params.name!r}: see tools/list")
        try:
            args = tool.args.model_validate(params.arguments or {})
            answer = await tool.run(caller_of(ctx.request), args)
        except ValidationError as exc:
            return _error(_invalid(exc))
        except TgParserError as exc:
            return _error(exc.message)
        except Exception:
            log.exception("mcp_tool_failed", tool=params.name)
            return _error("internal error: see the server's log")
        text = json.dumps(answer, ensure_ascii=False)
        return CallToolResult(content=[TextContent(text=text)], structured_content=answer)

    return Server(
        "tg-parser",
        version=version("tg-parser"),
        title="tg-parser knowledge base",
        instructions=INSTRUCTIONS,
        on_list_tools=_list_tools,
        on_call_tool=call_tool,
    )


async def _list_tools(
    ctx: ServerRequestContext[Any], params: PaginatedRequestParams | None
) -> ListToolsResult:
    return ListToolsResult(
        tools=[
            Tool(
                name=tool.name,
                description=tool.description,
                input_schema=tool.args.model_json_schema(),
                annotations=ToolAnnotations(
                    read_only_hint=True, destructive_hint=False, open_world_hint=False
                ),
            )
            for tool in TOOLS.values()
        ]
    )


def _error(message: str) -> CallToolResult:
    return CallToolResult(content=[TextContent(text=message)], is_error=True)


def _invalid(exc: ValidationError) -> str:
    """The first bad argument, named, in one line (the value is not echoed)."""
    first = exc.errors()[0]
    name = ".".join(str(part) for part in first["loc"]) or "arguments"
    return f"bad argument {name}: {first['msg']}"


async def serve_stdio(caller: Caller) -> None:
    """Answer one client on stdin/stdout until it closes them."""
    server = build_server(lambda _request: caller)
    async with stdio_server() as (read, write):
        await server.run(read, write, server.create_initialization_options())


def http_sessions(caller_of: CallerOf, *, loopback: bool) -> StreamableHTTPSessionManager:
    """A session manager for streamable HTTP: stateless, JSON answers (every call stands
    alone, so any number of clients and processes serve alike). On a loopback address the
    Host and Origin headers must be local too (no DNS rebinding from a web page)."""
    security = None
    if loopback:
        security = TransportSecuritySettings(
            enable_dns_rebinding_protection=True,
            allowed_hosts=LOOPBACK_HOSTS,
            allowed_origins=[f"http://{host}" for host in LOOPBACK_HOSTS],
        )
    return StreamableHTTPSessionManager(
        app=build_server(caller_of), json_response=True, stateless=True, security_settings=security
    )
