"""A deterministic stand-in for the local embedding model, for tests of the topic stages.

:class:`WordEmbedder` implements :class:`tg_parser.embed.Embedder` without a model: each
word of four letters or more is hashed (by its first six letters, so inflected forms
mostly agree) into one of 512 signed buckets. Texts that share words get similar vectors,
the same text always the same vector, and it costs microseconds — topics built with it are
stable enough to assert on, though of course no judge of the real model's quality.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Sequence

import numpy as np

_WORD = re.compile(r"[^\W\d_]{4,}")


class WordEmbedder:
    """Bag of words hashed into 512 signed buckets: similar words, similar vectors.

    ``calls`` records the size of every batch asked for, so a test can check what was
    embedded again and what was reused.
    """

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
