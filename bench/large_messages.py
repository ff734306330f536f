# ruff: noqa: RUF001  (Russian sentence templates)
"""Very large messages: seconds the offline analyser takes to analyse one message of
1 KB, 100 KB, 1 MB and 5 MB (issue 13: a 5 MB message took 234 s).

Each message is made of the same Russian and English sentences (links, prices, dates,
phone numbers, hashtags), five to a paragraph, cut to the size; it goes through
``OfflineAnalyser.analyse`` — clean text, noise, language, summary, key phrases and
entities, the whole offline analysis a message gets in ``tg-parser process``. Every size
is timed ``--repeat`` times and the best time is kept; a ``--single-line`` message has no
line breaks at all (the worst case for sentence splitting). Goal: 5 MB well under a few
seconds.

Prints one JSON object: ``{"seconds": {"1KB": …, "100KB": …, "1MB": …, "5MB": …}, …}``.

    python bench/large_messages.py [--sizes 1000 100000 1000000 5000000] [--repeat 3]
        [--single-line]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import time
from datetime import UTC, datetime
from itertools import cycle

from tg_parser.llm.base import ChannelContext, MessageInput
from tg_parser.llm.offline import OfflineAnalyser

SENTENCES = (
    "Новый релиз Python 3.13 вышел 2 октября 2024 г. и принёс free-threaded режим.",
    "See https://docs.python.org/3.13/whatsnew/3.13.html for the details, e.g. the JIT.",
    "Цена подписки 990 руб. в месяц, скидка 15% до 1 декабря, звоните +7 999 123-45-67.",
    "PostgreSQL 17 speeds up VACUUM by 20x on large tables, says the release note.",
    "Мы перевели индексацию на asyncio.gather и сократили задержку до 120 ms.",
    "What does it mean for you? Fewer locks, less memory, faster queries #postgres.",
    "Т.е. обновляться стоит уже сейчас, а не ждать следующего минорного релиза.",
)


def message(size: int, *, single_line: bool) -> str:
    """A message of ``size`` characters, five sentences to a paragraph."""
    parts: list[str] = []
    length = 0
    for number, sentence in enumerate(cycle(SENTENCES), start=1):
        parts.append(sentence)
        parts.append(" " if single_line or number % 5 else "\n\n")
        length += len(sentence) + len(parts[-1])
        if length >= size:
            break
    return "".join(parts)[:size]


def seconds(analyser: OfflineAnalyser, text: str, repeat: int) -> float:
    item = MessageInput(
        source_ref="tg:bench:post:1",
        message_type="post",
        text=text,
        date=datetime(2026, 1, 1, tzinfo=UTC),
        channel=ChannelContext("bench"),
    )
    best = float("inf")
    for _ in range(repeat):
        started = time.perf_counter()
        asyncio.run(analyser.analyse(item))
        best = min(best, time.perf_counter() - started)
    return round(best, 3)


def label(size: int) -> str:
    for unit, scale in (("MB", 1_000_000), ("KB", 1_000)):
        if size >= scale:
            return f"{size // scale}{unit}"
    return f"{size}B"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--sizes", type=int, nargs="+", default=[1_000, 100_000, 1_000_000, 5_000_000]
    )
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--single-line", action="store_true")
    args = parser.parse_args()
    analyser = OfflineAnalyser()
    seconds(analyser, message(1_000, single_line=False), 1)  # load the language model first
    report = {
        "seconds": {
            label(size): seconds(analyser, message(size, single_line=args.single_line), args.repeat)
            for size in args.sizes
        },
        "single_line": args.single_line,
        "repeat": args.repeat,
    }
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
