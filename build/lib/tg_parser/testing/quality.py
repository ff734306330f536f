"""Topic-quality metrics against labelled corpora (``bench/corpora``): pure functions over
ids, labels and the topics a build produced, so the bench and the tests share them.

A labelled corpus is a folder with ``labels.json``::

    {"posts": {"<post id>": {"subject": str | None, "noise": bool, "ad": bool}},
     "comments": {"<group message id>": {"post": int, "on_topic": bool}}}
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

OUTSIDE = "outside:"


@dataclass(frozen=True)
class PostLabel:
    subject: str | None
    noise: bool
    ad: bool


@dataclass(frozen=True)
class CommentLabel:
    post: int
    on_topic: bool


@dataclass(frozen=True)
class Labels:
    """The ground truth of one corpus."""

    posts: dict[int, PostLabel]
    comments: dict[int, CommentLabel]

    @classmethod
    def load(cls, path: Path) -> Labels:
        raw = json.loads(path.read_text(encoding="utf-8"))
        if "posts" not in raw:  # the sample's older flat form: post id → label
            raw = {"posts": raw}
        posts = {
            int(key): PostLabel(value["subject"], bool(value["noise"]), bool(value["ad"]))
            for key, value in raw["posts"].items()
        }
        comments = {
            int(key): CommentLabel(int(value["post"]), bool(value["on_topic"]))
            for key, value in raw.get("comments", {}).items()
        }
        for number, label in posts.items():
            if label.noise == bool(label.subject) or (label.ad and not label.noise):
                raise ValueError(f"{path}: post {number}: noise must be exactly 'no subject'")
        return cls(posts, comments)

    def content(self) -> dict[int, str]:
        """Post id → subject of every post that has one."""
        return {p: label.subject for p, label in sorted(self.posts.items()) if label.subject}


def topic_agreement(truth: Mapping[int, str], found: Mapping[int, str]) -> dict[str, float]:
    """ARI and NMI of ``found`` (post → topic id) against ``truth`` (post → subject) over
    every labelled content post; a post in no topic is a singleton of its own."""
    from sklearn.metrics import adjusted_rand_score, normalized_mutual_info_score

    posts = sorted(truth)
    if not posts:
        return {"ari": 0.0, "nmi": 0.0, "outside_share": 0.0}
    expected = [truth[p] for p in posts]
    got = [found.get(p, f"{OUTSIDE}{p}") for p in posts]
    outside = sum(value.startswith(OUTSIDE) for value in got)
    return {
        "ari": round(float(adjusted_rand_score(expected, got)), 4),
        "nmi": round(float(normalized_mutual_info_score(expected, got)), 4),
        "outside_share": round(outside / len(posts), 4),
    }


def precision_recall(actual: set[int], predicted: set[int]) -> dict[str, float]:
    hits = len(actual & predicted)
    return {
        "precision": round(hits / len(predicted), 4) if predicted else 1.0,
        "recall": round(hits / len(actual), 4) if actual else 1.0,
    }


def comment_attachment(
    comments: Mapping[int, CommentLabel],
    post_topic: Mapping[int, str],
    comment_topic: Mapping[int, str],
) -> dict[str, Any]:
    """How many on-topic comments sit in their post's topic, and how many off-topic comments
    were attached to any topic (lower is better)."""
    on_topic = [c for c, label in comments.items() if label.on_topic]
    off_topic = [c for c, label in comments.items() if not label.on_topic]
    joined = sum(
        1
        for c in on_topic
        if comment_topic.get(c) is not None
        and comment_topic.get(c) == post_topic.get(comments[c].post)
    )
    return {
        "on_topic": len(on_topic),
        "attached_to_post_topic": joined,
        "share": round(joined / len(on_topic), 4) if on_topic else 1.0,
        "off_topic_attached": sum(1 for c in off_topic if c in comment_topic),
        "off_topic": len(off_topic),
    }


def duplicate_titles(titles: Sequence[str]) -> int:
    """Topics whose title (case-folded, trimmed) another topic of the channel also has."""
    counts = Counter(title.strip().casefold() for title in titles)
    return sum(count for count in counts.values() if count > 1)


def embedder_ceiling(
    vectors: np.ndarray, subjects: Sequence[str], seed: int = 0, repeats: int = 5
) -> dict[str, float]:
    """k-means with the true number of subjects on the posts' vectors (best of ``repeats``
    seeds by inertia): what the embedding alone separates, whatever the algorithm."""
    from sklearn.cluster import KMeans
    from sklearn.metrics import adjusted_rand_score, normalized_mutual_info_score

    k = len(set(subjects))
    if k < 2 or len(subjects) <= k:
        return {"ari": 1.0, "nmi": 1.0, "k": float(k)}
    model = KMeans(n_clusters=k, random_state=seed, n_init=repeats).fit(vectors)
    labels = model.labels_.tolist()
    return {
        "ari": round(float(adjusted_rand_score(subjects, labels)), 4),
        "nmi": round(float(normalized_mutual_info_score(subjects, labels)), 4),
        "k": float(k),
    }
