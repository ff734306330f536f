"""The deployment files of the repository, read for the tests (no Docker engine here)."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parents[2]
# names of variables that hold secrets: they never get a value in a committed file
SECRET = re.compile(r"(PASSWORD|SECRET|API_KEY|API_HASH|TOKEN|SESSION_STRING)$")
REFERENCE = re.compile(r"\$\{(\w+)(?:(:?[-?])([^}]*))?\}")  # ${VAR}, ${VAR:-default}, ${VAR:?err}


def compose() -> dict[str, Any]:
    loaded: dict[str, Any] = yaml.safe_load((ROOT / "compose.yaml").read_text(encoding="utf-8"))
    return loaded


def yaml_file(relative: str) -> Any:
    return yaml.safe_load((ROOT / relative).read_text(encoding="utf-8"))


def env_example() -> dict[str, str]:
    """The variables `.env.example` lists (set or commented out), with their values."""
    pairs = re.findall(
        r"^#? ?([A-Z][A-Z0-9_]*)=(.*)$",
        (ROOT / ".env.example").read_text(encoding="utf-8"),
        re.MULTILINE,
    )
    return dict(pairs)


def dockerfile_instructions() -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) of the Dockerfile, continuation lines joined, comments out."""
    text = (ROOT / "Dockerfile").read_text(encoding="utf-8")
    lines = [line for line in text.splitlines() if not line.lstrip().startswith("#")]
    joined = re.sub(r"\\\n\s*", " ", "\n".join(lines))
    instructions = []
    for line in joined.splitlines():
        if line.strip():
            keyword, _, rest = line.strip().partition(" ")
            instructions.append((keyword.upper(), rest.strip()))
    return instructions
