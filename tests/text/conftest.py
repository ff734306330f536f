"""Fixtures of real text for the offline analysis tests."""

from __future__ import annotations

import json
from typing import Any

import pytest

from sample_posts import LABELS, SAMPLE, Post, read_posts


@pytest.fixture(scope="session")
def sample_posts() -> tuple[Post, ...]:
    return read_posts(SAMPLE)


@pytest.fixture(scope="session")
def labels() -> dict[str, dict[str, Any]]:
    return json.loads(LABELS.read_text(encoding="utf-8"))
