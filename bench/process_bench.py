# ruff: noqa: RUF001  (Russian and Ukrainian sentence templates)
"""Processing benchmark: the real ``process`` service against the loopback OpenAI API.

Every run is ``Stages.process`` of ``wired_stages(Settings(...),
ModelRequest(concurrency=N))`` (LLM_PROVIDER=openai, LLM_BASE_URL at the fake, the
concurrency the CLI would use) over a fresh SQLite database, into which a synthetic
Telegram Desktop export was imported with ``import_desktop``: distinct posts of 30-80 words
in English, Russian, Ukrainian, German and Spanish, made from sentence templates. The fake
(``fake_openai(answer=analysis_answer)``) answers after ``--latency`` seconds.

(1) throughput: processed messages/s over the processing call at each
    concurrency, next to the ceiling min(concurrency / latency, ``--rate-limit``) and their
    ratio. Requests above the server's rate limit get a 429 with a Retry-After of 0.2 s.
    Messages per level are proportional to its ceiling (``--throughput-messages`` at the
    highest, at least 40), so every level lasts about 10 s and the run's fixed start (the
    pending query, learning the channel's boilerplate: ~0.25 s) weighs little. Goal: ratio
    ≥ 0.9 at concurrency 32.
(2) resilience: 20% of requests fail (429, 500, a timeout, a truncated body), concurrency
    32, LLM_TIMEOUT 1 s, 2 attempts per call so that some messages do fail: every message
    ends processed or failed, once; then ``--retry-failed`` with the faults off.
(3) tokens per message: the posts plus ads (erid), greetings, reposts and comments (one-word
    and real ones): the input tokens tg-parser recorded per message, one message per call
    and with batches of 8 short messages, against a plain prompt asking for the same
    fields sent once per message (characters/4: no tokenizer here).

Prints one JSON object.

    python bench/process_bench.py [--concurrencies 1 8 32 64] [--latency 0.2]
        [--rate-limit 150] [--throughput-messages 1500] [--messages 600]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import tempfile
import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import func, select

from tg_parser.config import Settings
from tg_parser.ingest.desktop import ImportOptions, import_desktop
from tg_parser.llm.analysis_wire import ANALYSIS_SCHEMA
from tg_parser.llm.calls import estimate_tokens
from tg_parser.llm.providers import ModelRequest
from tg_parser.log import configure_logging
from tg_parser.process import ProcessOptions, ProcessReport
from tg_parser.store.database import Database
from tg_parser.store.tables import llm_calls, processed_documents, processing_failures
from tg_parser.testing.llm.answers import analysis_answer
from tg_parser.testing.llm.child import ChildModelServer
from tg_parser.testing.llm.openai import fake_openai
from tg_parser.testing.llm.server import RANDOM_FAULTS
from tg_parser.wiring import wired_stages

MODEL = "gpt-5-mini"
CHANNEL, CHANNEL_ID, GROUP_ID = "benchchannel", 1700000001, 1700000002
TITLE = "Bench Channel"
START = datetime(2025, 1, 6, 9, 0)
RETRY_AFTER = 0.2  # seconds the fake asks a rate-limited client to wait
MIN_MESSAGES = 40
FAULT_RATE, RESILIENCE_CONCURRENCY, RESILIENCE_ATTEMPTS = 0.2, 32, 2
FAULT_KINDS = RANDOM_FAULTS  # 429, 500, a timeout, a truncated body
BATCH_SIZE = 8  # messages per call in the batched token run
LLM_TIMEOUT, TIMEOUT_DELAY = 1.0, 1.5  # a "timeout" fault stalls past the client's timeout
# shares of the content posts, for the token comparison
SHARES = {"ads": 0.10, "greetings": 0.05, "reposts": 0.10, "one_word": 0.30, "comments": 0.10}
PLAIN_PROMPT = (
    "Analyse this Telegram message. Answer with JSON with the fields: summary (one or two "
    "sentences), topics (2-5 key phrases), entities (people, organisations, products, "
    "places, events), language (ISO 639-1 code), noise (true for ads, greetings and "
    "chatter).\n\nMessage:\n"
)

SENTENCES: dict[str, list[str]] = {
    "en": [
        "Our PostgreSQL cluster now replicates {n} GB a day to the standby in Frankfurt.",
        "The new release cut cold start time from {n} ms to under a second.",
        "We moved the billing service to Kubernetes and saved {n} percent on hosting.",
        "Apple confirmed that the update reaches older iPhones within {n} days.",
        "The city council approved {n} new bike lanes along the river embankment.",
        "Analysts expect electric car sales in Europe to grow by {n} percent next year.",
        "Our team spent {n} hours tracing a memory leak in the image resizer.",
        "The conference in Lisbon gathered {n} speakers from forty countries this spring.",
        "Rust bindings for the parser are now about {n} times faster than Python ones.",
    ],
    "ru": [
        "Мы перенесли сервис оплаты в Kubernetes и сэкономили {n} процентов на хостинге.",
        "Новая версия приложения запускается за {n} миллисекунд вместо двух секунд.",
        "Мэрия утвердила {n} новых велодорожек вдоль набережной реки.",
        "Аналитики ждут роста продаж электромобилей в Европе на {n} процентов.",
        "Команда потратила {n} часов на поиск утечки памяти в сервисе картинок.",
        "Центробанк сохранил ключевую ставку, а инфляция за месяц составила {n} десятых процента.",
        "На конференции в Казани выступили {n} докладчиков из двенадцати городов.",
        "Репликация PostgreSQL теперь передаёт {n} гигабайт в сутки на резервный сервер.",
        "Ученые из Новосибирска показали батарею, которая выдерживает {n} циклов зарядки.",
    ],
    "uk": [
        "Київський метрополітен відкрив {n} нових входів на станціях лівого берега.",
        "Наша команда переписала парсер на Go і пришвидшила його в {n} разів.",
        "Уряд виділив {n} мільйонів гривень на ремонт шкіл у прифронтових областях.",
        "Продажі сонячних панелей в Україні зросли на {n} відсотків за рік.",
        "Львівський фестиваль кави зібрав понад {n} тисяч відвідувачів за вихідні.",
        "Ми витратили {n} годин на міграцію бази даних без простою сервісу.",
        "Нова версія застосунку Дія додала {n} послуг для підприємців.",
    ],
    "de": [
        "Die Deutsche Bahn meldet {n} Prozent mehr pünktliche Fernzüge als im Vorjahr.",
        "Unser Team hat den Build von zwanzig auf {n} Minuten verkürzt.",
        "Die Stadt München plant {n} neue Ladestationen für Elektroautos.",
        "Der neue Tarifvertrag bringt den Beschäftigten {n} Prozent mehr Lohn.",
        "Forscher aus Jena haben einen Laser mit {n} Watt Leistung vorgestellt.",
        "Wir haben die Datenbank ohne Ausfallzeit auf Version {n} migriert.",
        "Die Messe in Hannover zählte in diesem Jahr {n} tausend Besucher.",
    ],
    "es": [
        "El ayuntamiento de Valencia abrirá {n} kilómetros de carril bici este año.",
        "Nuestro equipo redujo el tiempo de despliegue a {n} minutos con contenedores.",
        "Las ventas de coches eléctricos en España crecieron un {n} por ciento.",
        "El festival de cine de San Sebastián proyectó {n} películas de treinta países.",
        "Investigadores de Barcelona presentaron un chip que consume {n} veces menos energía.",
        "La nueva línea de metro en Madrid transportará a {n} mil pasajeros al día.",
        "Migramos la base de datos a la nube en {n} horas sin perder datos.",
    ],
}
ADS_TEXTS = [
    "Реклама. ООО «Вектор», ИНН 7701234567. erid: 2Vtzq{code}. Курс по аналитике данных: "
    "первые {n} уроков бесплатно, записывайтесь по ссылке в профиле канала.",
    "Sponsored. erid: LjN8K{code}. Deploy your app in {n} seconds with CloudNest: the free "
    "tier needs no credit card, sign up today and get a bonus month.",
    "#реклама erid: 4CQwV{code} Скидка {n}% на курс английского до конца недели, "
    "промокод BENCH{n} в приложении школы.",
]
GREETING_TEXTS = [
    "Доброе утро, друзья! ☀️",
    "Всем привет! Хорошей недели",
    "Good morning everyone!",
    "Happy Friday, folks 🎉",
    "С пятницей! 🍕",
]
ONE_WORD_TEXTS = ["👍", "Спасибо!", "+1", "Круто", "Thanks!", "🔥", "Согласен", "Дякую"]
REAL_COMMENTS = [
    "А как вы измеряли задержку на {n} запросах? У нас на похожей нагрузке цифры были хуже.",
    "We tried the same last year, but after {n} days the costs went up again. Any tips?",
    "Підтверджую, у нас після оновлення все запрацювало за {n} хвилин без жодних проблем.",
    "Интересно, а сколько стоило внедрение? Мы считали и получили около {n} тысяч в месяц.",
]


@dataclass
class Corpus:
    """A channel's posts, and comments as (index of the post they reply to, text)."""

    posts: list[str]
    comments: list[tuple[int, str]] = field(default_factory=list)

    def texts(self) -> list[str]:
        return self.posts + [text for _, text in self.comments]


