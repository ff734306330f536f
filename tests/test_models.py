"""Identifier helpers, payload capping, and the contract rules a JSON Schema cannot express."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any, get_args

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pydantic import ValidationError

from tg_parser import contracts
from tg_parser.errors import InputError
from tg_parser.models import (
    RAW_PAYLOAD_LIMIT,
    KnowledgeBaseEntry,
    MessageType,
    ProcessedDocument,
    RawTelegramMessage,
    TopicBundle,
    TopicCard,
    cap_payload,
    channel_key,
    document_id,
    kb_message_id,
    kb_topic_id,
    numeric_channel_key,
    parse_source_ref,
    source_ref,
    telegram_url,
    topic_id,
)

EXAMPLES = json.loads(
    (Path(__file__).parent / "data" / "contracts" / "examples.json").read_text(encoding="utf-8")
)
CARD = EXAMPLES["topic_card"][0]
COMPONENT = st.text(min_size=1).filter(lambda text: ":" not in text)
MESSAGE_TYPES: tuple[MessageType, ...] = get_args(MessageType)


# --- channel keys ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("given_channel", "key"),
    [
        ("@Name", "name"),
        ("name", "name"),
        ("  @DurovChannel  ", "durovchannel"),
        ("https://t.me/Name", "name"),
        ("http://www.t.me/durov", "durov"),
        ("t.me/s/name", "name"),
        ("https://t.me/s/durov?before=540", "durov"),
        ("https://t.me/name/123", "name"),
        ("https://telegram.me/Durov/523?comment=9240", "durov"),
        ("t.me/c/1234567/10", "-1001234567"),
        ("https://t.me/c/1878264527/21", "-1001878264527"),
        ("-1001234567", "-1001234567"),
        ("1234567", "-1001234567"),
        (1878264527, "-1001878264527"),
        (-1001878264527, "-1001878264527"),
    ],
)
def test_channel_key_normalises_every_way_of_naming_a_channel(
    given_channel: str | int, key: str
) -> None:
    assert channel_key(given_channel) == key


@pytest.mark.parametrize(
    ("bad", "says"),
    [
        ("t.me/+abcDEF123", "invite link"),
        ("https://t.me/+abcDEF123", "invite link"),
        ("https://t.me/joinchat/AAAAAEHbEkejzxUjAUCzYg", "invite link"),
        ("a b", "not a channel"),
        ("", "not a channel"),
        (":", "not a channel"),
        ("@", "not a channel"),
        ("ab", "not a channel"),
        ("https://t.me/", "not a channel"),
        ("t.me/c/private/10", "not a channel"),
        ("tg:durov", "not a channel"),
        ("durov:523", "not a channel"),
        ("t.me/c/²/10", "not a channel"),
        ("١٢٣٤٥٦٧", "not a channel"),
        ("10000000000000000", "not a channel"),
    ],
)
def test_channel_key_rejects_what_is_not_a_channel(bad: str, says: str) -> None:
    with pytest.raises(InputError, match=says):
        channel_key(bad)


CHANNEL_LIKE = st.builds(
    "{}{}".format,
    st.sampled_from(["", "@", "-100", "t.me/", "https://t.me/s/", "t.me/c/", "t.me/+"]),
    st.text(st.characters(categories=["Nd", "No"], include_characters="/_-@+ aZ")),
)


@given(st.one_of(st.text(), st.integers(), CHANNEL_LIKE))
def test_channel_key_gives_a_component_or_an_input_error(text: str | int) -> None:
    try:
        key = channel_key(text)
    except InputError:
        return
    assert key
    assert ":" not in key
    assert key == channel_key(key)


@pytest.mark.parametrize(
    ("channel_id", "key"), [(1234567, "-1001234567"), (-1001234567, "-1001234567")]
)
def test_numeric_channel_key(channel_id: int, key: str) -> None:
    assert numeric_channel_key(channel_id) == key


# --- identifiers -------------------------------------------------------------------------


def test_identifiers_are_built_from_the_source_ref() -> None:
    ref = source_ref("durov", "post", 523)
    assert ref == "tg:durov:post:523"
    assert document_id(ref) == "doc:tg:durov:post:523"
    assert topic_id(ref) == "topic:tg:durov:post:523"
    assert kb_message_id(ref) == "kb:msg:tg:durov:post:523"
    assert kb_topic_id(topic_id(ref)) == "kb:topic:topic:tg:durov:post:523"
    assert source_ref("-1001001234567", "comment", "9240") == "tg:-1001001234567:comment:9240"


@given(channel=COMPONENT, message_type=st.sampled_from(MESSAGE_TYPES), number=st.integers(0))
def test_source_ref_round_trips_and_ids_are_deterministic(
    channel: str, message_type: MessageType, number: int
) -> None:
    ref = source_ref(channel, message_type, number)
    assert parse_source_ref(ref) == (channel, message_type, number)
    assert ref == source_ref(channel, message_type, str(number))
    assert document_id(ref) == document_id(source_ref(channel, message_type, number))
    assert parse_source_ref(topic_id(ref).removeprefix("topic:")) == (channel, message_type, number)


@pytest.mark.parametrize(
    ("channel", "message_type", "number"),
    [("", "post", 1), ("tg:durov", "post", 1), ("durov", "story", 1), ("durov", "post", -1)],
)
def test_source_ref_refuses_bad_components(channel: str, message_type: Any, number: int) -> None:
    with pytest.raises(ValueError):
        source_ref(channel, message_type, number)


@pytest.mark.parametrize(
    "ref",
    [
        "tg:durov:post",
        "tg:durov:story:1",
        "x:durov:post:1",
        "tg::post:1",
        "tg:durov:post:-1",
        "tg:durov:post:1:2",
        "tg:durov:post: 1",
        "doc:tg:durov:post:1",
    ],
)
def test_parse_source_ref_refuses_what_is_not_one(ref: str) -> None:
    with pytest.raises(ValueError, match="not a source_ref"):
        parse_source_ref(ref)


@pytest.mark.parametrize(
    ("channel", "post", "comment", "url"),
    [
        ("durov", 523, None, "https://t.me/durov/523"),
        ("durov", 523, 9240, "https://t.me/durov/523?comment=9240"),
        ("-1001878264527", 21, None, "https://t.me/c/1878264527/21"),
        ("-1001878264527", 21, 30, "https://t.me/c/1878264527/21?comment=30"),
        ("-4529", 7, None, None),
    ],
)
def test_telegram_url(channel: str, post: int, comment: int | None, url: str | None) -> None:
    assert telegram_url(channel, post, comment) == url


# --- payload capping ---------------------------------------------------------------------


def test_cap_payload_keeps_a_small_payload_as_it_is() -> None:
    payload = {"id": 21, "text_entities": [{"type": "bold", "text": "目录"}]}
    assert cap_payload(payload, keep=("id",)) is payload


def test_cap_payload_keeps_the_key_fields_of_a_large_payload() -> None:
    entities = [{"type": "plain", "text": "川陀大学图书馆 " * 20}] * 1000
    payload = {"id": 21, "date": "2023-07-18T01:14:06", "author": "Daneel God"}
    payload["text_entities"] = entities
    size = len(json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode())
    assert size > RAW_PAYLOAD_LIMIT
    capped = cap_payload(payload, keep=("id", "date", "from"))
    assert capped == {
        "id": 21,
        "date": "2023-07-18T01:14:06",
        "truncated": True,
        "original_size_bytes": size,
    }
    message = EXAMPLES["raw_telegram_message"][0] | {"raw_payload": capped}
    contracts.validate("raw_telegram_message", message)
    assert RawTelegramMessage.model_validate(message).raw_payload == capped


# --- rules only the models check ---------------------------------------------------------


def _anchor(message_id: int, score: float) -> dict[str, Any]:
    ref = source_ref("durov", "post", message_id)
    return {
        "channel_id": "durov",
        "message_id": str(message_id),
        "message_type": "post",
        "anchor_ref": ref,
        "score": score,
    }


def _card(*anchors: dict[str, Any]) -> dict[str, Any]:
    return CARD | {"id": topic_id(anchors[0]["anchor_ref"]), "anchors": list(anchors)}


def _with(example: dict[str, Any], **changes: Any) -> dict[str, Any]:
    return copy.deepcopy(example) | changes


def test_anchors_with_equal_scores_are_ordered_by_anchor_ref() -> None:
    card = TopicCard.model_validate(_card(_anchor(523, 0.9), _anchor(524, 0.9), _anchor(5, 0.7)))
    assert card.id == "topic:tg:durov:post:523"


RULES = [
    pytest.param(
        TopicCard,
        _card(_anchor(523, 0.9), _anchor(523, 0.8)),
        "unique by anchor_ref",
        id="duplicate-anchor",
    ),
    pytest.param(
        TopicCard,
        _card(_anchor(523, 0.7), _anchor(524, 0.9)),
        "sorted by score desc",
        id="anchors-not-by-score",
    ),
    pytest.param(
        TopicCard,
        _card(_anchor(524, 0.9), _anchor(523, 0.9)),
        "then anchor_ref asc",
        id="tie-not-by-anchor-ref",
    ),
    pytest.param(
        TopicCard,
        _with(CARD, id="topic:tg:durov:post:524"),
        "'topic:' \\+ the first anchor_ref",
        id="topic-id-not-first-anchor",
    ),
    pytest.param(
        TopicBundle,
        _with(
            EXAMPLES["topic_bundle"][0],
            items=EXAMPLES["topic_bundle"][0]["items"] + EXAMPLES["topic_bundle"][0]["items"][:1],
        ),
        "unique by source_ref",
        id="duplicate-bundle-item",
    ),
    pytest.param(
        ProcessedDocument,
        _with(EXAMPLES["processed_document"][0], id="doc:tg:-1001878264527:post:22"),
        "'doc:' \\+ source_ref",
        id="document-id-not-source",
    ),
    pytest.param(
        KnowledgeBaseEntry,
        _with(EXAMPLES["knowledge_base_entry"][0], id="kb:msg:tg:durov:post:1"),
        "entry id must be 'kb:msg:tg:-1001878264527:post:21'",
        id="kb-id-not-source",
    ),
]


@pytest.mark.parametrize(("model", "data", "says"), RULES)
def test_rules_beyond_the_schema_are_checked_by_the_model(
    model: type[Any], data: dict[str, Any], says: str
) -> None:
    name = next(key for key, value in EXAMPLES.items() if value[0].keys() >= data.keys())
    assert contracts.is_valid(name, data), "the schema alone cannot tell"
    with pytest.raises(ValidationError, match=says):
        model.model_validate(data)


@given(
    st.lists(
        st.tuples(st.integers(1, 10_000), st.floats(0, 1, allow_nan=False)),
        min_size=2,
        max_size=6,
        unique_by=lambda pair: pair[0],
    )
)
def test_the_same_anchors_give_the_same_topic_id_in_any_input_order(
    pairs: list[tuple[int, float]],
) -> None:
    ordered = sorted(
        (_anchor(number, score) for number, score in pairs),
        key=lambda anchor: (-anchor["score"], anchor["anchor_ref"]),
    )
    card = TopicCard.model_validate(_card(*ordered))
    again = sorted(ordered[::-1], key=lambda anchor: (-anchor["score"], anchor["anchor_ref"]))
    assert (
        card.id == TopicCard.model_validate(_card(*again)).id == topic_id(ordered[0]["anchor_ref"])
    )
