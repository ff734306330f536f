"""Prompts are versioned data files (``llm/prompts/<name>.toml``), not code.

Each file holds ``name``, ``version`` and ``instructions`` (the system prompt). A prompt's
id is ``sha256:<hex>`` of its instructions, so any change to the text is a new id in the
metadata of every document and card it writes.
"""

from __future__ import annotations

import hashlib
import tomllib
from dataclasses import dataclass
from functools import cache
from importlib.resources import files


@dataclass(frozen=True)
class Prompt:
    name: str
    version: str
    instructions: str

    @property
    def id(self) -> str:
        return "sha256:" + hashlib.sha256(self.instructions.encode("utf-8")).hexdigest()


@cache
def load_prompt(name: str) -> Prompt:
    """The prompt ``name`` shipped in the package."""
    text = (files("tg_parser.llm") / "prompts" / f"{name}.toml").read_text(encoding="utf-8")
    data = tomllib.loads(text)
    return Prompt(name=data["name"], version=data["version"], instructions=data["instructions"])
