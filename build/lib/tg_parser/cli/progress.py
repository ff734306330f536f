"""The one progress display of the CLI: a bar per stage (and per file or channel), on
stderr, only on a terminal. Every service reports the same ``Progress``; this turns it
into a labelled bar — done of total in the stage's unit, its rate and the time left."""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.progress import (
    BarColumn,
    ProgressColumn,
    Task,
    TaskID,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)
from rich.progress import Progress as Bars
from rich.text import Text

from tg_parser.cli.common import err_console

if TYPE_CHECKING:
    from tg_parser.models import Progress

LABELS = {
    "import": "Importing",
    "ingest": "Collecting",
    "process": "Processing",
    "embedding": "Embedding",
    "cards": "Writing cards",
    "topics": "Building topics",
    "export": "Exporting",
    "copy": "Copying",
    "verify": "Verifying",
    "backup": "Backing up",
}
MB = 1_000_000


class ProgressDisplay:
    """``with ProgressDisplay() as display: service(db, options, display)``."""

    def __init__(self) -> None:
        self.bars = Bars(
            TextColumn("{task.description:<28}"),
            BarColumn(),
            TextColumn("{task.fields[amount]}"),
            RateColumn(),
            TimeElapsedColumn(),
            TimeRemainingColumn(),
            console=err_console,
            transient=True,
            disable=not err_console.is_terminal,
        )
        self.tasks: dict[tuple[str, str], TaskID] = {}

    def __enter__(self) -> ProgressDisplay:
        self.bars.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.bars.stop()

    def __call__(self, progress: Progress) -> None:
        """Move the stage's bar (a new one for a stage or subject not seen yet)."""
        task = self._task(progress)
        total = progress.total or None
        self.bars.update(task, completed=progress.done, total=total, amount=amount(progress))

    def _task(self, progress: Progress) -> TaskID:
        key = (progress.stage, progress.subject)
        if key not in self.tasks:
            label = " ".join(filter(None, (LABELS.get(progress.stage), progress.subject)))
            self.tasks[key] = self.bars.add_task(label, total=None, amount="", unit=progress.unit)
        return self.tasks[key]


def amount(progress: Progress) -> str:
    """How much is done, labelled: "120/500 messages", "3.1/9.8 MB, 4,210 messages"."""
    if progress.unit == "bytes":
        read = f"{progress.done / MB:,.1f}/{progress.total / MB:,.1f} MB"
        return read if progress.messages is None else f"{read}, {progress.messages:,} messages"
    if not progress.total:
        return f"{progress.done:,} {progress.unit}"
    return f"{progress.done:,}/{progress.total:,} {progress.unit}"


class RateColumn(ProgressColumn):
    """Units per second (MB/s for bytes), once rich has measured it."""

    def render(self, task: Task) -> Text:
        if not task.speed:
            return Text("")
        if task.fields["unit"] == "bytes":
            return Text(f"{task.speed / MB:,.1f} MB/s")
        return Text(f"{task.speed:,.1f}/s")
