"""Build the bundled sample channel from the hand-written posts in ``sample_data/``.

Usage: ``python examples/build_sample.py [OUT_DIR]`` (default: this directory). Writes

- ``sample_channel/result.json``: Telegram Desktop export of the channel (public_channel);
- ``sample_channel_discussion/result.json``: export of its linked discussion group;
- ``sample_labels.json``: ground truth per post id (subject, noise, ad).

Every file in ``sample_data/`` except ``channel.json`` holds posts sharing one label. A post is
``{"date": "YYYY-MM-DD[THH:MM]", "text": [paragraphs]}`` plus optional ``photo`` [w, h],
``video`` {"duration", "size"}, ``document`` {"name", "mime", "size"}, ``forwarded_from``,
``edited_after_min``, ``pin`` and ``comments`` [{"by", "text", "to": index of the comment
replied to}]. Text markup: ``**bold**``, ``__italic__``, ``code`` in backticks,
``[text](https://…)``; hashtags, mentions, e-mails and URLs are found as Telegram finds them.
The output depends only on ``sample_data/``: building twice gives the same bytes.
"""

from __future__ import annotations

import hashlib
import json
import re
import sys
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
DATA = HERE / "sample_data"
EXPORT_TZ = timezone(timedelta(hours=3))  # Desktop writes local time; the exporter was in UTC+3
EMOJIS = ["👍", "🔥", "❤", "🤔", "👏", "😁"]

MARKUP = re.compile(
    r"\*\*(?P<bold>.+?)\*\*"
    r"|__(?P<italic>.+?)__"
    r"|`(?P<code>[^`]+)`"
    r"|\[(?P<label>[^\]]+)\]\((?P<href>https?://[^)\s]+)\)"
    r"|(?P<email>[\w.+-]+@[\w-]+\.[\w.]+\w)"
    r"|(?P<link>https?://[^\s]+[^\s.,;:!?)»])"
    r"|(?<![\w#])(?P<hashtag>#[^\W\d_]\w*)"
    r"|(?<![\w@])(?P<mention>@[A-Za-z]\w{3,})"
)


def digest(*parts: object) -> int:
    """A stable number derived from ``parts`` (the same on every machine and Python)."""
    text = "|".join(str(p) for p in parts)
    return int(hashlib.sha256(text.encode()).hexdigest()[:12], 16)


def text_parts(text: str) -> list[str | dict[str, str]]:
    """Split marked-up text into Telegram's parts: plain strings and entity objects."""
    parts: list[str | dict[str, str]] = []
    position = 0
    for match in MARKUP.finditer(text):
        if match.start() > position:
            parts.append(text[position : match.start()])
        if match["href"]:
            parts.append({"type": "text_link", "text": match["label"], "href": match["href"]})
        else:
            kind = str(match.lastgroup)
            parts.append({"type": kind, "text": match[kind]})
        position = match.end()
    if position < len(text):
        parts.append(text[position:])
    return parts


def text_fields(paragraphs: list[str]) -> dict[str, Any]:
    """``text`` and ``text_entities`` as Telegram Desktop writes them."""
    parts = text_parts("\n\n".join(paragraphs))
    if all(isinstance(p, str) for p in parts):
        plain = "".join(str(p) for p in parts)
        return {"text": plain, "text_entities": [{"type": "plain", "text": plain}] if plain else []}
    entities = [p if isinstance(p, dict) else {"type": "plain", "text": p} for p in parts]
    return {"text": parts, "text_entities": entities}


def timestamp_fields(prefix: str, moment: datetime) -> dict[str, str]:
    local = moment.astimezone(EXPORT_TZ).replace(tzinfo=None)
    return {prefix: local.isoformat(), f"{prefix}_unixtime": str(int(moment.timestamp()))}


def peer_number(name: str) -> int:
    """A made-up but stable Telegram id for a user or channel known only by name."""
    return 1_000_000_000 + digest(name) % 1_000_000_000


def user_id(name: str) -> str:
    return f"user{peer_number(name)}"


