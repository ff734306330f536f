"""The nesting of a JSON file, measured on its bytes: the same as the parsed value's depth,
whatever the strings hold and wherever the reads cut the file."""

from __future__ import annotations

import io
import json
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from tg_parser.sources import json_depth
from tg_parser.sources.json_depth import nests_deeper

# strings full of what could fool a byte scanner: brackets, quotes, backslashes
TRICKY = st.text(alphabet='[]{}"\\ab:,\n', max_size=12)
VALUES = st.recursive(
    st.none() | st.integers() | TRICKY,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(TRICKY, inner, max_size=3),
    max_leaves=40,
)


def depth(value: Any) -> int:
    if isinstance(value, dict):
        return 1 + max(map(depth, value.values()), default=0)
    if isinstance(value, list):
        return 1 + max(map(depth, value), default=0)
    return 0


@settings(max_examples=300, deadline=None)
@given(value=VALUES, read=st.sampled_from([1, 2, 3, 5, 64, 1 << 20]), ascii_only=st.booleans())
def test_the_depth_of_the_bytes_is_the_depth_of_the_value(
    value: Any, read: int, ascii_only: bool
) -> None:
    raw = json.dumps(value, ensure_ascii=ascii_only).encode()
    deepest = depth(value)

    assert nests_deeper(io.BytesIO(raw), deepest, read) is False
    assert nests_deeper(io.BytesIO(raw), deepest - 1, read) is True


def test_a_crafted_file_is_found_at_the_first_read_past_the_limit() -> None:
    handle = io.BytesIO(b"[" * 5_000_000 + b"]" * 5_000_000)

    assert nests_deeper(handle, 20) is True
    assert handle.tell() == json_depth.READ_BYTES  # the rest is never read
