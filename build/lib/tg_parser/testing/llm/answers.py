"""What the fake model answers to tg-parser's own prompts: plausible, schema-valid JSON
read from the message(s) in the request (for tests, demos and the processing benchmark)."""

from __future__ import annotations

import re
from typing import Any

from tg_parser.testing.llm.server import ModelCall, schema_instance

_MESSAGE = re.compile(r"<message>\n(.*)\n</message>", re.DOTALL)
_BATCHED = re.compile(
    r'<message id="(\d+)"[^>]*>\n(?:<post>\n.*?\n</post>\n)?(.*?)\n</message>', re.DOTALL
)
_WORD = re.compile(r"[^\W\d_]{6,}")
_CYRILLIC = re.compile(r"[\u0400-\u04ff]")


def analysis_answer(call: ModelCall) -> Any:
    """A message analysis (or a batch of them): the first sentence as summary, long words
    as key phrases, the language by script."""
    if call.schema_name == "message_analysis_batch":
        results = [{"id": n, **_analysis(text)} for n, text in _BATCHED.findall(call.input)]
        return {"results": results}
    if call.schema_name != "message_analysis":
        return schema_instance(call.schema or {})
    found = _MESSAGE.search(call.input)
    return _analysis(found.group(1) if found else call.input)


def _analysis(text: str) -> dict[str, Any]:
    words = list(dict.fromkeys(w.lower() for w in _WORD.findall(text)))
    return {
        "language": "ru" if _CYRILLIC.search(text) else "en",
        "summary": text.split(". ")[0][:200],
        "topics": words[:3],
        "entities": [{"type": "product", "value": w} for w in words[3:4]],
        "noise": False,
        "noise_reason": "",
    }
