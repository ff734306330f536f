"""The username of a channel, as its own export tells it: the links of its posts to its posts.

A Telegram Desktop export names the channel and its numeric id, never its username, so a
public channel imported without ``--channel @name`` would get members-only ``t.me/c/…``
links. Channels often link to their own posts (tables of contents, "see also", series),
and those links carry the username: ``t.me/<username>/<post id>``.

The rule, kept strict because a wrong username makes every link wrong: a name is the
channel's own when at least :data:`MIN_LINKS` post links name it and at least
:data:`MIN_SHARE` of them land on posts of this export, and no other name does so.
A sister channel linked just as often does not pass (its post ids only partly coincide
with these), nor do a couple of links that happen to hit (too few to tell). When nothing
passes, the channel keeps its numeric key and links.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable

from tg_parser.models import CollectedMessage

MIN_LINKS = 3
MIN_SHARE = 0.95
_POST_LINK = re.compile(
    r"(?<![\w.])(?:https?://)?(?:www\.)?(?:t\.me|telegram\.me|telegram\.dog)/(?:s/)?"
    r"([a-z][a-z0-9_]{3,31})/([0-9]{1,12})(?![\w/])",
    re.IGNORECASE,
)


class OwnLinks:
    """Collects the post links and the post ids of an export, batch by batch."""

    def __init__(self) -> None:
        self.post_ids: set[int] = set()
        self.links: defaultdict[str, list[int]] = defaultdict(list)

    def add(self, posts: Iterable[CollectedMessage]) -> None:
        for post in posts:
            self.post_ids.add(int(post.message.id))
            for name, post_id in _POST_LINK.findall(post.message.text):
                self.links[name.lower()].append(int(post_id))

    def username(self) -> str | None:
        """The one name that passes the rule, else None."""
        passing = [name for name, targets in self.links.items() if self._own(targets)]
        return passing[0] if len(passing) == 1 else None

    def _own(self, targets: list[int]) -> bool:
        landed = sum(1 for target in targets if target in self.post_ids)
        return len(targets) >= MIN_LINKS and landed >= MIN_SHARE * len(targets)
