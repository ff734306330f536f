"""``/api/v1/channels``: every channel with what is stored for it, and its topics."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Path
from pydantic import BaseModel, Field

from tg_parser import channels
from tg_parser.api.auth import Reader
from tg_parser.api.cache import CachedRoute
from tg_parser.api.deps import Db
from tg_parser.api.filters import ChannelKey
from tg_parser.api.pages import Page, Paging
from tg_parser.api.visibility import visible_channel
from tg_parser.models import SourceStatus, SourceVia
from tg_parser.topics import catalog

router = APIRouter(prefix="/channels", tags=["channels"], route_class=CachedRoute)


class ChannelOut(BaseModel):
    """A channel: its source (when it has one) and what is stored for it."""

    channel_key: str
    username: str | None = None
    title: str | None = None
    via: SourceVia | None = Field(None, description="null: no source (messages only).")
    status: SourceStatus | None = Field(None, description="null: no source (messages only).")
    messages: int
    posts: int
    comments: int
    documents: int
    topics: int
    last_collected_at: datetime | None = Field(
        None, description="When a message of the channel was last stored or updated."
    )
    last_message_at: datetime | None = Field(None, description="Date of its newest message.")
    last_success_at: datetime | None = Field(
        None, description="When its source was last collected without an error."
    )

    @classmethod
    def of(cls, summary: channels.ChannelSummary) -> ChannelOut:
        source, counts = summary.source, summary.counts
        return cls(
            channel_key=summary.channel_key,
            username=source.username if source else None,
            title=source.title if source else None,
            via=source.via if source else None,
            status=source.status if source else None,
            messages=counts.posts + counts.comments,
            posts=counts.posts,
            comments=counts.comments,
            documents=counts.documents,
            topics=counts.topics,
            last_collected_at=counts.last_collected_at,
            last_message_at=counts.last_message_at,
            last_success_at=source.last_success_at if source else None,
        )


class TopicSummaryOut(BaseModel):
    """A topic of a channel: its size and the dates its messages span."""

    id: str
    title: str
    type: str
    items: int = Field(description="Messages in its bundle (anchors and supporting).")
    anchors: int
    first_date: datetime | None = None
    last_date: datetime | None = None
    updated_at: datetime

    @classmethod
    def of(cls, summary: catalog.TopicSummary) -> TopicSummaryOut:
        return cls.model_validate(summary, from_attributes=True)


@router.get("", summary="List channels with their counts")
async def list_channels(db: Db, principal: Reader, paging: Paging) -> Page[ChannelOut]:
    found = await channels.list_channels(db, principal.channels)
    return paging.slice([ChannelOut.of(summary) for summary in found])


@router.get("/{channel}/topics", summary="List a channel's topics, the largest first")
async def channel_topics(
    db: Db,
    principal: Reader,
    paging: Paging,
    channel: Annotated[ChannelKey, Path(description="A channel key, @name or -100… id.")],
) -> Page[TopicSummaryOut]:
    key = await visible_channel(db, principal, channel)
    summaries = await catalog.topic_summaries(db, key)
    return paging.slice([TopicSummaryOut.of(summary) for summary in summaries])
