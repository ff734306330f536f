# ruff: noqa: RUF001  (Russian sentence templates)
"""Topics benchmark: embedding throughput, clustering + card writing time, peak RSS.

Generates synthetic Telegram posts (and a comment per few posts) from sentence templates
of 12 subjects in Russian and English; nothing is stored in a database. For each size it
times the local embedding model on the texts, then discovery (the lexical vectors, PCA +
HDBSCAN, anchors, singletons, supporting items) and the offline card writer over the
vectors.

Embedding is measured on up to ``--embed-limit`` texts (default 10,000); for larger sizes
the measured vectors are reused with small Gaussian noise (the output says so), since
the model's throughput does not depend on the corpus size.

Prints one JSON object. Goals (issue 3): embedding ≥ 800 docs/s; clustering + cards for
100k ≤ 60 s; peak RSS < 2 GB.

With ``--labelled`` every post carries a model's topic labels (its subject, wrong for one
post in five, then key phrases), so discovery groups by label (``topics.labels``).

    python bench/topics_bench.py [--sizes 1000 10000 100000] [--embed-limit 10000] [--labelled]
"""

from __future__ import annotations

import argparse
import json
import random
import resource
import time
from dataclasses import replace
from datetime import UTC, datetime

import numpy as np

from tg_parser.embed import LocalEmbedder, normalise
from tg_parser.models import source_ref
from tg_parser.topics.build import topic_records
from tg_parser.topics.corpus import Corpus, Item
from tg_parser.topics.discovery import discover
from tg_parser.topics.lexical import with_lexical
from tg_parser.topics.merging import merge_twins
from tg_parser.topics.options import TopicOptions
from tg_parser.topics.records import Context

