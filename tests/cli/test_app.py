"""The root command: errors become one line and the class's exit code, with or without
--debug; bad database settings are errors of the tree, not tracebacks."""

from __future__ import annotations

import pytest
from typer.testing import CliRunner, Result

from tg_parser.cli.app import app

runner = CliRunner()


def assert_one_line_error(result: Result, exit_code: int, message: str) -> None:
    assert result.exit_code == exit_code, result.output
    assert result.stderr.startswith("Error: "), result.stderr
    assert len(result.stderr.strip().splitlines()) == 1, result.stderr
    assert message in result.stderr
    assert result.exception is None or isinstance(result.exception, SystemExit)


# --- --debug ----------------------------------------------------------------------------

DEBUG_CASES = {
    "ProviderError (6)": (["process", "--provider", "openai"], 6, "No OpenAI API key"),
    "InputError (2)": (["import", "missing.json"], 2, "missing.json does not exist"),
}


@pytest.mark.parametrize("case", DEBUG_CASES)
def test_debug_shows_the_traceback_and_keeps_the_exit_code(cli_env: str, case: str) -> None:
    args, exit_code, message = DEBUG_CASES[case]
    plain = runner.invoke(app, args)
    assert_one_line_error(plain, exit_code, message)

    debug = runner.invoke(app, ["--debug", *args])

    assert debug.exit_code == exit_code, debug.output
    assert "Traceback (most recent call last)" in debug.stderr
    last = debug.stderr.strip().splitlines()[-1]
    assert last.startswith("Error: ") and message in last
