"""Hybrid search over the processed messages: full text (stemmed, Russian and English) and
meaning (the multilingual embedder), fused by rank. ``search(db, query, filters, ...)``
is the one entry: the CLI, the HTTP API and the MCP server call it."""

from tg_parser.search.models import (
    MAX_LIMIT,
    MAX_QUERY_CHARS,
    Scores,
    SearchFilters,
    SearchHit,
    SearchMode,
    SearchResults,
    TopicRef,
    search_mode,
)
from tg_parser.search.service import search, warm_up

__all__ = [
    "MAX_LIMIT",
    "MAX_QUERY_CHARS",
    "Scores",
    "SearchFilters",
    "SearchHit",
    "SearchMode",
    "SearchResults",
    "TopicRef",
    "search",
    "search_mode",
    "warm_up",
]
