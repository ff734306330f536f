"""What each tool takes: one pydantic model per tool (unknown arguments refused), whose
JSON Schema is the tool's input schema and whose validation errors are the tool's errors."""

from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field

from tg_parser.search import MAX_QUERY_CHARS, SearchMode
from tg_parser.search.models import MessageKind

MAX_REFS = 50  # source_refs one get_messages call may name

Limit = Annotated[
    int | None,
    Field(ge=1, description="Items to return (default MCP_PAGE_SIZE, at most MCP_MAX_PAGE_SIZE)."),
]
Cursor = Annotated[
    str | None,
    Field(max_length=64, description="`next_cursor` of the previous call, for the next page."),
]
Channel = Annotated[
    str,
    Field(
        min_length=1,
        max_length=200,
        description="A channel: its key (see list_channels), @username, t.me link or -100… id.",
    ),
]
TopicId = Annotated[
    str, Field(min_length=1, max_length=200, description="A topic id (topic:tg:…).")
]
SourceRef = Annotated[
    str,
    Field(
        min_length=1,
        max_length=200,
        description="A message's source_ref (tg:<channel>:<post|comment>:<id>).",
    ),
]
Since = Annotated[
    str | None,
    Field(max_length=40, description="Messages dated on or after (YYYY-MM-DD or ISO 8601)."),
]
Until = Annotated[
    str | None,
    Field(max_length=40, description="Messages dated up to, inclusive (YYYY-MM-DD or ISO 8601)."),
]
Kind = Annotated[MessageKind | None, Field(description="post or comment (default: both).")]


class Paged(BaseModel):
    model_config = ConfigDict(extra="forbid")

    limit: Limit = None
    cursor: Cursor = None


class SearchArgs(Paged):
    query: Annotated[
        str, Field(min_length=1, max_length=MAX_QUERY_CHARS, description="What to look for.")
    ]
    channel: Channel | None = None
    topic: TopicId | None = None
    kind: Kind = None
    lang: Annotated[str | None, Field(pattern=r"^[a-z]{2}$", description="ru, en, …")] = None
    since: Since = None
    until: Until = None
    mode: Annotated[
        SearchMode, Field(description="hybrid (words and meaning), lexical or semantic.")
    ] = "hybrid"


class ListChannelsArgs(Paged):
    pass


class ListTopicsArgs(Paged):
    channel: Channel


class GetTopicArgs(Paged):
    topic_id: TopicId


class GetMessagesArgs(Paged):
    source_refs: Annotated[
        list[SourceRef] | None,
        Field(
            max_length=MAX_REFS,
            description="These messages (then give no other filter); else the filters select.",
        ),
    ] = None
    channel: Channel | None = None
    since: Since = None
    until: Until = None
    kind: Kind = None


class GetThreadArgs(Paged):
    source_ref: Annotated[
        str,
        Field(
            min_length=1,
            max_length=200,
            description="The post's source_ref (tg:<channel>:post:<id>), or one of its comments'.",
        ),
    ]
