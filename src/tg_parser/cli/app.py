"""The `tg-parser` command: the root Typer app and the one place errors become exit codes.

Loading it imports the command modules only (Typer, Rich and their options), never the
store, the services or the model SDKs: `--help`, `--version` and shell completion answer
at once; settings are read when a command first needs them."""

from __future__ import annotations

import sys
import traceback
from typing import Any

import typer
from typer.core import TyperGroup

from tg_parser.cli import (
    db,
    export,
    failures,
    imports,
    ingest,
    keys,
    mcp,
    process,
    run,
    runs,
    schedule,
    search,
    serve,
    sources,
    status,
    telegram,
    topics,
    usage,
    worker,
)
from tg_parser.cli.common import State, Terminated, err_console
from tg_parser.errors import TgParserError


class RootGroup(TyperGroup):
    """Turns tg-parser errors into one actionable line and the class's exit code; --debug
    shows the traceback above that line and keeps the exit code, so scripts see the same
    outcome either way."""

    def invoke(self, ctx: Any) -> Any:
        try:
            return super().invoke(ctx)
        except TgParserError as exc:
            if _debug:
                sys.stderr.write(_masked_traceback(ctx))
            err_console.print(f"Error: {exc.message}", soft_wrap=True)
            raise typer.Exit(exc.exit_code) from exc
        except KeyboardInterrupt as exc:
            stopped = "Stopped (SIGTERM)" if isinstance(exc, Terminated) else "Interrupted"
            err_console.print(f"{stopped}; run the command again to continue where it stopped.")
            raise typer.Exit(exc.exit_code if isinstance(exc, Terminated) else 130) from None


def _masked_traceback(ctx: Any) -> str:
    """The traceback of the error being handled, with the configured secrets and anything
    that looks like a credential masked: an SDK's exception chained below ours may quote
    the key a provider echoed."""
    from tg_parser.llm.client import mask

    state = ctx.obj
    settings = state.loaded if isinstance(state, State) else None
    secrets = settings.secret_values() if settings is not None else ()
    return mask(traceback.format_exc(), secrets)


app = typer.Typer(
    name="tg-parser",
    cls=RootGroup,
    help="Turn Telegram channels into a topic-organised knowledge base.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
    context_settings={"help_option_names": ["-h", "--help"]},
)
app.add_typer(db.app, name="db")
app.add_typer(sources.app, name="sources")
app.add_typer(runs.app, name="runs")
app.add_typer(topics.app, name="topics")
app.add_typer(telegram.app, name="telegram")
app.add_typer(failures.app, name="failures")
app.add_typer(keys.app, name="keys")
app.add_typer(schedule.app, name="schedule")
app.command("init")(db.init)
app.command("import")(imports.import_desktop)
app.command("process")(process.process)
app.command("export")(export.export)
app.command("run")(run.run)
app.command("ingest")(ingest.ingest)
app.command("search")(search.search)
app.command("status")(status.status)
app.command("usage")(usage.usage)
app.command("serve")(serve.serve)
app.command("mcp")(mcp.mcp)
app.command("worker")(worker.worker)

_debug = False


def _print_version(asked: bool) -> None:
    if asked:
        from importlib.metadata import version

        typer.echo(f"tg-parser {version('tg-parser')}")
        raise typer.Exit()


@app.callback()
def root(
    ctx: typer.Context,
    debug: bool = typer.Option(False, "--debug", help="Show full tracebacks on errors."),
    show_version: bool = typer.Option(
        False, "--version", is_eager=True, callback=_print_version, help="Print the version."
    ),
) -> None:
    global _debug
    _debug = debug
    ctx.obj = State()


def main() -> None:
    app()
