"""No module draws from the ``random`` module's global generator. It belongs to the program
that embeds tg-parser (and to seeded tests: hypothesis fails a test whose strategies see it
move, as a background retry's jitter did in the API's schemathesis test); jitter and sampling
come from private ``random.Random`` instances."""

from __future__ import annotations

import ast
from pathlib import Path

import tg_parser

PACKAGE = Path(tg_parser.__file__).parent
GENERATOR_CLASSES = frozenset({"Random", "SystemRandom"})


def global_random_calls(source: str) -> list[int]:
    """Lines calling ``random.<function>(…)`` other than a generator's constructor."""
    return [
        node.lineno
        for node in ast.walk(ast.parse(source))
        if isinstance(node, ast.Call)
        and isinstance(node.func, ast.Attribute)
        and isinstance(node.func.value, ast.Name)
        and node.func.value.id == "random"
        and node.func.attr not in GENERATOR_CLASSES
    ]


def test_no_module_uses_the_global_random_generator() -> None:
    offenders = {
        str(path.relative_to(PACKAGE)): lines
        for path in sorted(PACKAGE.rglob("*.py"))
        if (lines := global_random_calls(path.read_text(encoding="utf-8")))
    }
    assert offenders == {}


def test_the_check_tells_a_global_draw_from_a_private_generator() -> None:
    assert global_random_calls("import random\nx = random.uniform(0, 1)\n") == [2]
    assert global_random_calls("import random\nr = random.Random()\nx = r.uniform(0, 1)\n") == []
