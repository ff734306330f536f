"""The topic a result belongs to: of the current topics whose bundle holds the message, the
one it anchors, else the one that scored it highest (then the smaller topic id)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from tg_parser.search.models import TopicRef
from tg_parser.store import Repositories
from tg_parser.store.search import HitRow


async def topics_of(repos: Repositories, rows: Sequence[HitRow]) -> dict[str, TopicRef]:
    """The topic of each row's message that is in a topic (by source_ref)."""
    refs = {row.source_ref for row in rows}
    if not refs:
        return {}
    best: dict[str, tuple[tuple[Any, ...], TopicRef]] = {}
    for topic in await repos.search.topics(sorted({row.channel_id for row in rows})):
        for item in topic.items:
            ref = item.get("source_ref")
            if ref not in refs:
                continue
            key = (item.get("role") != "anchor", -float(item.get("score") or 0.0), topic.topic_id)
            if ref not in best or key < best[ref][0]:
                best[ref] = (key, TopicRef(id=topic.topic_id, title=topic.title))
    return {ref: topic for ref, (_, topic) in best.items()}
