from datetime import UTC, datetime

from tg_parser.models import (
    CollectedMessage,
    ProcessedDocument,
    RawTelegramMessage,
    document_id,
    source_ref,
)
from tg_parser.store.documents import StoredDocument


async def test_documents(db):
    ref = source_ref("abc", "post", 5)
    m = RawTelegramMessage(
        id="5",
        message_type="post",
        source_ref=ref,
        channel_id="abc",
        date=datetime(2024, 1, 1, tzinfo=UTC),
        text="hi",
    )
    async with db.transaction() as r:
        await r.messages.store([CollectedMessage(m)])
        pend = await r.documents.pending(channel_id="abc", pipeline_version="processing:v1.0.0")
        assert [p["source_ref"] for p in pend] == [ref]
        doc = ProcessedDocument(
            id=document_id(ref),
            source_ref=ref,
            source_message_id="5",
            channel_id="abc",
            processed_at=datetime.now(UTC),
            text_clean="hi",
        )
        await r.documents.save(
            [StoredDocument(doc, False, pend[0]["content_hash"], "processing:v1.0.0")]
        )
        assert (
            await r.documents.pending(channel_id="abc", pipeline_version="processing:v1.0.0") == []
        )
        assert (
            len(await r.documents.pending(channel_id="abc", pipeline_version="processing:v1.1.0"))
            == 1
        )
        assert (await r.documents.for_channel("abc"))[0].document == doc
        assert await r.documents.count("abc", noise=False) == 1
