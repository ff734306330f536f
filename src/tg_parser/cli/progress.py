"""One progress display for long work: a bar per stage, on stderr, only on a terminal."""

from __future__ import annotations

from collections.abc import Callable

from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    ProgressColumn,
    Task,
    TaskID,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)
from rich.text import Text

from tg_parser.cli.common import err_console

# done, total (0: not known yet)
Advance = Callable[[int, int], None]


class StageProgress:
    """``with StageProgress() as progress: work(progress.stage("Exporting"))``."""

    def __init__(self) -> None:
        self.progress = Progress(
            TextColumn("{task.description:<16}"),
            BarColumn(),
            MofNCompleteColumn(),
            RateColumn(),
            TimeElapsedColumn(),
            TimeRemainingColumn(),
            console=err_console,
            transient=True,
            disable=not err_console.is_terminal,
        )

    def __enter__(self) -> StageProgress:
        self.progress.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.progress.stop()

    def stage(self, description: str) -> Advance:
        """A new bar; the returned callback moves it (``done`` of ``total``)."""
        task = self.progress.add_task(description, total=None)
        return lambda done, total: self._update(task, done, total)

    def phases(self) -> Callable[[str, int, int], None]:
        """A callback for work in named phases (``phase, done, total``): a bar per phase."""
        bars: dict[str, Advance] = {}

        def advance(phase: str, done: int, total: int) -> None:
            if phase not in bars:
                bars[phase] = self.stage(phase.capitalize())
            bars[phase](done, total)

        return advance

    def _update(self, task: TaskID, done: int, total: int) -> None:
        self.progress.update(task, completed=done, total=total or None)


class RateColumn(ProgressColumn):
    """Items per second, once rich has measured it."""

    def render(self, task: Task) -> Text:
        return Text(f"{task.speed:,.1f}/s" if task.speed else "")
