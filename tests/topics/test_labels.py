"""A model's topic labels as the grouping of a channel (``topics.labels``) and the label
path of discovery."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from tg_parser.embed import normalise
from tg_parser.models import source_ref
from tg_parser.topics import labels as labels_module
from tg_parser.topics.corpus import Corpus, Item
from tg_parser.topics.discovery import Draft, discover
from tg_parser.topics.labels import NO_GROUP, label_groups, labelled_share, normal_label, smooth
from tg_parser.topics.options import TopicOptions

SUBJECTS = ("Iron", "thyroid gland", "Blood count")


def item(
    number: int, labels: tuple[str, ...], *, kind: str = "post", labelled: bool = True
) -> Item:
    return Item(
        ref=source_ref("chan", kind, number),  # type: ignore[arg-type]
        channel_id="chan",
        message_id=str(number),
        message_type=kind,  # type: ignore[arg-type]
        text=f"post {number}",
        phrases=labels,
        labelled=labelled,
    )


def labelled_corpus(per_subject: int = 8, seed: int = 3) -> Corpus:
    """Posts labelled by subject whose vectors do not depend on the subject (one shared
    direction plus noise: the embedding alone cannot tell the subjects apart)."""
    rng = np.random.default_rng(seed)
    common = normalise(rng.normal(size=(1, 32)).astype(np.float32))[0]
    items, rows = [], []
    for s, subject in enumerate(SUBJECTS):
        for k in range(per_subject):
            number = 100 * (s + 1) + k
            label = subject.upper() if k % 2 else subject.lower()
            items.append(item(number, (label, f"word{k}")))
            rows.append(common + rng.normal(0, 0.1, 32))
    order = sorted(range(len(items)), key=lambda i: items[i].ref)
    vectors = normalise(np.array(rows, dtype=np.float32))
    return Corpus([items[i] for i in order], vectors[order])


def subject_of(corpus: Corpus, index: int) -> int:
    return int(corpus.items[index].message_id) // 100


def test_normal_label_joins_case_and_inflection() -> None:
    assert normal_label("Iron deficiency") == normal_label("iron Deficiencies")
    assert normal_label("Щитовидная железа") == normal_label("щитовидной железы")
    assert normal_label("Backups") != normal_label("ZFS")
    assert normal_label("…") == ""


def test_no_grouping_when_few_items_carry_a_models_labels() -> None:
    data = labelled_corpus()
    offline = [dataclasses.replace(i, labelled=False) for i in data.items]
    corpus = Corpus(offline, data.vectors)
    assert labelled_share(corpus.items) == 0.0
    assert label_groups(corpus, range(len(corpus)), 3) is None


def test_groups_follow_the_labels_not_the_vectors() -> None:
    data = labelled_corpus()
    groups = label_groups(data, list(range(len(data))), 3)
    assert groups is not None
    for g in set(groups.tolist()):
        assert len({subject_of(data, i) for i in np.flatnonzero(groups == g)}) == 1
    assert len(set(groups.tolist())) == len(SUBJECTS)


def test_a_label_too_few_posts_share_groups_nothing() -> None:
    data = labelled_corpus(per_subject=2)
    groups = label_groups(data, list(range(len(data))), 4)
    assert groups is not None and set(groups.tolist()) == {NO_GROUP}


def test_smoothing_fixes_a_label_its_neighbours_contradict() -> None:
    rng = np.random.default_rng(0)
    centres = np.eye(2, 8, dtype=np.float32)
    vectors = normalise(np.vstack([c + rng.normal(0, 0.05, (12, 8)) for c in centres]))
    groups = np.array([0] * 12 + [1] * 12)
    groups[3] = 1  # a wrong label inside subject 0
    fixed = smooth(vectors.astype(np.float32), groups, 2)
    assert fixed.tolist() == [0] * 12 + [1] * 12


def test_smoothing_keeps_labels_when_neighbours_are_split() -> None:
    rng = np.random.default_rng(1)
    vectors = normalise(rng.normal(size=(30, 8)).astype(np.float32))
    groups = np.array([0, 1, 2] * 10)
    assert (smooth(vectors, groups, 3) == groups).mean() > 0.8


def test_discovery_groups_by_label_and_pins_every_document() -> None:
    data = labelled_corpus()
    comment = item(999, ("iron",), kind="comment")
    corpus = Corpus([*data.items, comment], np.vstack([data.vectors, data.vectors[:1]]))
    drafts = discover(corpus, [], TopicOptions())
    assert len(drafts) == len(SUBJECTS)
    for draft in drafts:
        posts = {*draft.anchor_indexes(), *draft.members} - {len(corpus) - 1}
        assert len({subject_of(corpus, i) for i in posts}) == 1
        assert len(posts) == 8
    iron = next(d for d in drafts if subject_of(corpus, d.anchor_indexes()[0]) == 1)
    assert len(corpus) - 1 in iron.members


def test_a_group_holding_a_kept_anchor_keeps_that_topic() -> None:
    corpus = labelled_corpus()
    first = discover(corpus, [], TopicOptions())
    kept = [Draft(d.type, list(d.anchors), d.centre) for d in first]
    again = discover(corpus, kept, TopicOptions())
    assert [d.anchors for d in again] == [d.anchors for d in first]
    assert [set(d.members) for d in again] == [set(d.members) for d in first]


def test_smoothing_a_large_channel_looks_among_a_sample(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(labels_module, "SMOOTH_LIMIT", 30)
    rng = np.random.default_rng(2)
    centres = np.eye(2, 8, dtype=np.float32)
    vectors = normalise(np.vstack([c + rng.normal(0, 0.05, (40, 8)) for c in centres]))
    groups = np.array([0] * 40 + [1] * 40)
    groups[[5, 50]] = [1, 0]  # two wrong labels
    fixed = smooth(vectors.astype(np.float32), groups, 2)
    assert fixed.tolist() == [0] * 40 + [1] * 40


def test_smoothing_leaves_a_row_without_a_label_without_a_group() -> None:
    rng = np.random.default_rng(4)
    vectors = normalise(np.vstack([np.eye(1, 8) + rng.normal(0, 0.05, (12, 8))]))
    groups = np.array([0] * 11 + [NO_GROUP])
    assert smooth(vectors.astype(np.float32), groups, 2).tolist() == groups.tolist()
