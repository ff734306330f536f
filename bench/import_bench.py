"""Import benchmark: `tg-parser import` against a minimal baseline on the same export.

Writes a synthetic Telegram Desktop export of N messages (entity lists, media, replies,
edits, reactions), then measures in separate processes:

- baseline: plain ``json.load`` + one ``executemany`` of the same rows into SQLite (the
  same ``raw_messages`` table and column values tg-parser stores);
- tg-parser: ``tg-parser import`` into a fresh SQLite database.

Prints one JSON object: messages/s and peak RSS of each, and their ratio.
Goals (issue 2): tg-parser throughput ≥ 50% of the baseline's, peak RSS < 250 MB.

    python bench/import_bench.py [--messages 100000] [--keep DIR]
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import random
import sqlite3
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import sqlalchemy

from tg_parser.store.tables import raw_messages

VOCABULARY = (
    "канал новости релиз Python PostgreSQL обновление release notes performance "
    "индекс запрос server latency бенчмарк модель данные topic Telegram message "
    "комментарий пользователь migration schema 2026 версия fast memory ошибка fix"
)
WORDS = VOCABULARY.split()


def write_export(path: Path, count: int, seed: int = 7) -> None:
    """Stream a single-chat export to ``path`` without holding it in memory."""
    rng = random.Random(seed)
    start = 1_735_689_600  # 2025-01-01T00:00:00Z
    with path.open("w", encoding="utf-8") as out:
        out.write('{"name": "Bench Channel", "type": "public_channel", "id": 1555000111,')
        out.write('"messages": [\n')
        for message_id in range(1, count + 1):
            message = _message(rng, message_id, start + message_id * 60)
            out.write(json.dumps(message, ensure_ascii=False))
            out.write(",\n" if message_id < count else "\n")
        out.write("]}\n")


def _message(rng: random.Random, message_id: int, unixtime: int) -> dict[str, object]:
    sentence = " ".join(rng.choice(WORDS) for _ in range(rng.randint(8, 60)))
    parts: list[object] = [
        {"type": "bold", "text": "Заголовок " + str(message_id)},
        "\n" + sentence + " ",
        {"type": "text_link", "text": "ссылка", "href": f"https://example.org/{message_id}"},
        " ",
        {"type": "hashtag", "text": "#" + rng.choice(WORDS)},
    ]
    stamp = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(unixtime))
    message: dict[str, object] = {
        "id": message_id,
        "type": "message",
        "date": stamp,
        "date_unixtime": str(unixtime),
        "from": "Bench Channel",
        "from_id": "channel1555000111",
        "text": parts,
        "text_entities": [
            p if isinstance(p, dict) else {"type": "plain", "text": p} for p in parts
        ],
    }
    if message_id % 10 == 0:
        message |= {
            "photo": f"photos/photo_{message_id}.jpg",
            "photo_file_size": 120_000 + message_id,
            "width": 1280,
            "height": 720,
        }
    if message_id % 7 == 0 and message_id > 1:
        message["reply_to_message_id"] = message_id - rng.randint(1, min(50, message_id - 1))
    if message_id % 13 == 0:
        message |= {"edited": stamp, "edited_unixtime": str(unixtime + 300)}
    if message_id % 5 == 0:
        message["reactions"] = [{"type": "emoji", "count": rng.randint(1, 90), "emoji": "👍"}]
    return message


def baseline(export: Path, database: Path) -> int:
    """The minimal importer: ``json.load``, the same row values tg-parser stores (flat text,
    payload JSON, content hash, UTC timestamps), one ``executemany`` into the same
    ``raw_messages`` table (tg-parser's schema, with its indexes)."""
    data = json.load(export.open(encoding="utf-8"))
    channel = f"-100{data['id']}"
    now = datetime.now(UTC).strftime("%Y-%m-%d %H:%M:%S.%f")
    rows = [_row(channel, m, now) for m in data["messages"] if m["type"] == "message"]
    engine = sqlalchemy.create_engine(f"sqlite:///{database}")
    raw_messages.create(engine)
    engine.dispose()
    con = sqlite3.connect(database)
    columns = ", ".join(rows[0])
    marks = ", ".join(f":{name}" for name in rows[0])
    with con:
        con.executemany(f"INSERT INTO raw_messages ({columns}) VALUES ({marks})", rows)
    con.close()
    return len(rows)


def _row(channel: str, message: dict[str, Any], now: str) -> dict[str, Any]:
    text = _flat(message["text"])
    return {
        "source_ref": f"tg:{channel}:post:{message['id']}",
        "channel_id": channel,
        "message_type": "post",
        "message_id": message["id"],
        "thread_id": message["id"],
        "date": datetime.fromtimestamp(int(message["date_unixtime"]), UTC).strftime(
            "%Y-%m-%d %H:%M:%S.%f"
        ),
        "text": text,
        "raw_payload": json.dumps(message, ensure_ascii=False),
        "content_hash": hashlib.sha256(text.encode()).hexdigest(),
        "version": 1,
        "first_seen_at": now,
        "updated_at": now,
    }


def _flat(text: object) -> str:
    if isinstance(text, str):
        return text
    return "".join(p if isinstance(p, str) else str(p.get("text", "")) for p in text)  # type: ignore[union-attr]


def measure(command: list[str], env: dict[str, str]) -> dict[str, float]:
    """Wall time and peak RSS of one child process: the largest single process (from the
    kernel) and the sum over the process tree (its worker processes too), sampled."""
    started = time.perf_counter()
    process = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL)
    tree_peak = 0
    while True:
        tree_peak = max(tree_peak, _tree_rss_kb(process.pid))
        pid, status, usage = os.wait4(process.pid, os.WNOHANG)
        if pid:
            break
        time.sleep(0.05)
    seconds = time.perf_counter() - started
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(f"{command[:4]} failed with status {status}")
    return {
        "seconds": round(seconds, 3),
        "peak_rss_mb": round(usage.ru_maxrss / 1024, 1),
        "peak_rss_tree_mb": round(tree_peak / 1024, 1),
    }


