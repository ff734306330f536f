"""Comments join the topic of the post they discuss.

Replying under a post is strong evidence that a comment is about it: stronger than the
similarity of a short reply to a long post ("That did it, thanks!" scores near 0 with the
embedder). But a reply is not always about its post ("When is the next stream?"). So a
comment that no topic took joins its post's topic when it says something of the post: it
is at least ``comment_score`` similar to the post or to the topic's centre, or it names a
word of the post (the same stem, stopwords and words under three letters aside: "Is
restic worth it?" under a post about restic). It is scored by its similarity to the post
or to the topic's centre (the higher). A comment that another topic took (it is at least
``supporting_score`` similar to that topic's centre) moves only when it is at least
``comment_score`` similar to its own post or that post's topic; otherwise it discusses
the other subject. Noise comments never reach the corpus, so they never join. Runs after
discovery, on its drafts; the post's own place is not changed.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache

from tg_parser.topics import lexical
from tg_parser.topics.corpus import Corpus
from tg_parser.topics.discovery import Draft


@dataclass(frozen=True)
class CommentCounts:
    """Comments whose post is in a topic, and those of them in their post's topic."""

    with_post_in_topic: int = 0
    joined: int = 0


def attach_comments(corpus: Corpus, drafts: Sequence[Draft], threshold: float) -> CommentCounts:
    """Put every comment in its post's topic as a supporting member (see the module's
    description for when it stays in another topic); the counts after the move."""
    owner = {i: topic for topic in drafts for i in (*topic.anchor_indexes(), *topic.members)}
    eligible = joined = 0
    topic_words = _TopicWords(corpus)
    for comment, post in sorted(corpus.threads.items()):
        topic = owner.get(post)
        if topic is None or comment in topic.anchor_indexes():
            continue
        eligible += 1
        current = owner.get(comment)
        score = _score(corpus, comment, post, topic)
        if current is None:
            movable = score >= threshold or topic_words.named(comment, post, topic)
        else:
            movable = comment not in current.anchor_indexes() and score >= threshold
        if comment not in topic.members and movable:
            if current is not None:
                del current.members[comment]
            topic.members[comment] = score
            owner[comment] = topic
        joined += comment in topic.members
    return CommentCounts(eligible, joined)


def _score(corpus: Corpus, comment: int, post: int, topic: Draft) -> float:
    vector = corpus.vectors[comment]
    best = max(float(vector @ corpus.vectors[post]), float(vector @ topic.centre))
    return round(min(1.0, max(0.0, best)), 4)


class _TopicWords:
    """The content stems of each topic's posts, gathered once per topic."""

    def __init__(self, corpus: Corpus) -> None:
        self.corpus = corpus
        self.known: dict[int, frozenset[str]] = {}

    def of(self, topic: Draft) -> frozenset[str]:
        key = id(topic)
        if key not in self.known:
            items = self.corpus.items
            posts = [*topic.anchor_indexes(), *topic.members]
            texts = [items[i].text for i in posts if items[i].message_type == "post"]
            self.known[key] = frozenset().union(*map(content_stems, texts))
        return self.known[key]

    def named(self, comment: int, post: int, topic: Draft) -> bool:
        """Whether the comment shares a content word (by stem) with its post or with a
        post of the post's topic."""
        own = content_stems(self.corpus.items[comment].text)
        post_words = content_stems(self.corpus.items[post].text)
        return bool(own) and not (own.isdisjoint(post_words) and own.isdisjoint(self.of(topic)))


@lru_cache(maxsize=1 << 14)
def content_stems(text: str) -> frozenset[str]:
    """The set of the text's content stems (``lexical.content_stems``)."""
    return frozenset(lexical.content_stems(text))
