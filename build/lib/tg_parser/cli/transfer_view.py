"""What `tg-parser db migrate` prints: the plan (or what was copied) table by table, then
the verification; or all of it as JSON."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from tg_parser.cli.common import console, print_table

if TYPE_CHECKING:
    from tg_parser.transfer import TablePlan, TransferReport

DRY_ACTIONS = {"copy": "would copy", "append": "would add missing rows", "skip": "already copied"}
ACTIONS = {"copy": "copied", "append": "added missing rows", "skip": "already copied"}


def print_report(report: TransferReport) -> None:
    if report.tables:
        _print_tables(report)
    if report.checks:
        _print_checks(report)


def _print_tables(report: TransferReport) -> None:
    actions = DRY_ACTIONS if report.dry_run else ACTIONS
    rows = [
        (plan.table, plan.source_rows, plan.target_rows, actions[plan.action], _added(plan))
        for plan in report.tables
    ]
    console.print(f"{report.source} → {report.target} (schema {report.revision})")
    if report.dry_run:
        print_table(("table", "source rows", "target rows", "action"), [r[:4] for r in rows])
    else:
        print_table(("table", "source rows", "target rows", "action", "rows added"), rows)
    schema = "create the schema" if report.create_schema else "use the existing schema"
    to_copy = sum(plan.source_rows for plan in report.tables if plan.action != "skip")
    if report.dry_run:
        console.print(
            f"Dry run: would {schema} at {report.revision} and copy up to {to_copy:,} rows; "
            "nothing was written."
        )
    elif all(plan.action == "skip" for plan in report.tables):
        console.print("Nothing to copy: every table had been copied already.")
    else:
        rate = report.rows_copied / report.copy_seconds if report.copy_seconds else 0.0
        console.print(
            f"Copied {report.rows_copied:,} rows in {report.copy_seconds:.1f}s "
            f"({rate:,.0f} rows/s)."
        )


def _added(plan: TablePlan) -> int | None:
    return None if plan.action == "skip" else plan.copied


def _print_checks(report: TransferReport) -> None:
    different = report.first_difference
    rows = sum(check.source_rows for check in report.checks)
    if different is None:
        console.print(
            f"Verified: {len(report.checks)} tables, {rows:,} rows equal on both sides "
            f"({report.verify_seconds:.1f}s)."
        )
        return
    rows_of = [
        (c.table, c.source_rows, c.target_rows, "equal" if c.equal else "DIFFERENT")
        for c in report.checks
    ]
    print_table(("table", "source rows", "target rows", "verification"), rows_of)


def report_json(report: TransferReport) -> dict[str, Any]:
    return {
        "source": report.source,
        "target": report.target,
        "revision": report.revision,
        "create_schema": report.create_schema,
        "dry_run": report.dry_run,
        "tables": [vars(plan) for plan in report.tables],
        "rows_copied": report.rows_copied,
        "copy_seconds": round(report.copy_seconds, 3),
        "verification": _checks_json(report) if report.checks else None,
    }


def _checks_json(report: TransferReport) -> dict[str, Any]:
    return {
        "equal": report.first_difference is None,
        "seconds": round(report.verify_seconds, 3),
        "tables": [
            {
                "table": check.table,
                "equal": check.equal,
                "source_rows": check.source_rows,
                "target_rows": check.target_rows,
                "source_sha256": check.source_sha256,
                "target_sha256": check.target_sha256,
                "first_difference": check.first_difference,
            }
            for check in report.checks
        ],
    }
