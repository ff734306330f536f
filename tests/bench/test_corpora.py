"""The evaluation corpora of ``bench/quality.py``: the manifest, the labels against their
exports, and the generator of the synthetic channels."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

from tg_parser.testing.quality import Labels

CORPORA = Path(__file__).resolve().parents[2] / "bench" / "corpora"
MANIFEST = json.loads((CORPORA / "manifest.json").read_text(encoding="utf-8"))["corpora"]


def generator() -> ModuleType:
    spec = importlib.util.spec_from_file_location("generate", CORPORA / "generate.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def export(path: Path) -> dict[str, Any]:
    return dict(json.loads(path.read_text(encoding="utf-8")))


def test_the_manifest_splits_four_corpora_in_both_languages() -> None:
    assert len(MANIFEST) >= 4
    for split in ("dev", "test"):
        entries = [entry for entry in MANIFEST if entry["split"] == split]
        languages = {language for entry in entries for language in entry["languages"]}
        assert {"ru", "en"} <= languages, split
        assert {entry["kind"] for entry in entries} == {"real", "synthetic"}


@pytest.mark.parametrize("entry", MANIFEST, ids=lambda entry: entry["name"])
def test_every_label_names_a_message_of_the_export(entry: dict[str, Any]) -> None:
    folder = CORPORA / entry["name"]
    labels = Labels.load(folder / "labels.json")
    posts = {m["id"] for m in export(folder / "channel" / "result.json")["messages"]}
    assert set(labels.posts) <= posts
    assert len(set(labels.content().values())) >= 5
    if entry["discussion"]:
        group = {m["id"]: m for m in export(folder / "discussion" / "result.json")["messages"]}
        assert labels.comments and set(labels.comments) <= set(group)
        assert all("reply_to_message_id" in group[c] for c in labels.comments)


def test_the_generator_reproduces_the_committed_corpora(tmp_path: Path) -> None:
    names = generator().generate(tmp_path)
    assert names == ["en_selfhost", "ru_labs"]
    for name in names:
        for file in ("channel/result.json", "discussion/result.json", "labels.json"):
            assert (tmp_path / name / file).read_bytes() == (CORPORA / name / file).read_bytes()


def test_a_comment_label_follows_the_reply_chain_to_its_post() -> None:
    folder = CORPORA / "en_selfhost"
    labels = Labels.load(folder / "labels.json")
    channel = {m["id"]: m for m in export(folder / "channel" / "result.json")["messages"]}
    group = {m["id"]: m for m in export(folder / "discussion" / "result.json")["messages"]}
    for comment, label in labels.comments.items():
        message = group[comment]
        while "reply_to_message_id" in message:
            message = group[message["reply_to_message_id"]]
        assert message["text"] == channel[label.post]["text"]


def test_case_posts_mix_values_of_several_subjects() -> None:
    module = generator()
    pool = json.loads((CORPORA / "pools" / "ru_labs.json").read_text(encoding="utf-8"))
    import random

    text = module.case_text(pool, "iron", random.Random(1))
    asks = pool["cases"]["ask"]["iron"]
    assert text[2] in asks
    mentioned = [
        s for s, values in pool["cases"]["values"].items() if any(v in text[1] for v in values)
    ]
    assert "iron" in mentioned and len(mentioned) >= 2
