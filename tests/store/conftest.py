"""Storage test fixtures."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from tg_parser.models import CollectedMessage

from .factories import collected


@pytest.fixture
def message() -> Callable[..., CollectedMessage]:
    """Build a collected message: ``message(7, "text", edit_date=...)``."""
    return collected
