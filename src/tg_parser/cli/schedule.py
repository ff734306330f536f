"""`tg-parser schedule` (the scheduler in the foreground) and `tg-parser schedule list`."""

from __future__ import annotations

from datetime import timedelta
from typing import TYPE_CHECKING, Any

import typer

from tg_parser.cli.common import JSON_OPTION, print_json, print_table, with_database

if TYPE_CHECKING:
    from tg_parser.models import Run
    from tg_parser.schedule import SourcePlan, TickReport
    from tg_parser.store import Database

app = typer.Typer(
    help="The scheduler: run each source's pipeline every poll interval; list the schedule."
)


@app.callback(invoke_without_command=True)
def schedule(
    ctx: typer.Context,
    once: bool = typer.Option(
        False, "--once", help="One tick: run the sources due now, wait for their runs, exit."
    ),
    as_json: bool = typer.Option(False, "--json", help="With --once: print the tick as JSON."),
) -> None:
    """Run the scheduler in the foreground, without the API: every SCHEDULE_TICK_SECONDS,
    run the pipeline of each source that is due (in this process). Ctrl-C or SIGTERM
    stops it; runs at work then end `cancelled`."""
    if ctx.invoked_subcommand is not None:
        return
    if not once:
        with_database(ctx, _forever)
        return
    report, runs = with_database(ctx, _once)
    if as_json:
        print_json(report.to_json_dict() | {"runs": [_run_json(run) for run in runs]})
        return
    _print_tick(report, runs)


@app.command("list")
def list_(ctx: typer.Context, as_json: bool = JSON_OPTION) -> None:
    """List each source's poll interval, state, next run and last outcome."""
    from tg_parser.schedule import schedule_plans

    plans = with_database(ctx, schedule_plans)
    if as_json:
        print_json([plan.to_json() for plan in plans])
        return
    if not plans:
        typer.echo("No sources yet: add one with `tg-parser sources add @channel`.")
        return
    print_table(
        ["source", "state", "every", "next run", "last outcome", "last run", "why"],
        [_row(plan) for plan in plans],
    )


async def _forever(db: Database) -> None:
    from tg_parser.jobs import InProcessQueue
    from tg_parser.schedule import run_schedule

    queue = InProcessQueue(db)
    await queue.start()
    try:
        every = db.settings.schedule_tick_seconds
        typer.echo(f"Scheduling every {every:g} s (Ctrl-C stops).")
        await run_schedule(db, queue, every=every, on_tick=_echo_tick)
    finally:
        await queue.stop()


async def _once(db: Database) -> tuple[TickReport, list[Run]]:
    from tg_parser.jobs import InProcessQueue
    from tg_parser.schedule import tick, wait_for_runs

    queue = InProcessQueue(db)
    await queue.start()
    try:
        report = await tick(db, queue)
        return report, await wait_for_runs(db, report.run_ids("queued"))
    finally:
        await queue.stop()


def _echo_tick(report: TickReport) -> None:
    for entry in report.entries:
        run = f" (run {entry.run_id})" if entry.run_id else ""
        detail = f": {entry.detail}" if entry.detail else ""
        typer.echo(f"{report.at:%H:%M:%S} {entry.channel} {entry.action}{run}{detail}")


def _print_tick(report: TickReport, runs: list[Run]) -> None:
    if not report.entries:
        typer.echo("No source is due; `tg-parser schedule list` shows when each runs next.")
        return
    ended = {run.id: run for run in runs}
    for entry in report.entries:
        run = ended.get(entry.run_id or "")
        outcome = f"run {run.id} {run.status}" if run else entry.action
        detail = (run.error if run else entry.detail) or ""
        typer.echo(f"{entry.channel}: {outcome}" + (f" ({detail})" if detail else ""))


def _run_json(run: Run) -> dict[str, Any]:
    data = {"id": run.id, "channel": run.channel, "status": run.status}
    return data | ({"error": run.error} if run.error else {})


def _row(plan: SourcePlan) -> list[object]:
    record = plan.record
    return [
        plan.source.channel_key,
        plan.state,
        timedelta(seconds=plan.interval_seconds),
        plan.next_run_at,
        record.outcome if record else None,
        record.run_id if record else None,
        plan.reason,
    ]
