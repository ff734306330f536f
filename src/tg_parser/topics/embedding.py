"""Vectors for a build: stored ones whose text is unchanged, the rest embedded in batches
(each in a worker thread, so the event loop — the API, the run's heartbeat — goes on)."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence

import numpy as np

from tg_parser.clock import utcnow
from tg_parser.embed import Embedder, normalise, text_hash
from tg_parser.models import OnProgress, Progress
from tg_parser.runs import RunTracker
from tg_parser.store import Database, StoredVector
from tg_parser.topics.corpus import Item

BATCH_SIZE = 256


async def vectors_for(
    db: Database,
    embedder: Embedder,
    items: Sequence[Item],
    run: RunTracker,
    progress: OnProgress | None = None,
) -> np.ndarray:
    """One normalised vector per item, in order; only new or changed texts are embedded."""
    async with db.transaction() as repos:
        stored = await repos.embeddings.load(embedder.model_id, [item.ref for item in items])
    hashes = [text_hash(item.text) for item in items]
    result = np.zeros((len(items), embedder.dimensions), dtype=np.float32)
    missing: list[int] = []
    for position, (item, digest) in enumerate(zip(items, hashes, strict=True)):
        known = stored.get(item.ref)
        if known is not None and known.text_hash == digest:
            result[position] = known.vector
        else:
            missing.append(position)
    run.add(embeddings_reused=len(items) - len(missing))
    for start in range(0, len(missing), BATCH_SIZE):
        batch = missing[start : start + BATCH_SIZE]
        vectors = normalise(await asyncio.to_thread(embedder.embed, [items[i].text for i in batch]))
        result[batch] = vectors
        rows = [
            StoredVector(items[i].ref, hashes[i], v) for i, v in zip(batch, vectors, strict=True)
        ]
        async with db.transaction() as repos:
            await repos.embeddings.save(embedder.model_id, rows, utcnow())
        run.add(embedded=len(batch))
        await run.checkpoint(every=1.0)
        if progress is not None:
            progress(Progress("embedding", start + len(batch), len(missing), unit="documents"))
    return result
