"""The key format: a public prefix, a 256-bit secret, one SHA-256 stored."""

from __future__ import annotations

import hashlib

from hypothesis import given
from hypothesis import strategies as st

from tg_parser.keys import tokens


def test_a_new_key_has_its_prefix_and_a_fresh_secret() -> None:
    key, prefix = tokens.new_key()
    other, _ = tokens.new_key()
    assert key.startswith(f"tgp_{prefix}_") and len(prefix) == 12
    assert tokens.prefix_of(key) == prefix
    assert key != other and len(key.split("_", 2)[2]) == 43


def test_the_stored_digest_matches_the_key_only() -> None:
    key, _ = tokens.new_key()
    stored = tokens.digest(key)
    assert stored == hashlib.sha256(key.encode()).hexdigest() and key not in stored
    assert tokens.matches(key, stored)
    assert not tokens.matches(key[:-1] + ("A" if key[-1] != "A" else "B"), stored)


@given(st.text(max_size=80))
def test_anything_else_has_no_prefix(text: str) -> None:
    if tokens.prefix_of(text) is not None:
        assert text.startswith("tgp_") and len(text) == 60


def test_a_key_is_shown_by_its_prefix_only() -> None:
    assert tokens.shown("0123456789ab") == "tgp_0123456789ab_…"
