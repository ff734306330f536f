"""Fixtures of the topics tests."""

from __future__ import annotations

import pytest

from topic_fakes import WordEmbedder


@pytest.fixture
def embedder() -> WordEmbedder:
    return WordEmbedder()
