"""Topics: embeddings → clustering → topic cards and bundles (see build.py)."""

from tg_parser.topics.build import TopicsReport, build_topics
from tg_parser.topics.model_cards import ModelCardWriter
from tg_parser.topics.options import TopicOptions

__all__ = [
    "ModelCardWriter",
    "TopicOptions",
    "TopicsReport",
    "build_topics",
]