def content_posts(count: int, rng: random.Random) -> list[str]:
    """``count`` distinct posts of 30-80 words, one language each."""
    posts: dict[str, None] = {}
    while len(posts) < count:
        posts.setdefault(_post(rng))
    return list(posts)


def _post(rng: random.Random) -> str:
    pool = SENTENCES[rng.choice(sorted(SENTENCES))]
    target = rng.randint(30, 80)
    sentences: list[str] = []
    for template in rng.sample(pool, len(pool)):
        sentence = template.format(n=rng.randint(2, 999))
        if len(" ".join([*sentences, sentence]).split()) > 80:
            break
        sentences.append(sentence)
        if len(" ".join(sentences).split()) >= target:
            break
    text = " ".join(sentences)
    return text if len(text.split()) >= 30 else _post(rng)


def mixed_corpus(count: int, rng: random.Random) -> Corpus:
    """``count`` content posts with ads, greetings, reposts and comments in ``SHARES``."""
    posts = content_posts(count, rng)
    ads = [rng.choice(ADS_TEXTS).format(code=i, n=rng.randint(5, 50)) for i in _share(count, "ads")]
    greetings = [rng.choice(GREETING_TEXTS) for _ in _share(count, "greetings")]
    reposts = rng.sample(posts, len(_share(count, "reposts")))
    channel = [(text, True) for text in posts] + [(t, False) for t in ads + greetings + reposts]
    rng.shuffle(channel)
    content = [index for index, (_, is_content) in enumerate(channel) if is_content]
    comments = [
        (rng.choice(content), rng.choice(ONE_WORD_TEXTS)) for _ in _share(count, "one_word")
    ]
    comments += [
        (rng.choice(content), rng.choice(REAL_COMMENTS).format(n=rng.randint(2, 999)))
        for _ in _share(count, "comments")
    ]
    return Corpus([text for text, _ in channel], comments)


