"""Every route of the API is documented in docs/api.md (as `METHOD /api/v1/path`)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tg_parser.api import create_app
from tg_parser.config import Settings

DOCS = Path(__file__).resolve().parents[2] / "docs" / "api.md"
PATHS = create_app(Settings(database_url="sqlite://")).openapi()["paths"]
ROUTES = sorted(
    f"{method.upper()} {path}"
    for path, operations in PATHS.items()
    if path.startswith("/api/v1")
    for method in operations
)


@pytest.mark.parametrize("route", ROUTES)
def test_route_is_documented(route: str) -> None:
    assert f"`{route}`" in DOCS.read_text(encoding="utf-8"), f"docs/api.md does not name {route}"
