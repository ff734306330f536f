"""The image installs the package from its wheel: every file the package reads at run time
(contracts, prompts, migrations) must be package data, or the image breaks where a
checkout works."""

from __future__ import annotations

import tomllib
from fnmatch import fnmatch

from .files import ROOT

PACKAGE = ROOT / "src" / "tg_parser"


def test_every_data_file_of_the_package_is_in_the_wheel() -> None:
    pyproject = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    patterns = pyproject["tool"]["setuptools"]["package-data"]["tg_parser"]
    data = [
        path.relative_to(PACKAGE).as_posix()
        for path in PACKAGE.rglob("*")
        if path.is_file() and path.suffix not in (".py", ".pyc")
    ]
    assert "store/migrations/script.py.mako" in data
    left_out = [name for name in data if not any(fnmatch(name, p) for p in patterns)]
    assert not left_out


def test_every_package_folder_with_code_is_a_package() -> None:
    """setuptools' package discovery takes folders with an __init__.py only."""
    folders = {path.parent for path in PACKAGE.rglob("*.py") if "__pycache__" not in path.parts}
    assert not [f for f in folders if not (f / "__init__.py").is_file()]
