"""Export options: the date bounds of --from/--to (and of the API's filters)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from tg_parser.errors import InputError
from tg_parser.export.options import date_bound


@pytest.mark.parametrize(
    ("text", "end", "moment"),
    [
        ("2025-03-01", False, datetime(2025, 3, 1, tzinfo=UTC)),
        ("2025-03-01", True, datetime(2025, 3, 1, 23, 59, 59, 999999, tzinfo=UTC)),
        ("2025-03-01T10:00:00+03:00", True, datetime(2025, 3, 1, 7, tzinfo=UTC)),
        ("2025-03-01 10:00", False, datetime(2025, 3, 1, 10, tzinfo=UTC)),
    ],
)
def test_date_bound(text: str, end: bool, moment: datetime) -> None:
    assert date_bound(text, "--to", end_of_day=end) == moment


def test_date_bound_refuses_nonsense() -> None:
    with pytest.raises(InputError, match="use YYYY-MM-DD"):
        date_bound("31/12/2025", "--to")
