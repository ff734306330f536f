"""One page shape for every listing: ``items``, ``next_cursor``, ``total``.

A cursor is opaque to clients: the offset of the next page, encoded. A malformed cursor is
a 422; a ``limit`` above ``API_MAX_PAGE_SIZE`` is capped, not refused.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Annotated, Generic, TypeVar

from fastapi import Depends, Query, Request
from pydantic import BaseModel, Field

from tg_parser.errors import InputError

T = TypeVar("T")

_PREFIX = "o:"


class Page(BaseModel, Generic[T]):
    items: list[T]
    next_cursor: str | None = Field(
        description="Pass as `cursor` for the next page; null on the last page."
    )
    total: int = Field(description="Items matching the filters, on every page.")


class InvalidCursorError(InputError):
    http_status = 422


@dataclass(frozen=True)
class PageRequest:
    """Which slice of a listing the client asked for."""

    offset: int
    limit: int

    def page(self, items: Sequence[T], total: int) -> Page[T]:
        """The page of ``items`` (already this slice) out of ``total``."""
        end = self.offset + len(items)
        next_cursor = encode_cursor(end) if end < total else None
        return Page[T](items=list(items), next_cursor=next_cursor, total=total)

    def slice(self, items: Sequence[T]) -> Page[T]:
        """The page of a listing held in memory whole."""
        return self.page(items[self.offset : self.offset + self.limit], len(items))


def encode_cursor(offset: int) -> str:
    return base64.urlsafe_b64encode(f"{_PREFIX}{offset}".encode()).decode().rstrip("=")


def decode_cursor(cursor: str) -> int:
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        text = base64.urlsafe_b64decode(padded.encode("ascii")).decode("ascii")
    except (binascii.Error, UnicodeError, ValueError):
        text = ""
    offset = text.removeprefix(_PREFIX)
    if not text.startswith(_PREFIX) or not offset.isdigit():
        raise InvalidCursorError("cursor: not a cursor this API returned; start from page one")
    return int(offset)


def page_request(
    request: Request,
    cursor: Annotated[
        str | None, Query(max_length=64, description="`next_cursor` of the previous page.")
    ] = None,
    limit: Annotated[
        int | None, Query(ge=1, description="Items per page (capped at API_MAX_PAGE_SIZE).")
    ] = None,
) -> PageRequest:
    settings = request.app.state.settings
    size = min(limit or settings.api_page_size, settings.api_max_page_size)
    return PageRequest(offset=decode_cursor(cursor) if cursor else 0, limit=size)


Paging = Annotated[PageRequest, Depends(page_request)]
