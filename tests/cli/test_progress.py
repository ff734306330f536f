"""The one progress display: a labelled bar per stage and subject, whatever service reports."""

from __future__ import annotations

import pytest

from tg_parser.cli.progress import ProgressDisplay, amount
from tg_parser.models import Progress


@pytest.mark.parametrize(
    ("progress", "shown"),
    [
        (Progress("process", 120, 500), "120/500 messages"),
        (Progress("ingest", 1500, subject="garden_notes"), "1,500 messages"),
        (Progress("embedding", 3, 7, unit="documents"), "3/7 documents"),
        (
            Progress("import", 3_100_000, 9_800_000, "bytes", "result.json", 4210),
            "3.1/9.8 MB, 4,210 messages",
        ),
    ],
)
def test_amounts_are_labelled_with_their_unit(progress: Progress, shown: str) -> None:
    assert amount(progress) == shown


def test_a_bar_per_stage_and_subject_moves_with_its_reports() -> None:
    with ProgressDisplay() as display:
        display(Progress("import", 100, 1000, "bytes", "result.json", 7))
        display(Progress("import", 1000, 1000, "bytes", "result.json", 70))
        display(Progress("import", 50, 500, "bytes", "group.json", 3))
        display(Progress("process", 4, 0))
        tasks = {task.description: task for task in display.bars.tasks}
    assert list(tasks) == ["Importing result.json", "Importing group.json", "Processing"]
    done = tasks["Importing result.json"]
    assert (done.completed, done.total, done.fields["amount"]) == (
        1000,
        1000,
        "0.0/0.0 MB, 70 messages",
    )
    assert tasks["Processing"].total is None