SUBJECTS: dict[str, dict[str, list[str]]] = {
    "postgresql": {
        "en": [
            "Autovacuum fell behind on the {n} GB orders table.",
            "We added a partial index and the query went from {n} ms to 3 ms.",
            "PostgreSQL 17 logical replication finally handles large transactions.",
            "Check pg_stat_statements before you tune work_mem.",
        ],
        "ru": [
            "Автовакуум не успевал за таблицей заказов на {n} ГБ.",
            "Частичный индекс ускорил запрос с {n} мс до 3 мс.",
            "Настройка shared_buffers в PostgreSQL: начните с четверти памяти.",
            "Репликация отстала на {n} секунд после миграции схемы.",
        ],
    },
    "python": {
        "en": [
            "Python 3.13 ships a free-threaded build without the GIL.",
            "uv resolved our {n} dependencies in under a second.",
            "Type hints with pydantic caught a bug in the parser.",
            "asyncio task groups make cancellation much easier.",
        ],
        "ru": [
            "В Python 3.13 появилась сборка без GIL.",
            "Перевели упаковку проекта на pyproject.toml и uv.",
            "Pydantic v2 ускорил валидацию в {n} раз.",
            "Генераторы и итераторы экономят память при разборе логов.",
        ],
    },
    "coffee": {
        "en": [
            "A V60 pour-over at 93 degrees with a {n} g dose.",
            "Light roast Ethiopian beans taste of berries and jasmine.",
            "Grind size matters more than the kettle for espresso.",
        ],
        "ru": [
            "Воронка V60: {n} грамм кофе на 250 мл воды.",
            "Светлая обжарка эфиопского зерна даёт ягодные ноты.",
            "Помол важнее кофемашины, когда готовишь эспрессо.",
        ],
    },
    "running": {
        "en": [
            "Ran a {n} km long run at an easy pace this Sunday.",
            "Marathon training: the taper starts three weeks out.",
            "New trail shoes with a rock plate saved my ankles.",
        ],
        "ru": [
            "Пробежал {n} км в лёгком темпе в воскресенье.",
            "Подготовка к марафону: подводка за три недели.",
            "Интервалы на стадионе по 400 метров улучшают скорость.",
        ],
    },
    "ev-market": {
        "en": [
            "EV sales grew {n} percent in Europe this quarter.",
            "Battery prices fell below 100 dollars per kWh.",
            "Charging networks are the bottleneck for electric cars.",
        ],
        "ru": [
            "Продажи электромобилей в Европе выросли на {n} процентов.",
            "Цены на батареи упали ниже 100 долларов за кВт·ч.",
            "Зарядная инфраструктура сдерживает рынок электромобилей.",
        ],
    },
    "telegram-api": {
        "en": [
            "The Bot API added {n} new methods for business accounts.",
            "MTProto sessions need a stable device model string.",
            "Webhooks beat long polling for a busy Telegram bot.",
        ],
        "ru": [
            "В Bot API добавили {n} новых методов для бизнес-аккаунтов.",
            "Сессии MTProto требуют стабильного описания устройства.",
            "Вебхуки лучше long polling для нагруженного бота Telegram.",
        ],
    },
    "finance": {
        "en": [
            "Keep an emergency fund of {n} months of expenses.",
            "Index funds beat most active managers over ten years.",
        ],
        "ru": [
            "Подушка безопасности — расходы на {n} месяцев.",
            "Ключевая ставка выросла, вклады снова выгодны.",
            "Индексные фонды обгоняют большинство управляющих.",
        ],
    },
    "photography": {
        "en": [
            "Shot the sunset at f/8 and ISO {n}.",
            "A 35 mm prime is the best travel lens.",
            "Shooting RAW leaves room to fix white balance.",
        ],
        "ru": [
            "Снимал закат на f/8 и ISO {n}.",
            "Фикс 35 мм — лучший объектив для путешествий.",
            "Съёмка в RAW позволяет исправить баланс белого.",
        ],
    },
    "chess": {
        "en": [
            "My blitz rating on Lichess reached {n}.",
            "The Najdorf Sicilian is sharp but rewarding.",
            "Rook endgames are drawn more often than you think.",
        ],
        "ru": [
            "Рейтинг в блице на Lichess дошёл до {n}.",
            "Сицилианская защита, вариант Найдорфа — острый выбор.",
            "Ладейные эндшпили чаще ничейные, чем кажется.",
        ],
    },
    "travel": {
        "en": [
            "Tbilisi old town is walkable in {n} hours.",
            "Kazbegi mountains are stunning in September.",
            "Georgian wine from qvevri tastes of apricots.",
        ],
        "ru": [
            "Старый Тбилиси обходишь пешком за {n} часа.",
            "Горы Казбеги особенно красивы в сентябре.",
            "Грузинское вино из квеври пахнет абрикосом.",
        ],
    },
    "kubernetes": {
        "en": [
            "Our cluster autoscaler added {n} nodes during the sale.",
            "Helm charts with sane defaults save hours.",
            "Liveness probes that are too strict restart healthy pods.",
        ],
        "ru": [
            "Автоскейлер кластера добавил {n} нод во время распродажи.",
            "Helm-чарты с разумными значениями экономят часы.",
            "Слишком строгие liveness-пробы перезапускают здоровые поды.",
        ],
    },
    "cooking": {
        "en": [
            "Sourdough needs {n} hours of cold fermentation.",
            "Cast iron pans love a thin layer of oil.",
            "Fresh pasta only needs flour and eggs.",
        ],
        "ru": [
            "Хлебу на закваске нужно {n} часов холодной ферментации.",
            "Чугунная сковорода любит тонкий слой масла.",
            "Для свежей пасты нужны только мука и яйца.",
        ],
    },
}
COMMENTS = {
    "en": ["Thanks, very useful!", "How did you measure that?", "Same here, {n} times."],
    "ru": ["Спасибо, полезно!", "А как вы это измеряли?", "У нас так же, {n} раз."],
}
CHANNEL = "benchchannel"


