"""Every command, option and setting is documented (fails when one is added without docs)."""

from __future__ import annotations

import re
import shlex
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import typer.main

from tg_parser.cli.app import app
from tg_parser.config import Settings

DOCS = Path(__file__).resolve().parent.parent / "docs"
HEADING = re.compile(r"^#+ `(tg-parser[^`]*)`\s*$", re.MULTILINE)


def walk(command: Any, path: str) -> Iterator[tuple[str, Any]]:
    """Every command of the tree with its full name, groups included."""
    yield path, command
    for name, sub in sorted(getattr(command, "commands", {}).items()):
        yield from walk(sub, f"{path} {name}")


COMMANDS = list(walk(typer.main.get_command(app), "tg-parser"))


def cli_sections() -> dict[str, str]:
    """The text under each "## `tg-parser …`" heading of docs/cli.md, by command name."""
    text = (DOCS / "cli.md").read_text(encoding="utf-8")
    headings = list(HEADING.finditer(text))
    ends = [h.start() for h in headings[1:]] + [len(text)]
    return {h.group(1): text[h.end() : end] for h, end in zip(headings, ends, strict=True)}


def documented_names(param: Any) -> list[str]:
    """How a parameter is written in the docs: its option flags, or its argument name."""
    if param.param_type_name == "argument":
        return [param.name.upper()]
    return [*param.opts, *param.secondary_opts]


def test_the_tree_is_found() -> None:
    names = {name for name, _ in COMMANDS}
    assert {"tg-parser import", "tg-parser sources add", "tg-parser runs show"} <= names


@pytest.mark.parametrize(("name", "command"), COMMANDS, ids=[name for name, _ in COMMANDS])
def test_command_and_its_parameters_are_documented(name: str, command: Any) -> None:
    sections = cli_sections()
    assert name in sections, f"docs/cli.md has no '## `{name}`' section"
    missing = [
        flag
        for param in command.params
        for flag in documented_names(param)
        if f"`{flag}" not in sections[name]
    ]
    assert not missing, f"docs/cli.md section `{name}` does not mention {missing}"


def test_cli_docs_describe_no_command_that_does_not_exist() -> None:
    names = {name for name, _ in COMMANDS}
    assert set(cli_sections()) <= names


SETTINGS = sorted(Settings.model_fields.items())


@pytest.mark.parametrize(("name", "field"), SETTINGS, ids=[name for name, _ in SETTINGS])
def test_setting_is_documented(name: str, field: Any) -> None:
    assert field.description, f"Settings.{name} has no description"
    rows = [
        line
        for line in (DOCS / "configuration.md").read_text(encoding="utf-8").splitlines()
        if line.startswith(f"| `{name.upper()}` |")
    ]
    assert len(rows) == 1, f"docs/configuration.md needs one table row for {name.upper()}"
    assert f"| `{shown_default(field.default)}` |" in rows[0], (
        f"the default of {name.upper()} in docs/configuration.md is not "
        f"{shown_default(field.default)!r}"
    )


def shown_default(value: Any) -> str:
    if value is None:
        return "unset"
    if value in ("", []):
        return "empty"
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, float):
        return f"{value:g}"
    return str(value)


GUIDE_COMMAND = re.compile(r"^\$ (?:[A-Z_]+=\S+ )*tg-parser (.+)$", re.MULTILINE)


def guide_commands() -> list[str]:
    """The `tg-parser …` command lines of the operations guide's console examples."""
    return GUIDE_COMMAND.findall((DOCS / "operations.md").read_text(encoding="utf-8"))


def test_the_operations_guide_has_commands() -> None:
    assert len(guide_commands()) >= 5


@pytest.mark.parametrize("line", guide_commands())
def test_operations_guide_commands_parse(line: str) -> None:
    """Each command line names real commands and options, and parses as written."""
    words = shlex.split(re.sub(r"\$\([^)]*\)", "X", line))  # $(date +%F) is one word
    command = typer.main.get_command(app)
    while words and words[0] in getattr(command, "commands", {}):
        command = command.commands[words.pop(0)]
    runs_alone = getattr(command, "invoke_without_command", False)  # `tg-parser schedule`
    assert runs_alone or not getattr(command, "commands", None), f"{line!r} names a group"
    command.make_context(command.name, words)  # a usage error fails the test