def _share(count: int, kind: str) -> range:
    return range(round(count * SHARES[kind]))


def write_exports(workdir: Path, corpus: Corpus) -> tuple[Path, Path]:
    """The channel's export and its discussion group's: one copy of each commented post
    (as Telegram makes it, seconds after the post), then the comments replying to it."""
    channel = {"from": TITLE, "from_id": f"channel{CHANNEL_ID}"}
    posts = [
        _message(number, _posted(number), text, channel)
        for number, text in enumerate(corpus.posts, start=1)
    ]
    copy = channel | {"forwarded_from": TITLE, "forwarded_from_id": f"channel{CHANNEL_ID}"}
    copies: dict[int, int] = {}
    group: list[dict[str, Any]] = []
    for number, (post, text) in enumerate(sorted(corpus.comments), start=1):
        posted = _posted(post + 1)
        if post not in copies:
            copies[post] = len(group) + 1
            group.append(
                _message(copies[post], posted + timedelta(seconds=2), corpus.posts[post], copy)
            )
        user = {"from": f"User {number}", "from_id": f"user{1000 + number}"}
        reply = user | {"reply_to_message_id": copies[post]}
        group.append(_message(len(group) + 1, posted + timedelta(seconds=10 + number), text, reply))
    channel_path, group_path = workdir / "channel.json", workdir / "group.json"
    _write(channel_path, TITLE, "public_channel", CHANNEL_ID, posts)
    _write(group_path, f"{TITLE} Chat", "public_supergroup", GROUP_ID, group)
    return channel_path, group_path


def _posted(number: int) -> datetime:
    """When post ``number`` went out: one an hour."""
    return START + timedelta(hours=number)


