"""Browsing: channels with their counts → a channel's topics → a topic → a message. Each
page reads through the service its API route calls, within the viewer's channels."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query, Request
from fastapi.responses import Response

from tg_parser import channels, documents
from tg_parser.api.visibility import visible_channel
from tg_parser.topics import catalog
from tg_parser.web.errors import PageRoute
from tg_parser.web.render import page
from tg_parser.web.session import Viewer

router = APIRouter(route_class=PageRoute)

TOPICS_PER_PAGE = 100


@router.get("/")
async def channel_list(request: Request, viewer: Viewer) -> Response:
    found = await channels.list_channels(request.app.state.db, viewer.channels)
    return page(request, "channels.html", {"channels": found})


@router.get("/channels/{channel}")
async def channel_topics(
    request: Request,
    viewer: Viewer,
    channel: Annotated[str, Path(max_length=200)],
    page_number: Annotated[int, Query(alias="page", ge=1, le=100_000)] = 1,
) -> Response:
    db = request.app.state.db
    key = await visible_channel(db, viewer, channel)
    summary = (await channels.list_channels(db, {key}))[0]
    topics = await catalog.topic_summaries(db, key)
    start = (page_number - 1) * TOPICS_PER_PAGE
    context = {
        "channel": summary,
        "topics": topics[start : start + TOPICS_PER_PAGE],
        "total": len(topics),
        "page_number": page_number,
        "pages": max(1, -(-len(topics) // TOPICS_PER_PAGE)),
    }
    return page(request, "channel.html", context)


@router.get("/topics/{topic_id}")
async def topic(
    request: Request, viewer: Viewer, topic_id: Annotated[str, Path(max_length=200)]
) -> Response:
    view = await catalog.show_topic(request.app.state.db, topic_id, viewer.channels)
    items = [s | {"message": view.messages.get(s["source_ref"])} for s in view.sources]
    context = {
        "topic": view.topic,
        "card": view.topic.card,
        "anchors": [item for item in items if item["role"] == "anchor"],
        "supporting": [item for item in items if item["role"] != "anchor"],
    }
    return page(request, "topic.html", context)


@router.get("/messages/{ref}")
async def message(
    request: Request, viewer: Viewer, ref: Annotated[str, Path(max_length=200)]
) -> Response:
    view = await documents.show_document(request.app.state.db, ref, viewer.channels)
    payload = (view.raw or {}).get("raw_payload") or {}
    context = {
        "view": view,
        "raw": view.raw,
        "document": view.stored.document if view.stored else None,
        "views": payload.get("views") if isinstance(payload.get("views"), int) else None,
    }
    return page(request, "message.html", context)
