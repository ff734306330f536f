"""The model path of ``bench/quality.py``: process a corpus through a loopback OpenAI
server whose model labels each message with the corpus's ground truth (``exact``) or with
a wrong subject for 20% of the messages (``noisy``)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from tg_parser.config import Settings
from tg_parser.llm.providers import ModelRequest
from tg_parser.process import ProcessOptions
from tg_parser.store.database import Database
from tg_parser.testing.llm.labeller import Verdict, labelling_answer, text_key
from tg_parser.testing.llm.openai import fake_openai
from tg_parser.testing.quality import Labels
from tg_parser.wiring import wired_stages

WRONG = {"exact": 0.0, "noisy": 0.2}


def message_texts(export: Path) -> dict[int, str]:
    """Message id → plain text of a Telegram Desktop export."""
    raw = json.loads((export / "result.json").read_text(encoding="utf-8"))
    return {m["id"]: _plain(m.get("text", "")) for m in raw["messages"]}


def _plain(text: str | list[Any]) -> str:
    if isinstance(text, str):
        return text
    return "".join(part if isinstance(part, str) else part.get("text", "") for part in text)


def verdicts(labels: Labels, posts: dict[int, str], comments: dict[int, str]) -> dict[str, Verdict]:
    """What the labeller answers, by text key: posts by their label; a comment on-topic
    carries its post's subject, an off-topic one is chatter."""
    table: dict[str, Verdict] = {}
    for number, label in labels.posts.items():
        if posts.get(number, "").strip():
            table[text_key(posts[number])] = Verdict(label.subject, label.ad)
    for number, comment in labels.comments.items():
        subject = labels.posts[comment.post].subject if comment.on_topic else None
        if comments.get(number, "").strip():
            table.setdefault(text_key(comments[number]), Verdict(subject))
    return table


async def process_with_labeller(
    db: Database, labels: Labels, mode: str, channel: Path, discussion: Path | None
) -> None:
    comments = message_texts(discussion) if discussion else {}
    answer = labelling_answer(verdicts(labels, message_texts(channel), comments), wrong=WRONG[mode])
    with fake_openai(answer=answer) as server:
        settings = Settings(
            database_url=db.settings.database_url,
            llm_provider="openai",
            llm_model="gpt-5-mini",
            openai_api_key="sk-bench",
            llm_base_url=f"{server.base_url}/v1",
            llm_requests_per_minute=None,
            llm_tokens_per_minute=None,
            retry_backoff_base=0.05,
            retry_jitter=0.05,
        )
        async with wired_stages(settings, ModelRequest(concurrency=8)) as stages:
            await stages.process(db, ProcessOptions())
