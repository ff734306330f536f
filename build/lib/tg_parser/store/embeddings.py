"""Stored document vectors (float32 bytes), keyed by source_ref and model, with the hash
of the text they were computed from."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import datetime

import numpy as np
from sqlalchemy import and_, delete, select
from sqlalchemy.ext.asyncio import AsyncConnection

from tg_parser.store.tables import embeddings

_CHUNK = 500


@dataclass(frozen=True)
class StoredVector:
    source_ref: str
    text_hash: str
    vector: np.ndarray


class EmbeddingRepository:
    def __init__(self, conn: AsyncConnection) -> None:
        self.conn = conn

    async def load(self, model: str, refs: Collection[str]) -> dict[str, StoredVector]:
        """The stored vectors of ``refs`` made by ``model`` (absent refs are left out)."""
        found: dict[str, StoredVector] = {}
        ordered = sorted(refs)
        for start in range(0, len(ordered), _CHUNK):
            chunk = ordered[start : start + _CHUNK]
            query = select(embeddings).where(
                and_(embeddings.c.model == model, embeddings.c.source_ref.in_(chunk))
            )
            for row in (await self.conn.execute(query)).mappings():
                vector = np.frombuffer(row["vector"], dtype=np.float32)
                found[row["source_ref"]] = StoredVector(row["source_ref"], row["text_hash"], vector)
        return found

    async def save(self, model: str, vectors: Sequence[StoredVector], now: datetime) -> None:
        """Insert or replace the vectors (by source_ref and model)."""
        for start in range(0, len(vectors), _CHUNK):
            chunk = vectors[start : start + _CHUNK]
            refs = [v.source_ref for v in chunk]
            await self.conn.execute(
                delete(embeddings).where(
                    and_(embeddings.c.model == model, embeddings.c.source_ref.in_(refs))
                )
            )
            await self.conn.execute(
                embeddings.insert(),
                [
                    {
                        "source_ref": v.source_ref,
                        "model": model,
                        "text_hash": v.text_hash,
                        "dimensions": int(v.vector.shape[0]),
                        "vector": np.asarray(v.vector, dtype=np.float32).tobytes(),
                        "updated_at": now,
                    }
                    for v in chunk
                ],
            )
