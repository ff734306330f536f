"""What the fake model answers to tg-parser's own prompts: plausible, schema-valid JSON
read from the message in the request (for tests, demos and the processing benchmark)."""

from __future__ import annotations

import re
from typing import Any

from tg_parser.testing.llm.server import ModelCall, schema_instance

_MESSAGE = re.compile(r"<message>\n(.*)\n</message>", re.DOTALL)
_WORD = re.compile(r"[^\W\d_]{6,}")
_CYRILLIC = re.compile(r"[\u0400-\u04ff]")


def analysis_answer(call: ModelCall) -> Any:
    """A message analysis: the first sentence as summary, long words as key phrases."""
    if call.schema_name != "message_analysis":
        return schema_instance(call.schema or {})
    found = _MESSAGE.search(call.input)
    text = found.group(1) if found else call.input
    words = list(dict.fromkeys(w.lower() for w in _WORD.findall(text)))
    return {
        "language": "ru" if _CYRILLIC.search(text) else "en",
        "summary": text.split(". ")[0][:200],
        "topics": words[:3],
        "entities": [{"type": "product", "value": w} for w in words[3:4]],
        "noise": False,
        "noise_reason": "",
    }