@dataclass
class Export:
    """One chat being written: its header, messages and media counters."""

    name: str
    type: str
    id: int
    messages: list[dict[str, Any]] = field(default_factory=list)
    media_count: dict[str, int] = field(default_factory=dict)

    @property
    def peer(self) -> str:
        return f"channel{self.id}"

    def media(self, post: dict[str, Any], moment: datetime) -> dict[str, Any]:
        stamp = moment.astimezone(EXPORT_TZ).strftime("%d-%m-%Y_%H-%M-%S")
        size = 40_000 + digest(self.name, moment) % 900_000
        if "photo" in post:
            width, height = post["photo"]
            path = f"photos/photo_{self.count('photo')}@{stamp}.jpg"
            return {"photo": path, "photo_file_size": size, "width": width, "height": height}
        if "video" in post:
            width, height = post["video"]["size"]
            path = f"video_files/video_{self.count('video')}@{stamp}.mp4"
            return {
                "file": path,
                "file_size": size * 20,
                "thumbnail": f"{path}_thumb.jpg",
                "thumbnail_file_size": size // 20,
                "media_type": "video_file",
                "mime_type": "video/mp4",
                "duration_seconds": post["video"]["duration"],
                "width": width,
                "height": height,
            }
        if "document" in post:
            doc = post["document"]
            return {
                "file": f"files/{doc['name']}",
                "file_name": doc["name"],
                "file_size": doc["size"],
                "mime_type": doc["mime"],
            }
        return {}

    def count(self, kind: str) -> int:
        self.media_count[kind] = self.media_count.get(kind, 0) + 1
        return self.media_count[kind]

    def as_json(self) -> str:
        header = {"name": self.name, "type": self.type, "id": self.id, "messages": self.messages}
        return json.dumps(header, ensure_ascii=False, indent=1)


@dataclass
class Post:
    key: str
    moment: datetime
    data: dict[str, Any]
    label: dict[str, Any]
    id: int = 0


def load_posts() -> list[Post]:
    """Every post of every data file, in publication order."""
    posts = []
    for path in sorted(DATA.glob("*.json")):
        if path.name == "channel.json":
            continue
        content = json.loads(path.read_text(encoding="utf-8"))
        for index, data in enumerate(content["posts"]):
            key = f"{path.stem}/{index}"
            posts.append(Post(key, publication_time(key, data["date"]), data, content["label"]))
    posts.sort(key=lambda p: (p.moment, p.key))
    return posts


def publication_time(key: str, date: str) -> datetime:
    """The given local date (and time, when given); otherwise a time of day between 8 and 22."""
    moment = datetime.fromisoformat(date).replace(tzinfo=EXPORT_TZ)
    if "T" not in date:
        moment += timedelta(hours=8, seconds=digest(key) % (14 * 3600))
    return moment.astimezone(UTC)


def channel_export(meta: dict[str, Any], posts: list[Post]) -> Export:
    channel = Export(meta["name"], "public_channel", meta["id"])
    created = datetime.fromisoformat(meta["created"]).astimezone(UTC)
    channel.messages.append(service(channel, 1, created, "create_channel", title=channel.name))
    for post in posts:
        post.id = channel.messages[-1]["id"] + 1
        channel.messages.append(channel_message(channel, post))
        if post.data.get("pin"):
            moment = post.moment + timedelta(minutes=1)
            pin = service(channel, post.id + 1, moment, "pin_message", message_id=post.id)
            channel.messages.append(pin)
    return channel


def service(chat: Export, id: int, moment: datetime, action: str, **extra: Any) -> dict[str, Any]:
    return {
        "id": id,
        "type": "service",
        **timestamp_fields("date", moment),
        "actor": chat.name,
        "actor_id": chat.peer,
        "action": action,
        **extra,
        "text": "",
        "text_entities": [],
    }


