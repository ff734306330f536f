"""The five exchange formats: JSON Schemas and pydantic models accept and reject the same data."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest
from jsonschema import Draft202012Validator
from pydantic import BaseModel, ValidationError

from tg_parser import contracts
from tg_parser.errors import InputError
from tg_parser.models import (
    KnowledgeBaseEntry,
    ProcessedDocument,
    RawTelegramMessage,
    TopicBundle,
    TopicCard,
)

EXAMPLES_FILE = Path(__file__).parent / "data" / "contracts" / "examples.json"
EXAMPLES: dict[str, list[dict[str, Any]]] = json.loads(EXAMPLES_FILE.read_text(encoding="utf-8"))
MODELS: dict[str, type[BaseModel]] = {
    "raw_telegram_message": RawTelegramMessage,
    "processed_document": ProcessedDocument,
    "topic_card": TopicCard,
    "topic_bundle": TopicBundle,
    "knowledge_base_entry": KnowledgeBaseEntry,
}
VALID = [
    pytest.param(name, example, id=f"{name}-{index}")
    for name, examples in EXAMPLES.items()
    for index, example in enumerate(examples)
]
DELETE = object()
SHA = "sha256:" + "ab" * 32


def changed(example: dict[str, Any], path: str, value: Any) -> dict[str, Any]:
    """A copy of ``example`` with the dotted ``path`` set to ``value`` (or deleted)."""
    result = copy.deepcopy(example)
    *parents, last = path.split(".")
    target: Any = result
    for part in parents:
        target = target[int(part)] if isinstance(target, list) else target[part]
    if value is DELETE:
        del target[last]
    elif isinstance(target, list):
        target[int(last)] = value
    else:
        target[last] = value
    return result


def test_every_format_has_a_schema_and_an_example() -> None:
    assert set(contracts.NAMES) == set(MODELS) == set(EXAMPLES)


@pytest.mark.parametrize("name", contracts.NAMES)
def test_schema_is_valid_draft_2020_12_and_closed(name: contracts.ContractName) -> None:
    schema = contracts.load_schema(name)
    Draft202012Validator.check_schema(schema)
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    assert schema["additionalProperties"] is False
    assert set(schema["required"]) <= set(schema["properties"])


@pytest.mark.parametrize("name", contracts.NAMES)
def test_schema_requires_what_the_model_requires(name: contracts.ContractName) -> None:
    fields = MODELS[name].model_fields
    required = {key for key, field in fields.items() if field.is_required()}
    assert set(contracts.load_schema(name)["required"]) == required
    assert set(contracts.load_schema(name)["properties"]) == set(fields)


@pytest.mark.parametrize(("name", "example"), VALID)
def test_valid_example_passes_schema_and_model(name: str, example: dict[str, Any]) -> None:
    contracts.validate(name, example)  # type: ignore[arg-type]
    model = MODELS[name].model_validate_json(json.dumps(example))
    dumped = model.model_dump(mode="json", exclude_none=True)
    assert contracts.is_valid(name, dumped)  # type: ignore[arg-type]
    assert dumped == example


INVALID = [
    # name, example index, dotted path, new value, JSON path named in the error
    ("raw_telegram_message", 0, "language", None, "$.language"),
    ("raw_telegram_message", 1, "parent_message_id", None, "$.parent_message_id"),
    ("raw_telegram_message", 0, "date", "2023-07-17T17:14:06", "$.date"),
    ("raw_telegram_message", 0, "date", "2023-07-17T20:14:06+03:00", "$.date"),
    ("raw_telegram_message", 0, "source_ref", "tg:-1001878264527:story:21", "$.source_ref"),
    ("raw_telegram_message", 0, "source_ref", "https://t.me/c/1878264527/21", "$.source_ref"),
    ("raw_telegram_message", 0, "source_ref", "tg:trantor:post:-21", "$.source_ref"),
    ("raw_telegram_message", 0, "id", "msg21", "$.id"),
    ("raw_telegram_message", 0, "id", 21, "$.id"),
    ("raw_telegram_message", 0, "message_type", "reply", "$.message_type"),
    ("raw_telegram_message", 0, "channel_id", "tg:trantor", "$.channel_id"),
    ("raw_telegram_message", 0, "text", DELETE, "$: 'text' is a required property"),
    ("raw_telegram_message", 0, "views", 1200, "$: Additional properties"),
    ("raw_telegram_message", 0, "language", "zh-CN", "$.language"),
    ("raw_telegram_message", 2, "raw_payload.truncated", "yes", "$.raw_payload.truncated"),
    ("raw_telegram_message", 2, "raw_payload.original_size_bytes", -1, "$.raw_payload"),
    ("raw_telegram_message", 2, "raw_payload.truncated", DELETE, "$.raw_payload"),
    ("processed_document", 0, "summary", None, "$.summary"),
    ("processed_document", 0, "topics", None, "$.topics"),
    ("processed_document", 0, "id", "tg:-1001878264527:post:21", "$.id"),
    ("processed_document", 0, "processed_at", "2026-08-10T09:30:00", "$.processed_at"),
    ("processed_document", 0, "entities.0.confidence", 1.5, "$.entities[0].confidence"),
    ("processed_document", 0, "entities.1.confidence", -0.1, "$.entities[1].confidence"),
    ("processed_document", 0, "entities.2.value", None, "$.entities[2].value"),
    ("processed_document", 0, "entities.0.kind", "org", "$.entities[0]"),
    ("processed_document", 0, "language", "zho", "$.language"),
    ("processed_document", 0, "metadata.prompt_id", "sha256:xyz", "$.metadata.prompt_id"),
    ("processed_document", 0, "metadata.prompt_id", "md5:" + "ab" * 16, "$.metadata.prompt_id"),
    ("processed_document", 0, "metadata.prompt_id", None, "$.metadata.prompt_id"),
    ("processed_document", 0, "metadata.pipeline_version", "1.2.0", "$.metadata.pipeline_version"),
    ("topic_card", 0, "anchors", [], "$.anchors"),
    ("topic_card", 0, "anchors.0.score", 1.5, "$.anchors[0].score"),
    ("topic_card", 0, "anchors.1.message_type", "story", "$.anchors[1].message_type"),
    ("topic_card", 0, "anchors.1.anchor_ref", "durov/524", "$.anchors[1].anchor_ref"),
    ("topic_card", 0, "anchors.1.score", DELETE, "$.anchors[1]"),
    ("topic_card", 0, "scope_in", [], "$.scope_in"),
    ("topic_card", 0, "scope_out", ["a", "b", "c", "d", "e", "f"], "$.scope_out"),
    ("topic_card", 0, "scope_in.0", "", "$.scope_in[0]"),
    ("topic_card", 0, "type", "group", "$.type"),
    ("topic_card", 0, "id", "topic:durov/523", "$.id"),
    ("topic_card", 0, "sources", [], "$.sources"),
    ("topic_card", 0, "tags", None, "$.tags"),
    ("topic_card", 0, "updated_at", "2026-08-10 10:00", "$.updated_at"),
    ("topic_card", 0, "metadata.pipeline_version", "topics-v1", "$.metadata.pipeline_version"),
    ("topic_card", 1, "type", "cluster", "$.anchors"),
    ("topic_bundle", 0, "items", [], "$.items"),
    ("topic_bundle", 0, "items.0.role", "context", "$.items[0].role"),
    ("topic_bundle", 0, "items.2.score", 1.5, "$.items[2].score"),
    ("topic_bundle", 0, "items.2.justification", None, "$.items[2].justification"),
    ("topic_bundle", 0, "items.1.source_ref", "tg:durov:524", "$.items[1].source_ref"),
    ("topic_bundle", 0, "topic_id", "doc:tg:durov:post:523", "$.topic_id"),
    ("topic_bundle", 0, "time_range.from", "2026-06-09T19:33:51", "$.time_range.from"),
    ("topic_bundle", 0, "channels", None, "$.channels"),
    ("knowledge_base_entry", 0, "source.type", "web_page", "$.source.type"),
    ("knowledge_base_entry", 0, "source.source_ref", DELETE, "$.source"),
    ("knowledge_base_entry", 1, "source.channel_id", "durov", "$.source"),
    ("knowledge_base_entry", 1, "id", "kb:msg:tg:durov:post:523", "$.id"),
    ("knowledge_base_entry", 0, "id", "kb:tg:-1001878264527:post:21", "$.id"),
    ("knowledge_base_entry", 0, "vector", None, "$.vector"),
    ("knowledge_base_entry", 0, "vector", ["0.1"], "$.vector[0]"),
    ("topic_card", 0, "anchors.0.score", "0.9", "$.anchors[0].score"),
    ("knowledge_base_entry", 0, "created_at", "2026-08-10T09:30:00", "$.created_at"),
    ("knowledge_base_entry", 1, "title", None, "$.title"),
]


@pytest.mark.parametrize(
    ("name", "index", "path", "value", "problem"),
    INVALID,
    ids=[f"{case[0]}-{case[2]}={case[3]!r}" for case in INVALID],
)
def test_invalid_example_fails_schema_and_model(
    name: Any, index: int, path: str, value: Any, problem: str
) -> None:
    bad = changed(EXAMPLES[name][index], path, value)
    assert not contracts.is_valid(name, bad)
    with pytest.raises(InputError, match=f"^not a valid {name}: ") as caught:
        contracts.validate(name, bad)
    assert problem in caught.value.message
    with pytest.raises(ValidationError):
        MODELS[name].model_validate_json(json.dumps(bad))


def test_error_lists_the_first_problems_on_one_short_line() -> None:
    bad = changed(EXAMPLES["topic_card"][0], "anchors.0.score", 1.5)
    bad |= {"scope_in": ["x" * 5000] * 6, "scope_out": [], "type": 7, "summary": 3}
    with pytest.raises(InputError) as caught:
        contracts.validate("topic_card", bad)
    message = caught.value.message
    assert "\n" not in message
    assert len(message) < 700
    assert message.startswith("not a valid topic_card: $.anchors[0].score: 1.5 is greater")
    assert message.endswith("(and 2 more)")


def test_problems_are_empty_for_a_valid_entry() -> None:
    assert contracts.problems("topic_bundle", EXAMPLES["topic_bundle"][0]) == []


def test_unknown_contract_name_is_refused() -> None:
    with pytest.raises(ValueError, match="unknown contract 'topic'; one of: raw_telegram_message"):
        contracts.load_schema("topic")  # type: ignore[arg-type]


def test_python_none_means_omitted() -> None:
    """Built in Python, None is an absent optional field and is left out of the JSON."""
    example = EXAMPLES["raw_telegram_message"][1]
    message = RawTelegramMessage.model_validate(example | {"language": None})
    assert "language" not in message.to_json_dict()
    contracts.validate("raw_telegram_message", message.to_json_dict())
