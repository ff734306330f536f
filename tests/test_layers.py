"""The package reads top to bottom as the data flows: a module imports only its own layer and
the ones below it, and no modules import each other in a circle.

foundation → store | adapters (sources, llm, text, embed) → services → entry points, where
the store and the adapters sit side by side and never import each other. Every import
counts: at module level, inside functions and under ``TYPE_CHECKING``.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from functools import cache
from pathlib import Path

import pytest

import tg_parser

PACKAGE = Path(tg_parser.__file__).parent

LAYERS: dict[str, int] = {
    # foundation
    "config": 0,
    "errors": 0,
    "models": 0,
    "log": 0,
    "metrics": 0,
    "clock": 0,
    "stemming": 0,
    "contracts": 0,
    # storage
    "store": 1,
    # adapters to the outside world
    "sources": 2,
    "llm": 2,
    "text": 2,
    "embed": 2,
    # services
    "registry": 3,
    "ingest": 3,
    "process": 3,
    "topics": 3,
    "export": 3,
    "failures": 3,
    "pipeline": 3,
    "wiring": 3,
    "runs": 3,
    "status": 3,
    "usage": 3,
    "transfer": 3,
    "health": 3,
    "keys": 3,
    "search": 3,
    "jobs": 3,
    "channels": 3,
    "documents": 3,
    "schedule": 3,
    "vitals": 3,
    # entry points and the fakes shipped for tests
    "cli": 4,
    "api": 4,
    "web": 4,
    "mcp": 4,
    "__main__": 4,
    "testing": 4,
}
NAMES = {0: "foundation", 1: "store", 2: "adapters", 3: "services", 4: "entry points"}
# the layers each layer may import (besides its own)
BELOW = {0: set(), 1: {0}, 2: {0}, 3: {0, 1, 2}, 4: {0, 1, 2, 3}}


def module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


@cache
def modules() -> dict[str, Path]:
    return {module_name(path): path for path in PACKAGE.rglob("*.py")}


def imported(name: str) -> Iterator[str]:
    """The tg_parser modules ``name`` imports (``from pkg import submodule`` is the submodule)."""
    path = modules()[name]
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names if alias.name.startswith("tg_parser"))
        elif isinstance(node, ast.ImportFrom):
            base = _absolute(node, package)
            if not base.startswith("tg_parser"):
                continue
            for alias in node.names:
                submodule = f"{base}.{alias.name}"
                yield submodule if submodule in modules() else base


def _absolute(node: ast.ImportFrom, package: str) -> str:
    if not node.level:
        return node.module or ""
    parts = package.split(".")[: len(package.split(".")) - node.level + 1]
    return ".".join([*parts, node.module] if node.module else parts)


def layer(name: str) -> int:
    top = name.split(".")[1] if "." in name else ""
    if top not in LAYERS:
        raise AssertionError(f"{name}: add its top-level name to LAYERS in {__file__}")
    return LAYERS[top]


def test_every_top_level_module_has_a_layer() -> None:
    tops = {name.split(".")[1] for name in modules() if "." in name}
    assert sorted(tops - set(LAYERS)) == []


@pytest.mark.parametrize("name", sorted(name for name in modules() if "." in name))
def test_no_module_imports_a_layer_above_or_beside_it(name: str) -> None:
    upward = sorted(
        f"{target} ({NAMES[layer(target)]})"
        for target in set(imported(name))
        if "." in target and layer(target) not in BELOW[layer(name)] | {layer(name)}
    )
    assert upward == [], f"{name} ({NAMES[layer(name)]}) imports a layer it must not"


def test_no_import_cycles() -> None:
    graph = {
        name: {t for t in imported(name) if t in modules() and t != name} for name in modules()
    }
    cycles = [cycle for cycle in (_cycle_from(start, graph) for start in sorted(graph)) if cycle]
    assert cycles == []


def _cycle_from(start: str, graph: dict[str, set[str]]) -> list[str] | None:
    """A shortest path of imports leading from ``start`` back to it, if there is one."""
    paths = {start: [start]}
    frontier = [start]
    while frontier:
        following: list[str] = []
        for node in frontier:
            for target in sorted(graph[node]):
                if target == start:
                    return [*paths[node], start]
                if target not in paths:
                    paths[target] = [*paths[node], target]
                    following.append(target)
        frontier = following
    return None


def test_the_checks_catch_an_upward_import_and_a_cycle() -> None:
    assert layer("tg_parser.store.tables") not in BELOW[layer("tg_parser.text.words")]
    assert layer("tg_parser.process") not in BELOW[layer("tg_parser.store.tables")]
    graph = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}
    assert _cycle_from("a", graph) == ["a", "b", "c", "a"]
    assert _cycle_from("d", graph) is None
