"""What every command shares: settings, the database, output helpers.

Command modules import only Typer, Rich and this at load time; the settings, the store and
the services are imported where they are used, so `--help` and shell completion answer at
once (a test keeps SQLAlchemy, Alembic, the model SDKs, Telethon and numpy out of it).
"""

from __future__ import annotations

import json
import signal
from collections.abc import Awaitable, Callable, Coroutine, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any, TypeVar

import typer
from rich.console import Console

if TYPE_CHECKING:
    import asyncio

    from tg_parser.config import Settings
    from tg_parser.store import Database

T = TypeVar("T")

console = Console(highlight=False)
err_console = Console(stderr=True, highlight=False)

JSON_OPTION = typer.Option(False, "--json", help="Print machine-readable JSON.")
NOISE_LABELS = {  # the kinds of noise (tg_parser.text.noise.NOISE_KINDS) as printed
    "advertising": "ads",
    "cross_promotion": "cross-promotion",
    "giveaway": "giveaways",
    "greeting": "greetings",
    "notice": "notices",
    "navigation": "navigation",
    "unreadable": "unreadable",
    "one_liner": "one-liners",
    "media_only": "media only",
    "empty": "empty",
    "other": "other",
}


@dataclass
class State:
    """What the root command hands its commands: the settings, read (and logging
    configured) when a command first needs them, never for `--help` or completion."""

    loaded: Settings | None = None

    @property
    def settings(self) -> Settings:
        if self.loaded is None:
            from tg_parser.config import load_settings
            from tg_parser.log import configure_logging

            self.loaded = load_settings()
            configure_logging(self.loaded)
        return self.loaded


def settings_of(ctx: typer.Context) -> Settings:
    state: State = ctx.find_root().obj
    return state.settings


class Terminated(KeyboardInterrupt):
    """SIGTERM (`docker stop`, systemd, `timeout`) stopped the command: handled like Ctrl-C
    (the work is cancelled, what was done is saved, the run is ``cancelled``), exit 143."""

    exit_code = 128 + signal.SIGTERM


def run(coro: Coroutine[Any, Any, T]) -> T:
    """Run ``coro`` in a new event loop; SIGTERM cancels it as Ctrl-C does, and then
    ``Terminated`` is raised."""
    import asyncio

    sigterm = _Sigterm()
    try:
        return asyncio.run(sigterm.cancels(coro))
    except asyncio.CancelledError:
        if sigterm.received:
            raise Terminated from None
        raise


@dataclass
class _Sigterm:
    received: bool = False

    async def cancels(self, coro: Coroutine[Any, Any, T]) -> T:
        """Await ``coro``; the first SIGTERM meanwhile cancels it (later ones are ignored,
        so the work can save what it has)."""
        import asyncio

        loop, task = asyncio.get_running_loop(), asyncio.current_task()
        assert task is not None
        loop.add_signal_handler(signal.SIGTERM, self._cancel, task)
        try:
            return await coro
        finally:
            loop.remove_signal_handler(signal.SIGTERM)

    def _cancel(self, task: asyncio.Task[Any]) -> None:
        if not self.received:
            self.received = True
            task.cancel()


PROVIDER_OPTION = typer.Option(
    None,
    "--provider",
    help="Model provider for this command: openai, anthropic, gemini, ollama, offline or auto "
    "(default: LLM_PROVIDER).",
)
MODEL_OPTION = typer.Option(
    None, "--model", help="Model for this command (default: LLM_MODEL or the provider's)."
)
CONCURRENCY_OPTION = typer.Option(
    None,
    "--concurrency",
    min=1,
    help="Most model calls in flight (default: LLM_CONCURRENCY); lowered on 429s, raised back.",
)


def announce(notice: str | None) -> None:
    """Tell the user (on stderr) about a choice made for them, e.g. processing offline."""
    if notice:
        err_console.print(notice, soft_wrap=True)


def with_database(
    ctx: typer.Context, work: Callable[[Database], Awaitable[T]], *, check_schema: bool = True
) -> T:
    """Open the database, run ``work`` on it, close it; all in one event loop."""
    from tg_parser.store import Database

    async def _main() -> T:
        db = await Database.open(settings_of(ctx), check_schema=check_schema)
        try:
            return await work(db)
        finally:
            await db.close()

    return run(_main())


def print_json(data: Any) -> None:
    typer.echo(json.dumps(data, ensure_ascii=False, indent=2, default=_json_default))


def print_table(columns: Sequence[str], rows: Sequence[Sequence[Any]], title: str = "") -> None:
    from rich.table import Table

    table = Table(title=title or None)
    for index, column in enumerate(columns):
        table.add_column(column, no_wrap=index == 0)  # the first column is the identifier
    for row in rows:
        table.add_row(*(format_cell(value) for value in row))
    console.print(table)


def format_cell(value: Any) -> str:
    if value is None:
        return "-"
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M:%S")
    return str(value)


def _json_default(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.isoformat()
    raise TypeError(f"not JSON serialisable: {type(value).__name__}")
