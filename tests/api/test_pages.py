"""One page shape, opaque cursors, capped page sizes."""

from __future__ import annotations

import httpx
import pytest
from hypothesis import given
from hypothesis import strategies as st

from tg_parser.api.pages import InvalidCursorError, PageRequest, decode_cursor, encode_cursor
from tg_parser.registry import add_source
from tg_parser.store import Database


@given(st.integers(min_value=0, max_value=10**12))
def test_a_cursor_decodes_to_its_offset(offset: int) -> None:
    assert decode_cursor(encode_cursor(offset)) == offset


@pytest.mark.parametrize("cursor", ["", "!!!", "b3g6LTE", encode_cursor(3) + "x", "o:3", "AAAA"])
def test_a_malformed_cursor_is_refused(cursor: str) -> None:
    with pytest.raises(InvalidCursorError):
        decode_cursor(cursor)


def test_the_last_page_has_no_next_cursor() -> None:
    items = list(range(5))
    first = PageRequest(offset=0, limit=2).slice(items)
    last = PageRequest(offset=4, limit=2).slice(items)
    assert (first.items, first.total, decode_cursor(first.next_cursor or "")) == ([0, 1], 5, 2)
    assert (last.items, last.next_cursor) == ([4], None)


async def test_pages_walk_a_listing_to_its_end(
    db: Database, empty_client: httpx.AsyncClient
) -> None:
    for name in ["alpha", "beta", "gamma", "delta", "epsilon"]:
        await add_source(db, name, new_via="web")
    seen, cursor = [], None
    while True:
        params = {"limit": 2} | ({"cursor": cursor} if cursor else {})
        page = (await empty_client.get("/api/v1/sources", params=params)).json()
        assert page["total"] == 5
        seen += [source["channel_key"] for source in page["items"]]
        if (cursor := page["next_cursor"]) is None:
            break
    assert sorted(seen) == ["alpha", "beta", "delta", "epsilon", "gamma"]


async def test_a_huge_page_size_is_capped(empty_client: httpx.AsyncClient) -> None:
    response = await empty_client.get("/api/v1/sources", params={"limit": 10**9})
    assert response.status_code == 200


async def test_a_bad_cursor_is_a_422(empty_client: httpx.AsyncClient) -> None:
    response = await empty_client.get("/api/v1/sources", params={"cursor": "nonsense"})
    assert response.status_code == 422
    assert response.json()["error"]["message"].startswith("cursor:")
