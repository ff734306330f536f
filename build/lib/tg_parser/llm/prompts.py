"""Prompts are versioned data files (``llm/prompts/<name>.toml``), not code.

Each file holds ``name``, ``version`` and ``instructions`` (the system prompt). A prompt's
id is ``sha256:<hex>`` of its instructions, so any change to the text is a new id in the
metadata of every document and card it writes. Data sent with a prompt goes between tags
(``<message>``, ``<post>``, ``<error>``) and is ``defuse``d first.
"""

from __future__ import annotations

import hashlib
import re
import tomllib
from dataclasses import dataclass
from functools import cache
from importlib.resources import files

_TAG = re.compile(r"<(/?)(message|post|error)\b", re.IGNORECASE)


@dataclass(frozen=True)
class Prompt:
    name: str
    version: str
    instructions: str

    @property
    def id(self) -> str:
        return "sha256:" + hashlib.sha256(self.instructions.encode("utf-8")).hexdigest()

    def then(self, addendum: Prompt) -> Prompt:
        """This prompt's instructions followed by ``addendum``'s, under the addendum's name."""
        return Prompt(
            name=addendum.name,
            version=addendum.version,
            instructions=f"{self.instructions}\n{addendum.instructions}",
        )


def defuse(text: str) -> str:
    """Data cannot open or close the tags it is sent in: ``</message>`` inside it becomes
    ``</ message>`` (likewise ``<post>``, ``<error>``)."""
    return _TAG.sub(lambda m: f"<{m.group(1)} {m.group(2)}", text)


@cache
def load_prompt(name: str) -> Prompt:
    """The prompt ``name`` shipped in the package."""
    text = (files("tg_parser.llm") / "prompts" / f"{name}.toml").read_text(encoding="utf-8")
    data = tomllib.loads(text)
    return Prompt(name=data["name"], version=data["version"], instructions=data["instructions"])
