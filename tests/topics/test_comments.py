"""Comments join the topic of the post they discuss."""

from __future__ import annotations

import numpy as np

from tg_parser.embed import normalise
from tg_parser.models import source_ref
from tg_parser.topics.comments import attach_comments
from tg_parser.topics.corpus import Corpus, Item
from tg_parser.topics.discovery import Draft


def _item(number: int, kind: str, thread: int | None = None, text: str = "restic") -> Item:
    return Item(
        ref=source_ref("c", kind, number),  # type: ignore[arg-type]
        channel_id="c",
        message_id=str(number),
        message_type=kind,  # type: ignore[arg-type]
        text=text,
        thread_ref=source_ref("c", "post", thread) if thread else None,
    )


def test_comments_join_their_posts_topic_unless_they_discuss_another() -> None:
    # posts 1 (topic A) and 2 (topic B); comment 3 on post 1 says little (far from all),
    # comment 4 on post 1 is about B, comment 5 on post 2 is close to it
    rows = normalise(
        np.array(
            [[1, 0, 0], [0, 1, 0], [0.1, 0, 1], [0, 1, 0.05], [0.1, 0.9, 0.1]], dtype=np.float32
        )
    )
    items = [
        _item(1, "post"),
        _item(2, "post"),
        *(_item(n, "comment", t) for n, t in [(3, 1), (4, 1), (5, 2)]),
    ]
    order = sorted(range(5), key=lambda i: items[i].ref)
    data = Corpus([items[i] for i in order], rows[order])
    at = {item.message_id: i for i, item in enumerate(data.items)}
    a = Draft("singleton", [(at["1"], 1.0)], data.vectors[at["1"]])
    b = Draft("singleton", [(at["2"], 1.0)], data.vectors[at["2"]], {at["4"]: 0.99})

    counts = attach_comments(data, [a, b], threshold=0.25)

    assert set(a.members) == {at["3"]}  # the reply names its post's word: it joins
    assert 0 <= a.members[at["3"]] < 0.25  # scored by its similarity
    assert set(b.members) == {at["4"], at["5"]}  # comment 4 discusses B: it stays
    assert (counts.with_post_in_topic, counts.joined) == (3, 2)


def test_a_reply_that_says_nothing_of_its_topic_stays_outside() -> None:
    # post 1 and post 2 form one topic; every comment is far from both by vector.
    # Comment 3 names a word of its post, comment 4 a word of the topic's other post
    # (another form of it), comment 5 only stopwords and an unrelated word
    texts = {
        1: "Backups with restic to a remote bucket",
        2: "Snapshots of the ZFS pool every hour",
        3: "Is restic worth it?",
        4: "How do you prune the snapshot?",
        5: "When is the next stream?",
    }
    kinds = {1: ("post", None), 2: ("post", None), 3: ("comment", 1), 4: ("comment", 1)}
    kinds[5] = ("comment", 1)
    items = [_item(n, kind, thread, texts[n]) for n, (kind, thread) in kinds.items()]
    rows = normalise(
        np.array([[1, 0, 0], [0.9, 0.1, 0], [0, 0, 1], [0, 0.05, 1], [0, 0.1, 1]], np.float32)
    )
    order = sorted(range(5), key=lambda i: items[i].ref)
    data = Corpus([items[i] for i in order], rows[order])
    at = {item.message_id: i for i, item in enumerate(data.items)}
    topic = Draft("cluster", [(at["1"], 1.0), (at["2"], 0.9)], data.vectors[at["1"]])

    counts = attach_comments(data, [topic], threshold=0.25)

    assert set(topic.members) == {at["3"], at["4"]}
    assert (counts.with_post_in_topic, counts.joined) == (3, 2)