def _tree_rss_kb(pid: int) -> int:
    """VmRSS of ``pid`` and all its descendants (Linux /proc)."""
    total = 0
    pending = [pid]
    while pending:
        current = pending.pop()
        try:
            status = Path(f"/proc/{current}/status").read_text()
            children = Path(f"/proc/{current}/task/{current}/children").read_text().split()
        except OSError:
            continue
        total += next(
            (int(line.split()[1]) for line in status.splitlines() if line.startswith("VmRSS")),
            0,
        )
        pending += [int(child) for child in children]
    return total


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=100_000)
    parser.add_argument("--keep", type=Path, help="keep the export and databases here")
    parser.add_argument(
        "--baseline-only", nargs=2, metavar=("EXPORT", "DB"), help=argparse.SUPPRESS
    )
    args = parser.parse_args()
    if args.baseline_only:
        baseline(Path(args.baseline_only[0]), Path(args.baseline_only[1]))
        return
    workdir = args.keep or Path(tempfile.mkdtemp(prefix="tgp-import-bench-"))
    workdir.mkdir(parents=True, exist_ok=True)
    export = workdir / "result.json"
    write_export(export, args.messages)
    env = dict(os.environ, DB_PATH=str(workdir / "tg_parser.sqlite"), LOG_LEVEL="WARNING")
    base = measure(
        [sys.executable, __file__, "--baseline-only", str(export), str(workdir / "base.sqlite")],
        env,
    )
    ours = measure(
        [sys.executable, "-c", "from tg_parser.cli.app import main; main()", "import", str(export)],
        env,
    )
    for result in (base, ours):
        result["messages_per_second"] = round(args.messages / result["seconds"], 1)
    ratio = ours["messages_per_second"] / base["messages_per_second"]
    report = {
        "benchmark": "import",
        "messages": args.messages,
        "export_mb": round(export.stat().st_size / 2**20, 1),
        "baseline": base,
        "tg_parser": ours,
        "throughput_ratio": round(ratio, 3),
        "goals": {"throughput_ratio_min": 0.5, "peak_rss_mb_max": 250},
        "meets_goals": ratio >= 0.5 and ours["peak_rss_tree_mb"] < 250,
    }
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
