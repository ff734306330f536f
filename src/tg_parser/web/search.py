"""``/search``: the hybrid search of the API and the CLI, as a form with filters; each hit
shows its snippet with the query's words marked, its topic and its Telegram link."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response

from tg_parser import channels
from tg_parser.errors import InputError
from tg_parser.search import MAX_QUERY_CHARS, SearchFilters, SearchMode, search
from tg_parser.web.errors import PageRoute
from tg_parser.web.render import page
from tg_parser.web.session import Viewer

router = APIRouter(route_class=PageRoute)

HITS = 20
Text = Annotated[str, Query(max_length=200)]


@router.get("/search")
async def search_page(
    request: Request,
    viewer: Viewer,
    q: Annotated[str, Query(max_length=MAX_QUERY_CHARS)] = "",
    channel: Text = "",
    topic: Text = "",
    kind: Annotated[str, Query(max_length=10)] = "",
    lang: Annotated[str, Query(max_length=2)] = "",
    since: Annotated[str, Query(max_length=40)] = "",
    until: Annotated[str, Query(max_length=40)] = "",
    mode: SearchMode = "hybrid",
) -> Response:
    """The form, and the hits when it names a query. A bad filter is said on the page."""
    form: dict[str, Any] = {
        "q": q, "channel": channel, "topic": topic, "kind": kind,
        "lang": lang, "since": since, "until": until, "mode": mode,
    }  # fmt: skip
    db = request.app.state.db
    context: dict[str, Any] = {
        "form": form,
        "channels": await channels.list_channels(db, viewer.channels),
        "results": None,
        "problem": None,
    }
    if not q.strip():
        return page(request, "search.html", context)
    try:
        filters = SearchFilters.of(
            channel=channel or None, topic=topic or None, kind=kind or None, lang=lang or None,
            since=since or None, until=until or None,
        )  # fmt: skip
        context["results"] = await search(
            db, q, filters, mode=mode, limit=HITS, channels=viewer.channels
        )
    except InputError as exc:
        context["problem"] = exc.message
        return page(request, "search.html", context, 400)
    return page(request, "search.html", context)
