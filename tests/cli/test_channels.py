"""Every command that takes ``--channel`` refuses a channel tg-parser does not know, in one
line that names the known channels, and changes nothing: not the database, not the files
of an earlier export."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import pytest
import typer
from sqlalchemy import func, select
from typer.core import TyperGroup
from typer.testing import CliRunner

import kb_sample
from tg_parser.cli.app import app
from tg_parser.config import Settings
from tg_parser.store.database import Database
from tg_parser.store.tables import metadata

runner = CliRunner()

# command path -> arguments besides --channel (an explicit provider is not announced)
LOOKUPS = {
    ("export",): ["--out", "{out}"],
    ("process",): ["--provider", "offline"],
    ("run",): ["--out", "{out}", "--provider", "offline"],
    ("failures", "list"): [],
    ("search",): ["espresso", "--mode", "lexical"],
    ("topics", "build"): ["--provider", "offline"],
    ("topics", "list"): [],
    ("topics", "target", "add"): ["Which editor to use?"],
    ("keys", "create"): ["ci", "--scope", "read"],
}
# commands whose --channel names a channel to create, not one to find
NAMING = {("import",)}


def channel_commands(command: Any, path: tuple[str, ...] = ()) -> set[tuple[str, ...]]:
    """The paths of every command with a ``--channel`` option."""
    if isinstance(command, TyperGroup):
        return {
            found
            for name, sub in command.commands.items()
            for found in channel_commands(sub, (*path, name))
        }
    options = {opt for param in command.params for opt in getattr(param, "opts", [])}
    return {path} if "--channel" in options else set()


def test_the_table_covers_every_command_with_a_channel_option() -> None:
    assert channel_commands(typer.main.get_command(app)) == set(LOOKUPS) | NAMING


async def _snapshot(url: str, out: Path) -> tuple[dict[str, int], dict[str, bytes]]:
    """The row count of every table and the bytes of every exported file."""
    db = await Database.open(Settings(database_url=url))
    try:
        async with db.engine.connect() as conn:
            rows = {
                table.name: (await conn.execute(select(func.count()).select_from(table))).scalar()
                for table in metadata.sorted_tables
            }
    finally:
        await db.close()
    return {k: int(v or 0) for k, v in rows.items()}, {
        p.name: p.read_bytes() for p in out.iterdir()
    }


@pytest.fixture
def exported(cli_env: str, tmp_path: Path) -> Path:
    """The sample channel, processed and topicised, exported into ``kb``."""
    asyncio.run(kb_sample.build_at(cli_env))
    out = tmp_path / "kb"
    assert runner.invoke(app, ["export", "--out", str(out)]).exit_code == 0
    return out


@pytest.mark.parametrize("command", sorted(LOOKUPS))
def test_an_unknown_channel_is_one_line_and_changes_nothing(
    exported: Path, cli_env: str, command: tuple[str, ...]
) -> None:
    before = asyncio.run(_snapshot(cli_env, exported))
    args = [arg.format(out=exported) for arg in LOOKUPS[command]]

    result = runner.invoke(app, [*command, *args, "--channel", "@typo"])

    assert result.exit_code == 3, result.output
    assert result.stderr.splitlines() == [
        "Error: no channel 'typo' (known: technotes): add one with "
        "`tg-parser sources add @name` or `tg-parser import EXPORT`"
    ]
    assert asyncio.run(_snapshot(cli_env, exported)) == before