def _message(number: int, date: datetime, text: str, extra: dict[str, Any]) -> dict[str, Any]:
    return {
        "id": number,
        "type": "message",
        "date": date.isoformat(),
        "date_unixtime": str(int(date.timestamp())),
        **extra,
        "text": text,
        "text_entities": [{"type": "plain", "text": text}],
    }


def _write(path: Path, name: str, kind: str, chat_id: int, messages: list[Any]) -> None:
    export = {"name": name, "type": kind, "id": chat_id, "messages": messages}
    path.write_text(json.dumps(export, ensure_ascii=False), encoding="utf-8")


async def imported(workdir: Path, corpus: Corpus) -> Path:
    """A fresh SQLite database holding ``corpus``, imported like a Desktop export."""
    workdir.mkdir(parents=True)
    channel_path, group_path = write_exports(workdir, corpus)
    db_path = workdir / "bench.sqlite"
    db = await Database.open(Settings(db_path=db_path))
    try:
        await import_desktop(db, ImportOptions(path=channel_path, channel=CHANNEL))
        if corpus.comments:
            await import_desktop(db, ImportOptions(path=group_path, comments_for=CHANNEL))
    finally:
        await db.close()
    return db_path


def model_settings(db_path: Path, server: ChildModelServer, **extra: Any) -> Settings:
    """Settings that send the process service's calls to the loopback OpenAI server."""
    options: dict[str, Any] = {
        "db_path": db_path,
        "llm_provider": "openai",
        "llm_model": MODEL,
        "openai_api_key": "sk-bench",
        "llm_base_url": f"{server.base_url}/v1",
        "llm_requests_per_minute": None,
        "llm_tokens_per_minute": None,
        "retry_backoff_base": 0.05,
        "retry_jitter": 0.05,
    }
    return Settings(**(options | extra))


@dataclass(frozen=True)
class Run:
    report: ProcessReport
    seconds: float  # the processing call's wall time
    cpu_seconds: float  # the whole process's CPU time meanwhile (the fake's threads too)
    final_limit: int  # the adaptive limiter's limit at the end


async def process(settings: Settings, concurrency: int, **options: Any) -> Run:
    """One processing run, wired as the CLI wires it with ``--concurrency``."""
    db = await Database.open(settings)
    try:
        async with wired_stages(settings, ModelRequest(concurrency=concurrency)) as stages:
            runner = stages.choice.runner
            assert runner is not None, "the bench needs a model provider"
            started, cpu = time.perf_counter(), time.process_time()
            report = await stages.process(db, ProcessOptions(**options))
            seconds, cpu = time.perf_counter() - started, time.process_time() - cpu
    finally:
        await db.close()
    return Run(report, seconds, cpu, runner.limiter.limit)


async def stored_facts(db_path: Path) -> dict[str, Any]:
    """What the database holds: documents, failures, model calls and their errors."""
    docs, calls = processed_documents.c, llm_calls.c
    twice = select(docs.source_ref).group_by(docs.source_ref).having(func.count() > 1)
    ok = calls.status == "ok"
    answered_twice = select(calls.source_ref).where(ok).group_by(calls.source_ref)
    db = await Database.open(Settings(db_path=db_path))
    try:
        async with db.transaction() as repos:
            documents = await repos.documents.for_channel()
        async with db.engine.connect() as conn:

            async def scalar(query: Any) -> int:
                return int((await conn.execute(query)).scalar_one() or 0)

            def count(query: Any) -> Any:
                return select(func.count()).select_from(query.subquery())

            errors = (await conn.execute(select(calls.error).where(~ok))).scalars()
            return {
                "documents": len(documents),
                "skipped_the_model": sum(
                    "llm_skipped" in (d.document.metadata or {}) for d in documents
                ),
                "failures_left": await scalar(
                    select(func.count()).select_from(processing_failures)
                ),
                "messages_with_two_documents": await scalar(count(twice)),
                "messages_answered_twice": await scalar(
                    count(answered_twice.having(func.count() > 1))
                ),
                "model_calls_ok": await scalar(select(func.count()).where(ok)),
                "input_tokens": await scalar(select(func.sum(calls.input_tokens))),
                "failed_attempts": dict(Counter(_error_kind(e or "") for e in errors)),
            }
    finally:
        await db.close()


def _error_kind(error: str) -> str:
    """``RetryableProviderError: OpenAI rate limit hit (429): lower …`` → the middle part."""
    parts = error.split(": ", 2)
    return parts[1] if len(parts) > 1 else error


