"""``/api/v1/documents``: processed messages — a filtered page, or one with its raw
fields, edit history and topics."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Path, Query
from pydantic import BaseModel, Field

from tg_parser import documents
from tg_parser.api.auth import Reader
from tg_parser.api.cache import CachedRoute
from tg_parser.api.deps import Db
from tg_parser.api.filters import ChannelKey, DayEnd, DayStart
from tg_parser.api.pages import Page, Paging
from tg_parser.api.visibility import visible_channels
from tg_parser.models import MessageType

router = APIRouter(prefix="/documents", tags=["documents"], route_class=CachedRoute)


class DocumentOut(BaseModel):
    """A processed message: its clean text, summary and what was found in it."""

    id: str
    source_ref: str
    channel_id: str
    message_type: MessageType
    message_id: int
    date: datetime = Field(description="When the message was posted.")
    title: str
    text: str = Field(description="The clean text.")
    summary: str | None = None
    language: str | None = None
    tags: list[str] = Field(description="Topics the processing found in the text.")
    noise: bool
    telegram_url: str | None = None
    processed_at: datetime

    @classmethod
    def of(cls, item: documents.DocumentItem) -> DocumentOut:
        message, document = item.message, item.message.document
        return cls(
            id=document.id,
            source_ref=document.source_ref,
            channel_id=document.channel_id,
            message_type=message.message_type,
            message_id=message.message_id,
            date=message.date,
            title=item.title,
            text=document.text_clean,
            summary=document.summary,
            language=document.language,
            tags=list(document.topics or []),
            noise=message.noise,
            telegram_url=item.telegram_url,
            processed_at=document.processed_at,
        )


class RawFields(BaseModel):
    """The message as collected (its current version)."""

    message_type: MessageType
    message_id: int
    parent_message_id: int | None = None
    thread_id: int | None = None
    date: datetime
    text: str
    language: str | None = None
    edit_date: datetime | None = None
    version: int
    first_seen_at: datetime
    updated_at: datetime
    raw_payload: dict[str, Any] | None = None


class Version(BaseModel):
    """One version of the message's text, oldest first; the last is the current one."""

    version: int
    text: str
    edit_date: datetime | None = None
    recorded_at: datetime = Field(description="When tg-parser stored this version.")


class ProcessedFields(BaseModel):
    """What processing made of the message."""

    document: dict[str, Any] = Field(description="The ProcessedDocument (exchange format).")
    noise: bool
    pipeline_version: str


class TopicPlace(BaseModel):
    """A topic whose bundle holds the message."""

    topic_id: str
    title: str
    type: str
    role: str
    score: float | None = None


class DocumentDetail(BaseModel):
    id: str
    source_ref: str
    channel_id: str
    telegram_url: str | None = None
    raw: RawFields | None = Field(description="null: the raw message is not stored.")
    processed: ProcessedFields | None = Field(description="null: not processed yet.")
    history: list[Version]
    topics: list[TopicPlace]

    @classmethod
    def of(cls, view: documents.DocumentView) -> DocumentDetail:
        stored = view.stored
        processed = None
        if stored is not None:
            processed = ProcessedFields(
                document=stored.document.to_json_dict(),
                noise=stored.noise,
                pipeline_version=stored.pipeline_version,
            )
        history = [
            Version(
                version=row["version"],
                text=row["text"],
                edit_date=row["edit_date"],
                recorded_at=row.get("recorded_at") or row["updated_at"],
            )
            for row in view.history
        ]
        return cls(
            id=documents.DOCUMENT_PREFIX + view.source_ref,
            source_ref=view.source_ref,
            channel_id=view.channel_id,
            telegram_url=view.telegram_url,
            raw=RawFields.model_validate(view.raw) if view.raw is not None else None,
            processed=processed,
            history=history,
            topics=[TopicPlace.model_validate(t, from_attributes=True) for t in view.topics],
        )


@router.get("", summary="List documents, the newest messages first")
async def list_documents(
    db: Db,
    principal: Reader,
    paging: Paging,
    channel: Annotated[ChannelKey | None, Query(description="Only this channel's.")] = None,
    topic: Annotated[
        str | None, Query(max_length=200, description="Only this topic's messages.")
    ] = None,
    since: Annotated[
        DayStart | None, Query(description="Messages dated on or after (YYYY-MM-DD or ISO).")
    ] = None,
    until: Annotated[
        DayEnd | None, Query(description="Messages dated up to (a day: inclusive).")
    ] = None,
    language: Annotated[
        str | None, Query(pattern="^[a-z]{2}$", description="ISO 639-1 code, e.g. en.")
    ] = None,
    noise: Annotated[bool | None, Query(description="Only noise, or only not noise.")] = None,
    kind: Annotated[
        Literal["post", "comment"] | None, Query(description="post or comment.")
    ] = None,
) -> Page[DocumentOut]:
    query = documents.DocumentQuery(
        channels=await visible_channels(db, principal, channel),
        topic_id=topic,
        since=since,
        until=until,
        language=language,
        noise=noise,
        message_type=kind,
    )
    items, total = await documents.list_documents(
        db, query, offset=paging.offset, limit=paging.limit
    )
    return paging.page([DocumentOut.of(item) for item in items], total)


@router.get("/{document}", summary="Show a document: raw, processed, history, topics")
async def show_document(
    db: Db,
    principal: Reader,
    document: Annotated[
        str, Path(max_length=200, description="A document id (doc:tg:…) or a source_ref (tg:…).")
    ],
) -> DocumentDetail:
    return DocumentDetail.of(await documents.show_document(db, document, principal.channels))
