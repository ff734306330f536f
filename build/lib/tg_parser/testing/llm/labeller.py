"""A fake model that labels messages with a corpus's ground truth (the evaluation bench's
model path): each analysed message gets its labelled subject as its first topic and its
labelled noise flag — or, for a share of the messages (``wrong``), another subject, as a
model that is often but not always right would.

Messages are recognised by their text: :func:`text_key` of the message in the request
must match the key of a labelled message's text. The subject is written as a model would
write it, not as a slug: words, sometimes capitalised, followed by a key word of the text.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from tg_parser.testing.llm.answers import _BATCHED, _MESSAGE, _analysis
from tg_parser.testing.llm.server import ModelCall, schema_instance

_NOT_WORD = re.compile(r"[\W_]+")
KEY_CHARS = 80


@dataclass(frozen=True)
class Verdict:
    """What the labeller says about one message."""

    subject: str | None
    ad: bool = False


def text_key(text: str) -> str:
    """Letters and digits of the text's start, case-folded (markup and escaping vary)."""
    return _NOT_WORD.sub("", text.casefold())[:KEY_CHARS]


def _digest(*parts: object) -> int:
    return int(hashlib.sha256("|".join(map(str, parts)).encode()).hexdigest()[:12], 16)


def labelling_answer(
    verdicts: Mapping[str, Verdict], *, wrong: float = 0.0, seed: int = 0
) -> Callable[[ModelCall], Any]:
    """An ``answer`` for :class:`FakeModelServer`: ``verdicts`` by :func:`text_key`."""
    subjects = sorted({v.subject for v in verdicts.values() if v.subject})

    def verdict_of(text: str) -> dict[str, Any]:
        base = _analysis(text)
        key = text_key(text)
        verdict = verdicts.get(key)
        if verdict is None:
            return base
        if verdict.subject is None:
            reason = "advertising" if verdict.ad else "greeting or chatter"
            return base | {"noise": True, "noise_reason": reason, "topics": []}
        subject = verdict.subject
        roll = _digest(seed, key)
        if subjects and roll % 1000 < wrong * 1000:
            others = [s for s in subjects if s != subject] or [subject]
            subject = others[(roll // 1000) % len(others)]
        label = subject.replace("-", " ")
        if roll % 3 == 0:
            label = label.capitalize()
        return base | {"topics": [label, *base["topics"][:1]], "noise": False}

    def answer(call: ModelCall) -> Any:
        if call.schema_name == "message_analysis_batch":
            found = _BATCHED.findall(call.input)
            return {"results": [{"id": n, **verdict_of(text)} for n, text in found]}
        if call.schema_name != "message_analysis":
            return schema_instance(call.schema or {})
        found_one = _MESSAGE.search(call.input)
        return verdict_of(found_one.group(1) if found_one else call.input)

    return answer
