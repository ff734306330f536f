"""Topic test helpers: a deterministic word-hashing embedder and the sample channel,
imported and processed."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from tg_parser.ingest.desktop import ImportOptions, import_desktop
from tg_parser.llm.offline import OfflineAnalyser
from tg_parser.process import ProcessOptions, process_messages
from tg_parser.store.database import Database

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"
CHANNEL = "-1001987654321"
_WORD = re.compile(r"[^\W\d_]{4,}")


class WordEmbedder:
    """Bag of words hashed into 512 signed buckets: similar words, similar vectors."""

    model_id = "fake-words:1"
    dimensions = 512

    def __init__(self) -> None:
        self.calls: list[int] = []

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        self.calls.append(len(texts))
        vectors = np.zeros((len(texts), self.dimensions), dtype=np.float32)
        for row, text in enumerate(texts):
            for word in _WORD.findall(text.casefold()):
                digest = hashlib.md5(word[:6].encode()).digest()
                vectors[row, digest[0] * 2 % self.dimensions] += 1.0 if digest[1] % 2 else -1.0
        norms = np.linalg.norm(vectors, axis=1, keepdims=True)
        return vectors / np.where(norms == 0, 1.0, norms)


async def load_sample(db: Database, *, comments: bool = True, limit: int | None = None) -> None:
    await import_desktop(db, ImportOptions(path=EXAMPLES / "sample_channel"))
    if comments:
        options = ImportOptions(path=EXAMPLES / "sample_channel_discussion", comments_for=CHANNEL)
        await import_desktop(db, options)
    await process_messages(db, OfflineAnalyser(), ProcessOptions(limit=limit))
