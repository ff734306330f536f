"""The root command: it answers `--help`, `--version` and TAB without loading the store, the
services or any SDK; `-h` is `--help` everywhere."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from typing import Any, get_args

import pytest
import typer
from typer.testing import CliRunner

from tg_parser import keys as key_service
from tg_parser.cli import keys, runs, sources
from tg_parser.cli.app import app
from tg_parser.models import RunStatus, SourceVia

runner = CliRunner()
HEAVY = (
    "sqlalchemy",
    "alembic",
    "openai",
    "anthropic",
    "google.genai",
    "telethon",
    "numpy",
    "sklearn",
    "tg_parser.config",
    "tg_parser.store",
)
# run the CLI in a fresh interpreter, then list the heavy modules it loaded
PROBE = """
import json, sys
from tg_parser.cli.app import app
try:
    app(sys.argv[1:], prog_name="tg-parser")
except SystemExit:
    pass
heavy = json.loads(sys.stdin.read())
print(json.dumps(sorted(name for name in heavy if name in sys.modules)), file=sys.stderr)
"""
COMPLETION = {"_TG_PARSER_COMPLETE": "complete_bash", "COMP_CWORD": "2"}


@pytest.mark.parametrize(
    ("argv", "env"),
    [
        ([], {}),
        (["--help"], {}),
        (["topics", "--help"], {}),
        (["process", "-h"], {}),
        ([], COMPLETION | {"COMP_WORDS": "tg-parser topics "}),
    ],
)
def test_help_and_completion_load_no_heavy_module(argv: list[str], env: dict[str, str]) -> None:
    done = subprocess.run(
        [sys.executable, "-c", PROBE, *argv],
        input=json.dumps(HEAVY),
        env=os.environ | env,
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    )
    assert json.loads(done.stderr.strip().splitlines()[-1]) == []


def test_version() -> None:
    result = runner.invoke(app, ["--version"])
    assert result.exit_code == 0
    assert result.stdout.startswith("tg-parser ") and result.stdout.strip()[-1].isdigit()


def _commands(command: Any, path: tuple[str, ...] = ()) -> list[tuple[str, ...]]:
    """Every command's path, groups included, from the root's (empty) down."""
    found = [path]
    for name, sub in getattr(command, "commands", {}).items():
        found += _commands(sub, (*path, name))
    return found


@pytest.mark.parametrize("path", _commands(typer.main.get_command(app)), ids=" ".join)
def test_dash_h_is_help_on_every_command(path: tuple[str, ...]) -> None:
    long = runner.invoke(app, [*path, "--help"])
    short = runner.invoke(app, [*path, "-h"])
    assert long.exit_code == short.exit_code == 0
    assert short.stdout == long.stdout and "-h, --help" in short.stdout


@pytest.mark.parametrize(
    ("cli_choice", "model_choice"),
    [
        (sources.Via, SourceVia),
        (runs.Status, RunStatus),
        (keys.Scope, key_service.Scope),
    ],
)
def test_the_cli_choices_spelt_out_agree_with_the_models(
    cli_choice: Any, model_choice: Any
) -> None:
    assert get_args(cli_choice) == get_args(model_choice)
