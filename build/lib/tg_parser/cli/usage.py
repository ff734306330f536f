"""`tg-parser usage`: model calls, tokens and estimated cost per provider and model."""

from __future__ import annotations

from typing import TYPE_CHECKING

import typer

from tg_parser.cli.common import (
    JSON_OPTION,
    console,
    print_json,
    print_table,
    settings_of,
    with_database,
)

if TYPE_CHECKING:
    from tg_parser.usage import UsageReport

SINCE_OPTION = typer.Option(
    None, "--since", help="Only calls from this date or datetime on (ISO, e.g. 2026-11-01)."
)
RUN_OPTION = typer.Option(None, "--run", help="Only the calls of this run.")


def usage(
    ctx: typer.Context,
    since: str | None = SINCE_OPTION,
    run_id: str | None = RUN_OPTION,
    json_output: bool = JSON_OPTION,
) -> None:
    """Show model calls, tokens and estimated cost per provider and model."""
    from tg_parser.llm.pricing import PriceTable
    from tg_parser.registry import parse_when
    from tg_parser.usage import usage_report

    prices = PriceTable.load(settings_of(ctx).llm_prices_file)
    start = parse_when(since, "--since") if since else None
    report = with_database(ctx, lambda db: usage_report(db, prices, since=start, run_id=run_id))
    if json_output:
        print_json(report.to_json_dict())
    elif not report.models:
        console.print("No model calls recorded yet: they appear when a model processes messages.")
    else:
        print_usage(report)


def print_usage(report: UsageReport, title: str = "Model usage") -> None:
    rows = [
        [
            m.provider,
            m.model,
            m.calls,
            m.failed,
            m.input_tokens,
            m.output_tokens,
            m.reasoning_tokens,
            m.mean_latency_ms,
            _cost(m.cost_usd),
        ]
        for m in report.models
    ]
    print_table(
        ["provider", "model", "calls", "failed", "input", "output", "reasoning", "ms/call", "USD"],
        rows,
        title=title,
    )
    console.print(f"Estimated cost: {_cost(report.cost_usd)} for {report.calls} calls")


def _cost(value: float | None) -> str:
    return "no price (see LLM_PRICES_FILE)" if value is None else f"${value:,.4f}"
