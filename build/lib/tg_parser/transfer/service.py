"""Moving a knowledge base from SQLite to PostgreSQL (`tg-parser db migrate`), and proving
the copy equal (`--verify-only`).

The target's schema is made by our migrations at the source's revision. Tables are copied
in dependency order, each in one transaction of the target, so a copy that fails or is
killed leaves complete tables and empty ones: running it again finds the complete tables
(their row counts and checksums equal the source's) and copies the rest. A target holding
anything else is refused unless ``append`` (rows whose key is already there are kept).
Every copy ends with the verification: per table, row counts and a checksum of every row.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Literal

import structlog
from sqlalchemy import Table
from sqlalchemy.ext.asyncio import AsyncConnection

from tg_parser.config import Settings
from tg_parser.errors import InputError, VerificationError
from tg_parser.models import OnProgress, Progress
from tg_parser.store import Database, bulk, checksum
from tg_parser.store.checksum import TableCheck
from tg_parser.store.tables import metadata
from tg_parser.transfer.ends import Ends, open_ends

log = structlog.get_logger(__name__)

Action = Literal["copy", "append", "skip"]


@dataclass(frozen=True)
class TransferOptions:
    source: str  # a SQLite URL or file path
    target: str | None = None  # a PostgreSQL URL (None: the configured database)
    append: bool = False
    dry_run: bool = False
    verify_only: bool = False
    batch_size: int = 5000


@dataclass
class TablePlan:
    table: str
    source_rows: int
    target_rows: int
    action: Action
    copied: int = 0  # rows added to the target


@dataclass
class TransferReport:
    source: str
    target: str
    revision: str
    create_schema: bool = False
    dry_run: bool = False
    tables: list[TablePlan] = field(default_factory=list)
    checks: list[TableCheck] = field(default_factory=list)
    copy_seconds: float = 0.0
    verify_seconds: float = 0.0

    @property
    def rows_copied(self) -> int:
        return sum(plan.copied for plan in self.tables)

    @property
    def first_difference(self) -> TableCheck | None:
        return next((check for check in self.checks if not check.equal), None)


async def transfer(
    settings: Settings, options: TransferOptions, progress: OnProgress | None = None
) -> TransferReport:
    """Plan, copy and verify (or only verify) ``options.source`` into ``options.target``;
    ``settings`` lend both databases their pool and timeouts."""
    ends = await open_ends(settings, options.source, options.target)
    try:
        report = TransferReport(ends.source_name, ends.target_name, ends.revision)
        report.create_schema = ends.create_schema
        report.dry_run = options.dry_run
        if options.verify_only:
            if ends.create_schema:
                raise InputError(
                    f"the target {ends.target_name} has no tg-parser schema: nothing to verify "
                    "(copy into it with `tg-parser db migrate` first)"
                )
            await _verify(ends, options, report, progress)
            return report
        report.tables, checked = await _plan(ends, options, progress)
        if options.dry_run:
            return report
        if all(plan.action == "skip" for plan in report.tables):
            report.checks = checked  # every table was just verified by the plan
            return report
        await _copy(ends, options, report, progress)
        await _verify(ends, options, report, progress)
        return report
    finally:
        await ends.close()


async def _plan(
    ends: Ends, options: TransferOptions, progress: OnProgress | None
) -> tuple[list[TablePlan], list[TableCheck]]:
    """What to do with each table, and the checks of the tables found already copied."""
    tables = metadata.sorted_tables
    source_counts = await _counts(ends.source, tables)
    done: int | None = 0
    if ends.create_schema:  # nothing there yet, not even the tables to check
        target_counts = [0] * len(tables)
    else:
        target_counts = await _counts(ends.target, tables)
        done = _copied_prefix(source_counts, target_counts)
    checked: list[TableCheck] = []
    if not options.append and done:
        checked = await _checks(ends, tables[:done], options, progress)
    if options.append:
        actions: list[Action] = ["append"] * len(tables)
    elif done is None or not all(check.equal for check in checked):
        raise InputError(
            f"the target {ends.target_name} already holds rows ({_held(tables, target_counts)}) "
            "that are not an interrupted copy of this source: use an empty database, or pass "
            "--append to add to it"
        )
    else:
        skips: list[Action] = ["skip"] * done
        copies: list[Action] = ["copy"] * (len(tables) - done)
        actions = skips + copies
    plans = [
        TablePlan(table.name, rows, held, action)
        for table, rows, held, action in zip(
            tables, source_counts, target_counts, actions, strict=True
        )
    ]
    return plans, checked


def _copied_prefix(source: list[int], target: list[int]) -> int | None:
    """How many leading tables an interrupted copy finished: the most tables whose counts
    equal the source's, followed by empty tables only; None when the target holds rows no
    interrupted copy leaves."""
    for done in range(len(target), -1, -1):
        if target[:done] == source[:done] and not any(target[done:]):
            return done
    return None


def _held(tables: list[Table], counts: list[int]) -> str:
    pairs = zip(tables, counts, strict=True)
    held = [f"{table.name}: {count:,}" for table, count in pairs if count]
    return ", ".join(held[:3]) + (", …" if len(held) > 3 else "")


async def _copy(
    ends: Ends, options: TransferOptions, report: TransferReport, progress: OnProgress | None
) -> None:
    if ends.create_schema:
        await ends.target.upgrade(ends.revision)
    started = time.perf_counter()
    tables = {table.name: table for table in metadata.sorted_tables}
    async with ends.source.engine.connect() as source:  # one snapshot of the source
        for plan in report.tables:
            if plan.action != "skip":
                table = tables[plan.table]
                plan.copied = await _copy_table(ends, source, table, plan, options, progress)
    report.copy_seconds = time.perf_counter() - started
    log.info("db_migrate_copied", rows=report.rows_copied, seconds=round(report.copy_seconds, 2))


async def _copy_table(
    ends: Ends,
    source: AsyncConnection,
    table: Table,
    plan: TablePlan,
    options: TransferOptions,
    progress: OnProgress | None,
) -> int:
    on_batch = _counter("copy", table.name, plan.source_rows, progress)
    batches = bulk.read_ahead(bulk.stored_rows(source, table, options.batch_size))
    async with ends.target.engine.begin() as target:
        copied = await bulk.copy_into(
            target, table, batches, keep_existing=plan.action == "append", on_batch=on_batch
        )
        await bulk.reset_sequence(target, table)
    return copied


async def _verify(
    ends: Ends, options: TransferOptions, report: TransferReport, progress: OnProgress | None
) -> None:
    started = time.perf_counter()
    report.checks = await _checks(ends, metadata.sorted_tables, options, progress)
    report.verify_seconds = time.perf_counter() - started
    log.info("db_migrate_verified", equal=report.first_difference is None)


async def _checks(
    ends: Ends, tables: list[Table], options: TransferOptions, progress: OnProgress | None
) -> list[TableCheck]:
    checks = []
    async with ends.source.engine.connect() as source, ends.target.engine.connect() as target:
        for table in tables:
            total = await bulk.count_rows(source, table)
            on_batch = _counter("verify", table.name, total, progress)
            checks.append(
                await checksum.compare_table(source, target, table, options.batch_size, on_batch)
            )
    return checks


def _counter(
    stage: str, subject: str, total: int, progress: OnProgress | None
) -> Callable[[int], None]:
    """A callback that adds each batch's rows to the stage's bar of ``subject``."""
    done = 0

    def on_batch(rows: int) -> None:
        nonlocal done
        done += rows
        if progress:
            progress(Progress(stage, done, total, unit="rows", subject=subject))

    if progress:
        progress(Progress(stage, 0, total, unit="rows", subject=subject))
    return on_batch


async def _counts(db: Database, tables: list[Table]) -> list[int]:
    async with db.engine.connect() as conn:
        return [await bulk.count_rows(conn, table) for table in tables]


def check_equal(report: TransferReport) -> None:
    """Raise VerificationError naming the first table whose copy differs, if one does."""
    check = report.first_difference
    if check is None:
        return
    where = f"; first differing key {check.first_difference}" if check.first_difference else ""
    raise VerificationError(
        f"table {check.table} differs: source {check.source_rows:,} rows, target "
        f"{check.target_rows:,} rows{where} — run `tg-parser db migrate` into an empty "
        "database to copy it again"
    )
