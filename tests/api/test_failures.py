"""``/api/v1/failures``: what `tg-parser failures list` shows, as a page."""

from __future__ import annotations

import httpx
import pytest

from tg_parser.failures import list_failures
from tg_parser.store import Database


async def test_failures_are_those_the_cli_lists(
    two_client: httpx.AsyncClient, two_channels_db: Database
) -> None:
    page = (await two_client.get("/api/v1/failures")).json()
    expected = [f.to_json_dict() for f in await list_failures(two_channels_db)]
    assert page["total"] == 2
    assert [item["source_ref"] for item in page["items"]] == [f["source_ref"] for f in expected]
    first = page["items"][0]
    assert (first["stage"], first["attempts"], first["error_class"]) == (
        "process",
        1,
        "ProviderError",
    )


@pytest.mark.parametrize(
    ("params", "refs"),
    [
        ({"channel": "otherchan"}, ["tg:otherchan:post:2"]),
        ({"stage": "process", "channel": "@TechNotes"}, ["tg:technotes:post:2"]),
        ({"stage": "topics"}, []),
    ],
)
async def test_filters(
    two_client: httpx.AsyncClient, params: dict[str, str], refs: list[str]
) -> None:
    page = (await two_client.get("/api/v1/failures", params=params)).json()
    assert [item["source_ref"] for item in page["items"]] == refs


@pytest.mark.parametrize(
    ("params", "status"), [({"channel": "nosuch"}, 404), ({"channel": "?"}, 422)]
)
async def test_bad_filters(
    two_client: httpx.AsyncClient, params: dict[str, str], status: int
) -> None:
    assert (await two_client.get("/api/v1/failures", params=params)).status_code == status