def channel_message(channel: Export, post: Post) -> dict[str, Any]:
    message: dict[str, Any] = {"id": post.id, "type": "message"}
    message |= timestamp_fields("date", post.moment)
    if "edited_after_min" in post.data:
        edited = post.moment + timedelta(minutes=post.data["edited_after_min"])
        message |= timestamp_fields("edited", edited)
    message |= {"from": channel.name, "from_id": channel.peer}
    if "forwarded_from" in post.data:
        source = post.data["forwarded_from"]
        message |= {"forwarded_from": source, "forwarded_from_id": f"channel{peer_number(source)}"}
    message |= channel.media(post.data, post.moment)
    message |= text_fields(post.data["text"])
    message |= reactions(post)
    return message


def reactions(post: Post) -> dict[str, Any]:
    """Reactions on about half of the posts, more on long ones."""
    seed = digest("reactions", post.key)
    if seed % 2 or not post.data["text"]:
        return {}
    count = 1 + seed % 40 + len("".join(post.data["text"])) // 60
    picked = [EMOJIS[seed % 3], EMOJIS[3 + seed % 3]][: 1 + seed % 2]
    return {
        "reactions": [
            {"type": "emoji", "count": max(1, count >> i), "emoji": e} for i, e in enumerate(picked)
        ]
    }


@dataclass
class GroupEvent:
    """A message of the discussion group before it has an id: a post's copy or a comment."""

    key: str
    moment: datetime
    post: Post
    comment: dict[str, Any] | None = None
    parent: str = ""


def discussion_export(meta: dict[str, Any], channel: Export, posts: list[Post]) -> Export:
    """The linked group: an automatic copy of each commented post, then its comments."""
    group = Export(meta["discussion_name"], "public_supergroup", meta["discussion_id"])
    events = [event for post in posts if post.data.get("comments") for event in thread(post)]
    events.sort(key=lambda event: (event.moment, event.key))
    ids = {event.key: number for number, event in enumerate(events, start=1)}
    for event in events:
        message = {"id": ids[event.key], "type": "message"}
        message |= timestamp_fields("date", event.moment)
        if event.comment is None:
            message |= {"from": channel.name, "from_id": channel.peer}
            message |= {"forwarded_from": channel.name, "forwarded_from_id": channel.peer}
            message |= group.media(event.post.data, event.moment)
            message |= text_fields(event.post.data["text"])
        else:
            message |= sender(channel, event.comment["by"])
            message["reply_to_message_id"] = ids[event.parent]
            text = event.comment["text"]
            message |= text_fields(text if isinstance(text, list) else [text])
        group.messages.append(message)
    return group


def thread(post: Post) -> list[GroupEvent]:
    """The copy a few seconds after the post, then the comments minutes to hours apart."""
    copy_key = f"{post.key}/copy"
    moment = post.moment + timedelta(seconds=2 + digest("copy", post.key) % 6)
    events = [GroupEvent(copy_key, moment, post)]
    for index, comment in enumerate(post.data["comments"]):
        moment += timedelta(minutes=3 + digest(post.key, index) % 150, seconds=digest(index) % 60)
        parent = f"{post.key}/{comment['to']}" if "to" in comment else copy_key
        events.append(GroupEvent(f"{post.key}/{index}", moment, post, comment, parent))
    return events


def sender(channel: Export, author: str) -> dict[str, str]:
    """Commenters are users; ``"channel"`` means the channel answering in its own name."""
    if author == "channel":
        return {"from": channel.name, "from_id": channel.peer}
    return {"from": author, "from_id": user_id(author)}


def labels(posts: list[Post]) -> str:
    table = {str(post.id): post.label for post in posts}
    return json.dumps(table, ensure_ascii=False, indent=1)


def build(out: Path) -> None:
    meta = json.loads((DATA / "channel.json").read_text(encoding="utf-8"))
    posts = load_posts()
    channel = channel_export(meta, posts)
    group = discussion_export(meta, channel, posts)
    outputs = {
        "sample_channel/result.json": channel.as_json(),
        "sample_channel_discussion/result.json": group.as_json(),
        "sample_labels.json": labels(posts),
    }
    for name, content in outputs.items():
        (out / name).parent.mkdir(parents=True, exist_ok=True)
        (out / name).write_text(content + "\n", encoding="utf-8")


if __name__ == "__main__":
    build(Path(sys.argv[1]) if len(sys.argv) > 1 else HERE)
