"""The topic-quality metrics of the evaluation bench."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from tg_parser.testing import quality


def write(path: Path, content: object) -> Path:
    path.write_text(json.dumps(content), encoding="utf-8")
    return path


def test_labels_load_posts_and_comments(tmp_path: Path) -> None:
    raw = {
        "posts": {
            "1": {"subject": "zfs", "noise": False, "ad": False},
            "2": {"subject": None, "noise": True, "ad": True},
        },
        "comments": {"7": {"post": 1, "on_topic": True}},
    }
    labels = quality.Labels.load(write(tmp_path / "labels.json", raw))
    assert labels.content() == {1: "zfs"}
    assert labels.posts[2].ad
    assert labels.comments == {7: quality.CommentLabel(1, True)}


def test_labels_load_the_flat_form(tmp_path: Path) -> None:
    raw = {"3": {"subject": "coffee", "noise": False, "ad": False}}
    labels = quality.Labels.load(write(tmp_path / "labels.json", raw))
    assert labels.content() == {3: "coffee"}
    assert labels.comments == {}


@pytest.mark.parametrize(
    "label",
    [
        {"subject": "zfs", "noise": True, "ad": False},
        {"subject": None, "noise": False, "ad": False},
        {"subject": "zfs", "noise": False, "ad": True},
    ],
)
def test_labels_reject_contradictions(tmp_path: Path, label: dict[str, object]) -> None:
    with pytest.raises(ValueError, match="post 1"):
        quality.Labels.load(write(tmp_path / "labels.json", {"posts": {"1": label}}))


def test_topic_agreement_perfect_and_renamed() -> None:
    truth = {1: "a", 2: "a", 3: "b", 4: "b"}
    found = {1: "x", 2: "x", 3: "y", 4: "y"}
    assert quality.topic_agreement(truth, found) == {
        "ari": 1.0,
        "nmi": 1.0,
        "outside_share": 0.0,
    }


def test_topic_agreement_counts_outside_posts_as_singletons() -> None:
    truth = {1: "a", 2: "a", 3: "b", 4: "b"}
    result = quality.topic_agreement(truth, {1: "x", 3: "y"})
    assert result["outside_share"] == 0.5
    assert result["ari"] == 0.0


def test_topic_agreement_of_a_merge_is_below_one() -> None:
    truth = {1: "a", 2: "a", 3: "b", 4: "b"}
    assert quality.topic_agreement(truth, dict.fromkeys(truth, "x"))["ari"] == 0.0


def test_precision_recall() -> None:
    assert quality.precision_recall({1, 2, 3, 4}, {1, 2, 9}) == {
        "precision": 0.6667,
        "recall": 0.5,
    }
    assert quality.precision_recall(set(), set()) == {"precision": 1.0, "recall": 1.0}


def test_comment_attachment() -> None:
    comments = {
        10: quality.CommentLabel(1, True),
        11: quality.CommentLabel(1, True),
        12: quality.CommentLabel(2, True),
        13: quality.CommentLabel(2, False),
    }
    posts = {1: "t1", 2: "t2"}
    attached = {10: "t1", 11: "t2", 13: "t2"}
    result = quality.comment_attachment(comments, posts, attached)
    assert result == {
        "on_topic": 3,
        "attached_to_post_topic": 1,
        "share": 0.3333,
        "off_topic_attached": 1,
        "off_topic": 1,
    }


def test_duplicate_titles_ignore_case_and_spaces() -> None:
    assert quality.duplicate_titles(["ZFS pools", "zfs pools ", "Backups", "NAS"]) == 2
    assert quality.duplicate_titles(["a", "b"]) == 0


def test_embedder_ceiling_separates_blobs_and_not_noise() -> None:
    rng = np.random.default_rng(0)
    centres = np.eye(3)
    blobs = np.vstack([c + 0.05 * rng.standard_normal((20, 3)) for c in centres])
    subjects = [s for s in "abc" for _ in range(20)]
    assert quality.embedder_ceiling(blobs, subjects)["ari"] == 1.0
    noise = rng.standard_normal((60, 3))
    assert quality.embedder_ceiling(noise, subjects)["ari"] < 0.3


def test_embedder_ceiling_of_one_subject_is_trivial() -> None:
    assert quality.embedder_ceiling(np.zeros((3, 2)), ["a", "a", "a"])["ari"] == 1.0
