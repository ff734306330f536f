"""A second, small channel next to the sample (plain module): a source, two posts and a
comment with their documents, one topic, a failure and model calls — and a failure and
model calls of the sample channel too, so that every read route has two channels' data."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from tg_parser.models import (
    Anchor,
    BundleItem,
    CallRecord,
    CollectedMessage,
    MessageType,
    ProcessedDocument,
    RawTelegramMessage,
    TopicBundle,
    TopicCard,
    document_id,
    source_ref,
    topic_id,
)
from tg_parser.registry import add_source
from tg_parser.store import Database, Failure, StoredDocument, StoredTopic

CHANNEL = "otherchan"
SECRET_WORD = "zanzibar"  # in every text of the channel: must never show in another's body
POSTED = datetime(2025, 6, 1, 9, 0, tzinfo=UTC)
AT = datetime(2026, 3, 2, tzinfo=UTC)
MESSAGES: list[tuple[MessageType, int]] = [("post", 1), ("post", 2), ("comment", 3)]
TOPIC_ID = topic_id(source_ref(CHANNEL, "post", 1))


async def build(db: Database) -> None:
    await add_source(db, CHANNEL, new_via="web")
    async with db.transaction() as repos:
        await repos.messages.store([_message(kind, number) for kind, number in MESSAGES])
        await repos.documents.save([_document(kind, number) for kind, number in MESSAGES])
        await repos.topics.save([_topic()], run_id=None)
        for channel in (CHANNEL, "technotes"):
            failure = Failure(source_ref(channel, "post", 2), "ProviderError", "it broke")
            await repos.failures.record("process", [failure], run_id=None, now=AT)
        await repos.llm_calls.add([_call(CHANNEL, "gpt-5-mini"), _call("technotes", "gpt-5")])


def _text(number: int) -> str:
    return f"Message {number} about {SECRET_WORD} trips and the road there."


def _message(kind: MessageType, number: int) -> CollectedMessage:
    thread = {"thread_id": "1", "parent_message_id": "1"} if kind == "comment" else {}
    return CollectedMessage(
        RawTelegramMessage(
            id=str(number),
            message_type=kind,
            source_ref=source_ref(CHANNEL, kind, number),
            channel_id=CHANNEL,
            date=POSTED + timedelta(days=number),
            text=_text(number),
            **thread,
        )
    )


def _document(kind: MessageType, number: int) -> StoredDocument:
    ref = source_ref(CHANNEL, kind, number)
    document = ProcessedDocument(
        id=document_id(ref),
        source_ref=ref,
        source_message_id=str(number),
        channel_id=CHANNEL,
        processed_at=AT,
        text_clean=_text(number),
        language="de",
    )
    return StoredDocument(document, False, "hash", "processing:v1.0.0")


def _topic() -> StoredTopic:
    refs = [source_ref(CHANNEL, "post", 1), source_ref(CHANNEL, "post", 2)]
    anchors = [
        Anchor(channel_id=CHANNEL, message_id=ref[-1], message_type="post", anchor_ref=ref, score=s)
        for ref, s in zip(refs, (0.9, 0.8), strict=True)
    ]
    card = TopicCard(
        id=TOPIC_ID,
        title=f"Trips to {SECRET_WORD}",
        summary="Where to go.",
        scope_in=["trips"],
        scope_out=["the rest"],
        type="cluster",
        anchors=anchors,
        sources=[CHANNEL],
        updated_at=AT,
    )
    items = [
        BundleItem(
            channel_id=CHANNEL,
            message_id=a.message_id,
            message_type="post",
            source_ref=a.anchor_ref,
            role="anchor",
            score=a.score,
        )
        for a in anchors
    ]
    return StoredTopic(CHANNEL, card, TopicBundle(topic_id=TOPIC_ID, items=items, updated_at=AT))


def _call(channel: str, model: str) -> CallRecord:
    return CallRecord(
        provider="openai",
        model=model,
        prompt_name="analysis",
        prompt_version="1",
        status="ok",
        input_tokens=1000,
        output_tokens=100,
        reasoning_tokens=0,
        latency_ms=200,
        created_at=AT,
        source_ref=source_ref(channel, "post", 2),
    )