def synthetic_items(count: int, labelled: bool = False, seed: int = 7) -> list[Item]:
    rng = random.Random(seed)
    subjects = sorted(SUBJECTS)
    weights = [1.0 / (rank + 1) for rank in range(len(subjects))]
    items = []
    for number in range(1, count + 1):
        language = "ru" if rng.random() < 0.55 else "en"
        if number % 5 == 0:
            text = rng.choice(COMMENTS[language]).format(n=rng.randint(2, 99))
            items.append(_item(number, "comment", text, language, (), number - 1))
            continue
        subject = rng.choices(subjects, weights)[0]
        pool = SUBJECTS[subject][language]
        sentences = [
            rng.choice(pool).format(n=rng.randint(2, 500)) for _ in range(rng.randint(2, 4))
        ]
        phrases = tuple(
            dict.fromkeys(w.strip(".,").lower() for s in sentences for w in s.split() if len(w) > 6)
        )[:5]
        if labelled:  # a model's labels: the subject (now and then wrong), then key phrases
            wrong = rng.random() < 0.2
            phrases = (rng.choice(subjects) if wrong else subject, *phrases[:2])
        post = _item(number, "post", " ".join(sentences), language, phrases, None)
        items.append(replace(post, labelled=labelled))
    return sorted(items, key=lambda item: item.ref)


def _item(
    number: int, kind: str, text: str, language: str, phrases: tuple[str, ...], post: int | None
) -> Item:
    return Item(
        ref=source_ref(CHANNEL, kind, number),  # type: ignore[arg-type]
        channel_id=CHANNEL,
        message_id=str(number),
        message_type=kind,  # type: ignore[arg-type]
        text=text,
        phrases=phrases,
        language=language,
        thread_ref=source_ref(CHANNEL, "post", post) if post else None,
    )


def measure(
    size: int,
    embedder: LocalEmbedder,
    embed_limit: int,
    cache: dict[str, np.ndarray],
    labelled: bool = False,
) -> dict[str, object]:
    items = synthetic_items(size, labelled)
    measured = min(size, embed_limit)
    started = time.perf_counter()
    vectors = embedder.embed([item.text for item in items[:measured]])
    embed_seconds = time.perf_counter() - started
    if measured < size:
        rng = np.random.default_rng(0)
        base = cache.get("vectors", vectors)
        picks = base[rng.integers(0, len(base), size - measured)]
        noisy = normalise(picks + rng.normal(0, 0.02, picks.shape).astype(np.float32))
        vectors = np.vstack([vectors, noisy])
    cache["vectors"] = vectors
    options = TopicOptions()
    started = time.perf_counter()
    cpu_started = time.process_time()
    corpus = with_lexical(Corpus(items, vectors), options)
    drafts = discover(corpus, [], options, merge_twins)
    cluster_seconds = time.perf_counter() - started
    context = Context(run_id="bench", now=datetime.now(UTC), options=options)
    records = topic_records(corpus, drafts, context)
    total_seconds = time.perf_counter() - started
    cpu_seconds = time.process_time() - cpu_started
    covered = {i.source_ref for r in records for i in r.bundle.items}
    rate = round(measured / embed_seconds, 1) if measured == size else None
    return {
        "documents": size,
        "model_labels": labelled,
        "embedded_documents": measured,
        "reused_vectors_with_noise": size - measured,
        "mean_text_chars": round(sum(len(item.text) for item in items) / size),
        # with reused vectors the first texts repeat earlier sizes' (and the model caches
        # tokenisation), so the rate is only reported where every text was embedded
        "embedding_docs_per_second": rate,
        "clustering_seconds": round(cluster_seconds, 2),
        "clustering_and_cards_seconds": round(total_seconds, 2),
        # CPU time of the same work (every thread of the process): what it costs when the
        # machine is shared and the wall clock mostly measures waiting for a core
        "clustering_and_cards_cpu_seconds": round(cpu_seconds, 2),
        "topics": len(records),
        "covered_share": round(len(covered) / size, 3),
        "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[1000, 10000, 100000])
    parser.add_argument("--embed-limit", type=int, default=10000)
    parser.add_argument(
        "--labelled",
        action="store_true",
        help="posts carry a model's topic labels (20%% wrong): the label grouping path",
    )
    args = parser.parse_args()
    embedder = LocalEmbedder()
    embedder.embed(["warm-up"])
    cache: dict[str, np.ndarray] = {}
    results = [
        measure(size, embedder, args.embed_limit, cache, args.labelled)
        for size in sorted(args.sizes)
    ]
    goals = {
        "embedding_docs_per_second_min": 800,
        "clustering_and_cards_seconds_100k_max": 60,
        "peak_rss_mb_max": 2048,
    }
    print(json.dumps({"results": results, "goals": goals}, indent=2))


if __name__ == "__main__":
    main()