async def warm_up(workdir: Path) -> None:
    """A small run first, so that no level pays the one-time costs (the SDK's lazy imports,
    loading the language model)."""
    db_path = await imported(workdir / "warm-up", Corpus(content_posts(10, random.Random(0))))
    with fake_openai(answer=analysis_answer) as server:
        await process(model_settings(db_path, server), 8)


async def throughput(args: argparse.Namespace, workdir: Path) -> list[dict[str, Any]]:
    ceilings = {c: min(c / args.latency, args.rate_limit) for c in args.concurrencies}
    top = max(ceilings.values())
    results = []
    for concurrency, ceiling in ceilings.items():
        count = max(MIN_MESSAGES, round(args.throughput_messages * ceiling / top))
        results.append(await throughput_level(args, workdir, concurrency, ceiling, count))
    return results


async def throughput_level(
    args: argparse.Namespace, workdir: Path, concurrency: int, ceiling: float, count: int
) -> dict[str, Any]:
    corpus = Corpus(content_posts(count, random.Random(concurrency)))
    db_path = await imported(workdir / f"throughput-{concurrency}", corpus)
    with ChildModelServer(
        fake_openai,
        answer=analysis_answer,
        latency=args.latency,
        rate_limit=args.rate_limit,
        retry_after=RETRY_AFTER,
    ) as server:
        run = await process(model_settings(db_path, server), concurrency)
        served = server.stats()
    facts = await stored_facts(db_path)
    processed = run.report.counters["processed"]
    rate = processed / run.seconds
    return {
        "concurrency": concurrency,
        "messages": count,
        "processed": processed,
        "failed": run.report.counters["failed"],
        "seconds": round(run.seconds, 3),
        "messages_per_second": round(rate, 1),
        "ceiling_messages_per_second": round(ceiling, 1),
        "ratio": round(rate / ceiling, 3),
        "cpu_ms_per_message": round(run.cpu_seconds * 1000 / processed, 2),
        "cpu_busy_share": round(run.cpu_seconds / run.seconds, 2),
        "requests": served["requests"],
        "rate_limited_429": served["requests"] - served["calls"],
        "failed_attempts": facts["failed_attempts"],
        "limiter_final_limit": run.final_limit,
    }


async def resilience(args: argparse.Namespace, workdir: Path) -> dict[str, Any]:
    """Faults on a fifth of the requests: no message lost, none processed twice, no crash."""
    count = args.messages
    db_path = await imported(workdir / "resilience", Corpus(content_posts(count, random.Random(1))))
    with ChildModelServer(
        fake_openai,
        answer=analysis_answer,
        latency=args.latency,
        fault_rate=FAULT_RATE,
        fault_kinds=FAULT_KINDS,
        timeout_delay=TIMEOUT_DELAY,
        retry_after=RETRY_AFTER,
        seed=1,
    ) as server:
        settings = model_settings(
            db_path, server, llm_timeout=LLM_TIMEOUT, retry_max_attempts=RESILIENCE_ATTEMPTS
        )
        try:
            first = await process(settings, RESILIENCE_CONCURRENCY)
        except Exception as exc:
            return {"run_returned_a_report": False, "error": f"{type(exc).__name__}: {exc}"}
        faulty_requests = server.stats()["requests"]
        server.set(fault_rate=0.0)
        retried = await process(settings, RESILIENCE_CONCURRENCY, retry_failed=True)
        sends = Counter(server.stats()["inputs"])
    facts = await stored_facts(db_path)
    done, failed = first.report.counters["processed"], first.report.counters["failed"]
    return {
        "messages": count,
        "fault_rate": FAULT_RATE,
        "fault_kinds": list(FAULT_KINDS),
        "concurrency": RESILIENCE_CONCURRENCY,
        "retry_max_attempts": RESILIENCE_ATTEMPTS,
        "llm_timeout_seconds": LLM_TIMEOUT,
        "run_returned_a_report": True,
        "seconds": round(first.seconds, 3),
        "processed": done,
        "failed": failed,
        "total": done + failed,
        "no_message_lost": done + failed == count,
        "requests": faulty_requests,
        "failed_attempts": facts["failed_attempts"],
        "limiter_final_limit": first.final_limit,
        "retry_failed": {
            "seconds": round(retried.seconds, 3),
            "processed": retried.report.counters["processed"],
            "failed": retried.report.counters["failed"],
            "every_failure_processed": retried.report.counters["processed"] == failed,
        },
        "after_both_runs": {
            "documents": facts["documents"],
            "documents_equal_messages": facts["documents"] == count,
            "failures_left": facts["failures_left"],
            "messages_with_two_documents": facts["messages_with_two_documents"],
            "messages_answered_twice": facts["messages_answered_twice"],
            "distinct_inputs_sent": len(sends),
            "max_sends_of_one_input": max(sends.values()),
        },
    }


