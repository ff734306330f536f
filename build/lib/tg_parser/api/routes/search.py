"""``/api/v1/search``: messages found by words (any word form) and by meaning."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from tg_parser.api.auth import Reader
from tg_parser.api.deps import Db
from tg_parser.search import (
    MAX_LIMIT,
    MAX_QUERY_CHARS,
    SearchFilters,
    SearchMode,
    SearchResults,
    search,
)
from tg_parser.search.models import MessageKind

router = APIRouter(prefix="/search", tags=["search"])

Text = Annotated[str | None, Query(max_length=200)]


@router.get("", summary="Search messages by words and meaning")
async def search_messages(
    db: Db,
    principal: Reader,
    q: Annotated[str, Query(max_length=MAX_QUERY_CHARS, description="What to look for.")],
    channel: Text = None,
    topic: Text = None,
    kind: MessageKind | None = None,
    lang: Annotated[str | None, Query(pattern=r"^[a-z]{2}$", description="ru, en, …")] = None,
    since: Annotated[str | None, Query(max_length=40, description="From (ISO date).")] = None,
    until: Annotated[
        str | None, Query(max_length=40, description="Up to, inclusive (ISO date).")
    ] = None,
    mode: SearchMode = "hybrid",
    limit: Annotated[int, Query(ge=1, le=MAX_LIMIT)] = 10,
) -> SearchResults:
    """What `tg-parser search --json` answers: the best messages, each with its Telegram
    link, a highlighted snippet, its topic and the scores. A key limited to channels
    searches only those."""
    filters = SearchFilters.of(
        channel=channel, topic=topic, kind=kind, lang=lang, since=since, until=until
    )
    return await search(db, q, filters, mode=mode, limit=limit, channels=principal.channels)
