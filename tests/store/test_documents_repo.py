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
        [row] = await r.messages.rows([p.id for p in pend])
        assert row["source_ref"] == ref and pend[0].channel_id == "abc"
        doc = ProcessedDocument(
            id=document_id(ref),
            source_ref=ref,
            source_message_id="5",
            channel_id="abc",
            processed_at=datetime.now(UTC),
            text_clean="hi",
        )
        await r.documents.save(
            [StoredDocument(doc, False, row["content_hash"], "processing:v1.0.0")]
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
