"""Comments from a channel's linked discussion group, as exported by Telegram Desktop.

Telegram copies every channel post into the discussion group; comments reply to that copy
(or to each other). Desktop exports do not say which post a copy came from, so a copy (a
message forwarded from the channel) is matched to the stored post with the same text and
the nearest date — the copy is made seconds after the post. No row is stored for a copy.
A comment's thread is the post; its parent is the comment it replies to, or the post.
"""

from __future__ import annotations

from datetime import timedelta

from tg_parser.models import CollectedMessage, Source
from tg_parser.runs import RunTracker
from tg_parser.sources import ExportMessage
from tg_parser.store import Repositories

# how far from its copy a post may be dated
COPY_WINDOW = timedelta(days=1)


class DiscussionThreads:
    """Follows reply chains through a group export; remembers every thread seen so far."""

    def __init__(self, channel: Source) -> None:
        self.channel = channel
        self.copy_post: dict[int, int] = {}  # group copy id -> channel post id
        self.comment_post: dict[int, int] = {}  # group comment id -> channel post id
        bare = str(channel.numeric_id or "").removeprefix("-100")
        self.origin_ids = {f"channel{bare}"} if bare else set()

    async def comments(
        self, repos: Repositories, batch: list[ExportMessage], run: RunTracker
    ) -> list[CollectedMessage]:
        """The batch's comments; copies become thread roots, other messages are counted."""
        copies = [message for message in batch if self.is_copy(message)]
        matched = await self._match(repos, copies)
        self.copy_post |= matched
        run.add(thread_roots=len(matched), unmatched_copies=len(copies) - len(matched))
        copy_ids = {copy.id for copy in copies}
        comments = [
            comment
            for message in batch
            if message.id not in copy_ids and (comment := self._comment(message)) is not None
        ]
        run.add(comments=len(comments), not_in_thread=len(batch) - len(copies) - len(comments))
        return comments

    def is_copy(self, message: ExportMessage) -> bool:
        """A message the group received from the channel (auto-forwarded post)."""
        origin = message.payload.get("forwarded_from_id")
        if origin is not None:
            return origin in self.origin_ids
        name = message.payload.get("forwarded_from")
        return name is not None and name == self.channel.title

    def _comment(self, message: ExportMessage) -> CollectedMessage | None:
        parent = message.reply_to
        if parent is None:
            return None
        if parent in self.copy_post:
            post, parent_id = self.copy_post[parent], self.copy_post[parent]
        elif parent in self.comment_post:
            post, parent_id = self.comment_post[parent], parent
        else:
            return None
        self.comment_post[message.id] = post
        return message.collected(
            self.channel.channel_key, "comment", thread_id=post, parent_id=parent_id
        )

    async def _match(self, repos: Repositories, copies: list[ExportMessage]) -> dict[int, int]:
        """copy id -> post id: same text, nearest date."""
        if not copies:
            return {}
        candidates = await repos.messages.posts_with_text(
            self.channel.channel_key,
            {copy.text for copy in copies},
            min(copy.date for copy in copies) - COPY_WINDOW,
            max(copy.date for copy in copies) + COPY_WINDOW,
        )
        matched: dict[int, int] = {}
        for copy in copies:
            near = [
                (abs(date - copy.date), post_id)
                for post_id, date, text in candidates
                if text == copy.text and abs(date - copy.date) <= COPY_WINDOW
            ]
            if near:
                matched[copy.id] = min(near)[1]
        return matched
