"""A post of the sample channel whose text is HTML (plain module, not a test file): stored,
then edited, and processed — the browser must show its text, never run it."""

from __future__ import annotations

from datetime import UTC, datetime

from tg_parser.models import (
    CollectedMessage,
    ProcessedDocument,
    RawTelegramMessage,
    document_id,
    source_ref,
)
from tg_parser.store import Database, StoredDocument

CHANNEL = "technotes"
MESSAGE_ID = 9001
REF = source_ref(CHANNEL, "post", MESSAGE_ID)
FIRST = "Черновик: <b>bold</b> claims about Zeppelin airships"
TEXT = '<script>alert("pwned")</script> Привет, <b>мир</b> & Zeppelin airships'
POSTED = datetime(2025, 9, 1, 8, 0, tzinfo=UTC)
EDITED = datetime(2025, 9, 1, 9, 30, tzinfo=UTC)
VIEWS = 12345


async def build(db: Database) -> None:
    async with db.transaction() as repos:
        await repos.messages.store([_collected(FIRST, None)])
    async with db.transaction() as repos:
        await repos.messages.store([_collected(TEXT, EDITED)])
        await repos.documents.save([_document()])


def _collected(text: str, edited: datetime | None) -> CollectedMessage:
    message = RawTelegramMessage(
        id=str(MESSAGE_ID),
        message_type="post",
        source_ref=REF,
        channel_id=CHANNEL,
        date=POSTED,
        text=text,
        raw_payload={"views": VIEWS},
    )
    return CollectedMessage(message, edit_date=edited)


def _document() -> StoredDocument:
    document = ProcessedDocument(
        id=document_id(REF),
        source_ref=REF,
        source_message_id=str(MESSAGE_ID),
        channel_id=CHANNEL,
        processed_at=EDITED,
        text_clean=TEXT,
        summary='A post about <img src=x onerror="alert(1)"> airships.',
        language="ru",
    )
    return StoredDocument(document, False, "hash", "processing:v1.0.0")
