"""`tg-parser runs list/show`: the record of every stage execution."""

from __future__ import annotations

from typing import TYPE_CHECKING, Literal

import typer

from tg_parser.cli.common import JSON_OPTION, print_json, print_table, settings_of, with_database
from tg_parser.cli.usage import print_usage

if TYPE_CHECKING:
    from tg_parser.models import Run
    from tg_parser.store import Database
    from tg_parser.usage import UsageReport

app = typer.Typer(help="Show the runs of every stage (import, …).", no_args_is_help=True)

# tg_parser.models.RunStatus, spelt out so that loading the CLI does not load the models
# (a test checks they agree)
Status = Literal["queued", "running", "succeeded", "failed", "cancelled"]
STATUS = typer.Option(
    None,
    "--status",
    help="Only runs with this status: queued, running, succeeded, failed, cancelled.",
)


@app.command("list")
def list_(
    ctx: typer.Context,
    stage: str | None = typer.Option(None, "--stage", help="Only runs of this stage, e.g. import."),
    status: Status | None = STATUS,
    limit: int = typer.Option(20, "--limit", min=1, help="How many runs to show, newest first."),
    as_json: bool = JSON_OPTION,
) -> None:
    """List recent runs, newest first."""
    from tg_parser.runs import list_runs

    runs = with_database(ctx, lambda db: list_runs(db, limit=limit, stage=stage, status=status))
    if as_json:
        print_json([run.model_dump(mode="json") for run in runs])
        return
    if not runs:
        typer.echo("No runs yet: they appear when a stage runs, e.g. `tg-parser import`.")
        return
    print_table(
        ["id", "stage", "status", "started", "seconds", "counters", "error"],
        [_row(run) for run in runs],
    )


@app.command()
def show(
    ctx: typer.Context,
    run_id: str = typer.Argument(..., help="The run id from `tg-parser runs list`."),
    as_json: bool = JSON_OPTION,
) -> None:
    """Show every field of one run, its counters, and its model calls with their cost."""
    from tg_parser.llm.pricing import PriceTable
    from tg_parser.runs import get_run
    from tg_parser.usage import usage_report

    prices = PriceTable.load(settings_of(ctx).llm_prices_file)

    async def load(db: Database) -> tuple[Run, UsageReport]:
        return await get_run(db, run_id), await usage_report(db, prices, run_id=run_id)

    run, usage = with_database(ctx, load)
    if as_json:
        extra = {"llm_usage": usage.to_json_dict()} if usage.models else {}
        print_json(run.model_dump(mode="json") | extra)
        return
    fields = run.model_dump(exclude={"counters", "result", "progress"})
    print_table(["field", "value"], list(fields.items()), title=f"Run {run.id}")
    print_table(["counter", "value"], sorted(run.counters.items()), title="Counters")
    if usage.models:
        print_usage(usage, title="Model calls")


def _row(run: Run) -> list[object]:
    counters = ", ".join(f"{name}={value}" for name, value in sorted(run.counters.items()) if value)
    return [
        run.id,
        run.stage,
        _status(run),
        run.started_at,
        run.duration_seconds,
        counters,
        run.error,
    ]


def _status(run: Run) -> str:
    """The status; a running run's says when it last gave a sign of life (its heartbeat),
    so a run whose process is gone stands out before a later run closes it."""
    if run.status != "running":
        return run.status
    from tg_parser.clock import utcnow

    seconds = int((utcnow() - (run.heartbeat_at or run.started_at)).total_seconds())
    return f"running (heartbeat {seconds}s ago)"
