"""Fixtures of the topics tests."""

from __future__ import annotations

import pytest

from tg_parser.testing import WordEmbedder


@pytest.fixture
def embedder() -> WordEmbedder:
    return WordEmbedder()
