"""Messages with their documents, saved the way the processing stage saves them (plain
module for the search and search-index tests)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from tg_parser.models import (
    CollectedMessage,
    MessageType,
    ProcessedDocument,
    RawTelegramMessage,
    document_id,
    source_ref,
)
from tg_parser.store import Database, StoredDocument

POSTED = datetime(2026, 1, 5, 9, 30, tzinfo=UTC)


@dataclass(frozen=True)
class Doc:
    message_id: int
    text: str
    channel: str = "alpha"
    kind: MessageType = "post"
    language: str | None = None
    noise: bool = False
    days: int = 0  # after POSTED
    thread_id: int | None = None

    @property
    def ref(self) -> str:
        return source_ref(self.channel, self.kind, self.message_id)


async def put(db: Database, *docs: Doc) -> None:
    """Store the raw messages and save their documents (which indexes them)."""
    async with db.transaction() as repos:
        await repos.messages.store([_collected(doc) for doc in docs])
        await repos.documents.save([_stored(doc) for doc in docs])


def _collected(doc: Doc) -> CollectedMessage:
    extra = {}
    if doc.kind == "comment":
        root = str(doc.thread_id or 1)
        extra = {"thread_id": root, "parent_message_id": root}
    message = RawTelegramMessage(
        id=str(doc.message_id),
        message_type=doc.kind,
        source_ref=doc.ref,
        channel_id=doc.channel,
        date=POSTED + timedelta(days=doc.days),
        text=doc.text,
        **extra,
    )
    return CollectedMessage(message=message)


def _stored(doc: Doc) -> StoredDocument:
    document = ProcessedDocument(
        id=document_id(doc.ref),
        source_ref=doc.ref,
        source_message_id=str(doc.message_id),
        channel_id=doc.channel,
        processed_at=datetime.now(UTC),
        text_clean=doc.text,
        language=doc.language,
    )
    return StoredDocument(document, noise=doc.noise, input_hash="h", pipeline_version="test")
