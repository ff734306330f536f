"""JSON Schemas (draft 2020-12) of the five exchange formats, and a validator for them.

The schemas ship with the package as ``<name>.schema.json``; the pydantic models in
:mod:`tg_parser.models` mirror them and add the rules a schema cannot express (anchor order
and uniqueness, ids derived from other fields).

    validate("topic_card", data)   # raises InputError naming the paths of the first problems
    is_valid("topic_card", data)   # True or False
"""

from __future__ import annotations

import json
from functools import cache
from importlib.resources import files
from typing import Any, Literal, get_args

from jsonschema import Draft202012Validator
from jsonschema.exceptions import ValidationError

from tg_parser.errors import InputError

ContractName = Literal[
    "raw_telegram_message",
    "processed_document",
    "topic_card",
    "topic_bundle",
    "knowledge_base_entry",
]
NAMES: tuple[ContractName, ...] = get_args(ContractName)
SHOWN_PROBLEMS = 3
_MESSAGE_LIMIT = 160


@cache
def load_schema(name: ContractName) -> dict[str, Any]:
    """The JSON Schema of one exchange format, by name (see ``NAMES``)."""
    if name not in NAMES:
        raise ValueError(f"unknown contract {name!r}; one of: {', '.join(NAMES)}")
    text = files(__name__).joinpath(f"{name}.schema.json").read_text(encoding="utf-8")
    schema: dict[str, Any] = json.loads(text)
    return schema


@cache
def _validator(name: ContractName) -> Draft202012Validator:
    return Draft202012Validator(load_schema(name))


def problems(name: ContractName, obj: Any) -> list[str]:
    """Every way ``obj`` breaks the contract, as ``"<json path>: <message>"``, sorted by path."""
    errors = sorted(_validator(name).iter_errors(obj), key=lambda e: (e.json_path, e.message))
    return [f"{error.json_path}: {_shorten(_message(error))}" for error in errors]


def validate(name: ContractName, obj: Any) -> None:
    """Raise :class:`InputError` listing the first problems when ``obj`` breaks the contract."""
    found = problems(name, obj)
    if found:
        more = len(found) - SHOWN_PROBLEMS
        listed = "; ".join(found[:SHOWN_PROBLEMS]) + (f" (and {more} more)" if more > 0 else "")
        raise InputError(f"not a valid {name}: {listed}")


def is_valid(name: ContractName, obj: Any) -> bool:
    return bool(_validator(name).is_valid(obj))


def _message(error: ValidationError) -> str:
    """jsonschema's message, but a pattern mismatch says which form was expected."""
    description = error.schema.get("description") if isinstance(error.schema, dict) else None
    if error.validator == "pattern" and description:
        return f"{error.instance!r} is not in the expected form ({description})"
    if error.validator == "type" and error.instance is None:
        return f"null is not of type {error.validator_value!r} (omit an optional field instead)"
    return str(error.message)


def _shorten(message: str) -> str:
    """One short line: validator messages quote the offending value, which may be large."""
    line = " ".join(message.split())
    return line if len(line) <= _MESSAGE_LIMIT else line[: _MESSAGE_LIMIT - 1] + "…"
