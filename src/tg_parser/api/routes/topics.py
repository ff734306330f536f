"""``/api/v1/topics/{topic_id}``: a topic's card and bundle, every message resolved."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Path
from pydantic import BaseModel, Field

from tg_parser.api.auth import Reader
from tg_parser.api.cache import CachedRoute
from tg_parser.api.deps import Db
from tg_parser.models import MessageType, TopicBundle, TopicCard
from tg_parser.topics import catalog

router = APIRouter(prefix="/topics", tags=["topics"], route_class=CachedRoute)


class ResolvedItem(BaseModel):
    """A bundle item with its message: text, date, Telegram link (when it is known)."""

    source_ref: str
    role: str = Field(description="anchor or supporting.")
    channel_id: str
    message_id: str
    message_type: MessageType
    score: float | None = None
    justification: str | None = None
    title: str | None = None
    date: datetime | None = None
    telegram_url: str | None = None
    text: str | None = Field(None, description="Clean text; left out when not processed.")


class TopicOut(BaseModel):
    """A topic: its card and bundle (the exchange formats) and its resolved items."""

    id: str
    channel_id: str
    card: TopicCard
    bundle: TopicBundle
    items: list[ResolvedItem] = Field(description="The bundle's items in its order.")

    @classmethod
    def of(cls, view: catalog.TopicView) -> TopicOut:
        return cls(
            id=view.topic.card.id,
            channel_id=view.topic.channel_id,
            card=view.topic.card,
            bundle=view.topic.bundle,
            items=[ResolvedItem.model_validate(_with_text(s, view)) for s in view.sources],
        )


def _with_text(source: dict[str, Any], view: catalog.TopicView) -> dict[str, Any]:
    message = view.messages.get(source["source_ref"])
    return source | ({"text": message.document.text_clean} if message is not None else {})


@router.get(
    "/{topic_id}",
    summary="Show a topic with its messages",
    response_model_exclude_none=True,
)
async def show_topic(
    db: Db,
    principal: Reader,
    topic_id: Annotated[str, Path(max_length=200, description="A topic id (topic:tg:…).")],
) -> TopicOut:
    return TopicOut.of(await catalog.show_topic(db, topic_id, principal.channels))