async def tokens(args: argparse.Namespace, workdir: Path) -> dict[str, Any]:
    """Input tokens per message against a plain prompt sent once per message: tg-parser one
    message per call (the default) and with short messages sharing calls."""
    corpus = mixed_corpus(args.messages, random.Random(2))
    texts = corpus.texts()
    plain = sum(estimate_tokens(PLAIN_PROMPT + text) for text in texts)
    return {
        "token_count": "characters/4 (no tokenizer available); the fake server counts "
        "tg-parser's calls (instructions + input) the same way",
        "messages": len(texts),
        "mix": {"content_posts": args.messages}
        | {kind: len(_share(args.messages, kind)) for kind in SHARES},
        "plain_prompt_tokens": estimate_tokens(PLAIN_PROMPT),
        "plain_input_tokens_per_message": round(plain / len(texts), 1),
        "json_schema_tokens_per_call_not_counted": estimate_tokens(json.dumps(ANALYSIS_SCHEMA)),
        "one_message_per_call": await _tokens_run(workdir, corpus, plain, batch_size=1),
        f"batches_of_{BATCH_SIZE}": await _tokens_run(
            workdir, corpus, plain, batch_size=BATCH_SIZE
        ),
    }


async def _tokens_run(
    workdir: Path, corpus: Corpus, plain: int, *, batch_size: int
) -> dict[str, Any]:
    db_path = await imported(workdir / f"tokens-{batch_size}", corpus)
    with ChildModelServer(fake_openai, answer=analysis_answer) as server:
        settings = model_settings(db_path, server, llm_batch_size=batch_size)
        await process(settings, RESILIENCE_CONCURRENCY)
    facts = await stored_facts(db_path)
    messages, recorded, calls = len(corpus.texts()), facts["input_tokens"], facts["model_calls_ok"]
    return {
        "model_calls": calls,
        "skipped_the_model": facts["skipped_the_model"],
        "documents": facts["documents"],
        "failed_attempts": facts["failed_attempts"],
        "input_tokens": recorded,
        "input_tokens_per_message": round(recorded / messages, 1),
        "input_tokens_per_call": round(recorded / calls, 1),
        "to_plain": round(recorded / plain, 2),
        "saving_against_plain": round(1 - recorded / plain, 3),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--concurrencies", type=int, nargs="+", default=[1, 8, 32, 64])
    parser.add_argument("--latency", type=float, default=0.2)
    parser.add_argument("--rate-limit", type=float, default=150.0)
    parser.add_argument("--throughput-messages", type=int, default=1500)
    parser.add_argument("--messages", type=int, default=600)
    args = parser.parse_args()
    configure_logging(Settings(log_level="ERROR"))
    print(json.dumps(asyncio.run(benchmark(args)), indent=2, ensure_ascii=False))


async def benchmark(args: argparse.Namespace) -> dict[str, Any]:
    workdir = Path(tempfile.mkdtemp(prefix="tgp-process-bench-"))
    machine = {"cpus": os.cpu_count(), "load_average_1m_at_start": os.getloadavg()[0]}
    await warm_up(workdir)
    levels = await throughput(args, workdir)
    at_32 = next((level["ratio"] for level in levels if level["concurrency"] == 32), None)
    return {
        "benchmark": "process",
        "provider": f"openai {MODEL} (loopback fake in a child process, Responses API)",
        "machine": machine,
        "latency_seconds": args.latency,
        "rate_limit_per_second": args.rate_limit,
        "throughput": levels,
        "resilience": await resilience(args, workdir),
        "tokens": await tokens(args, workdir),
        "goals": {"ratio_at_concurrency_32_min": 0.9},
        "meets_goals": at_32 is not None and at_32 >= 0.9,
    }


if __name__ == "__main__":
    main()
