"""`tg-parser mcp` as a desktop agent starts it: a subprocess speaking MCP on stdin/stdout
(nothing else on stdout), driven by the SDK's own stdio client."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import mcp_sample
from mcp.client import Client
from mcp.client.stdio import StdioServerParameters
from mcp_fixtures import call, refused

import kb_sample
from tg_parser.config import Settings
from tg_parser.store import Database


def server(database_url: str, cwd: Path) -> StdioServerParameters:
    env = {"DATABASE_URL": database_url, "LOG_LEVEL": "WARNING", "PATH": os.environ["PATH"]}
    return StdioServerParameters(
        command=sys.executable, args=["-m", "tg_parser", "mcp"], env=env, cwd=cwd
    )


async def test_every_tool_answers_over_stdio(tmp_path: Path) -> None:
    database_url = f"sqlite:///{tmp_path / 'kb.sqlite'}"
    db = await Database.open(Settings(database_url=database_url))
    try:
        await mcp_sample.build(db)
    finally:
        await db.close()
    async with Client(server(database_url, tmp_path)) as client:
        tools = (await client.list_tools()).tools
        channels = await call(client, "list_channels")
        topics = await call(client, "list_topics", channel=kb_sample.CHANNEL, limit=2)
        topic = await call(client, "get_topic", topic_id=topics["items"][0]["id"], limit=2)
        thread = await call(client, "get_thread", source_ref="tg:technotes:comment:85")
        messages = await call(client, "get_messages", source_refs=[mcp_sample.INJECTED_REF])
        found = await call(client, "search", query="PostgreSQL vacuum", mode="lexical", limit=2)
        error = await refused(client, "get_topic", topic_id="topic:tg:nosuch:post:1")
    assert len(tools) == 6
    assert channels["total"] == 2  # stdio is the local user's: every channel
    assert topics["next_cursor"] and len(topic["items"]) == 2
    assert thread["post_ref"] == "tg:technotes:post:111" and thread["total"] == 5
    assert messages["items"][0]["text"] == {"untrusted_text": mcp_sample.INJECTION}
    assert len(found["items"]) == 2
    assert error.startswith("no topic")


def test_a_database_it_cannot_open_is_one_line_on_stderr_and_nothing_on_stdout(
    tmp_path: Path,
) -> None:
    env = os.environ | {"DATABASE_URL": f"sqlite:///{tmp_path / 'missing' / 'kb.sqlite'}"}
    done = subprocess.run(
        [sys.executable, "-m", "tg_parser", "mcp"],
        env=env,
        cwd=tmp_path,
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode != 0 and done.stdout == ""
    assert done.stderr.startswith("Error: DATABASE_URL: folder") and done.stderr.count("\n") == 1
