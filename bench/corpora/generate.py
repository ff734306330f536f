"""Generate the synthetic evaluation channels from the text pools in ``pools/``.

Usage: ``python bench/corpora/generate.py [OUT_DIR]`` (default: this directory). For every
pool ``pools/<name>.json`` it writes ``<name>/channel/result.json`` and
``<name>/discussion/result.json`` (Telegram Desktop exports, built with the sample
channel's writer ``examples/build_sample.py``) and ``<name>/labels.json``.

A content post is a headline and two to four lines of its subject, in half of the posts
one line of the channel's shared boilerplate, and in most posts one or two lines that
mention a neighbouring subject (``overlap``: thyroid and iron, iron and blood count;
backups and ZFS, ZFS and NAS hardware), so that neighbouring subjects share vocabulary.
A third of the posts are readers' cases instead: values of the subject and of one or two
other subjects, then the question that makes the post about its subject. Noise
posts: advertising and cross-promotion (``ad``), greetings and holiday wishes, absence
notices, media without text. Some content posts are reposts (``forwarded_from``) or photos
with a caption. A third of the content posts have comments: on-topic questions that name
a term of the post's subject, and off-topic one-liners.

Labels: ``{"posts": {id: {"subject", "noise", "ad"}}, "comments": {group message id:
{"post": id, "on_topic": bool}}}``. Everything is seeded by the pool's name: generating
twice gives the same bytes.
"""

from __future__ import annotations

import json
import random
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent.parent / "examples"))

import build_sample as writer  # noqa: E402  (the sample channel's export writer)

NOISE_KINDS = ("ad", "greeting", "notice")
REPOSTERS = ("Friends of the Lab", "Weekly Digest")


def content_text(pool: dict[str, Any], subject: str, rng: random.Random) -> list[str]:
    if rng.random() < 0.35:
        return case_text(pool, subject, rng)
    spec = pool["subjects"][subject]
    lines = rng.sample(spec["lines"], rng.randint(2, 4))
    for _, line in rng.sample(pool["overlap"][subject], rng.choice((0, 1, 1, 2))):
        lines.insert(rng.randint(0, len(lines)), line)
    if rng.random() < 0.5:
        lines.append(rng.choice(pool["shared"]))
    return [rng.choice(spec["heads"]), " ".join(lines)]


def case_text(pool: dict[str, Any], subject: str, rng: random.Random) -> list[str]:
    """A reader's case: values of the subject and of one or two neighbours, then the
    question that makes it a post about ``subject``."""
    cases = pool["cases"]
    neighbours = rng.sample([s for s in cases["values"] if s != subject], rng.randint(1, 2))
    values = [rng.choice(cases["values"][s]) for s in [subject, *neighbours]]
    rng.shuffle(values)
    intro = rng.choice(cases["intro"]).format(age=rng.randint(19, 64))
    return [intro, ", ".join(values) + ".", rng.choice(cases["ask"][subject])]


def comments_for(pool: dict[str, Any], subject: str, rng: random.Random) -> list[dict[str, Any]]:
    result = []
    for _ in range(rng.randint(1, 4)):
        on_topic = rng.random() < 0.6
        if on_topic:
            term = rng.choice(pool["terms"][subject])
            text = rng.choice(pool["comments_on"]).format(term=term)
        else:
            text = rng.choice(pool["comments_off"])
        result.append({"by": rng.choice(pool["commenters"]), "text": text, "on_topic": on_topic})
    return result


def plan(pool: dict[str, Any], rng: random.Random) -> list[tuple[dict[str, Any], dict[str, Any]]]:
    """(post data, label) pairs in random order, before dates are given."""
    posts: list[tuple[dict[str, Any], dict[str, Any]]] = []
    for subject, spec in pool["subjects"].items():
        for _ in range(spec["posts"]):
            data: dict[str, Any] = {"text": content_text(pool, subject, rng)}
            roll = rng.random()
            if roll < 0.12:
                data["forwarded_from"] = rng.choice(REPOSTERS)
            elif roll < 0.35:
                data["photo"] = [1280, 960]
            if rng.random() < 0.33:
                data["comments"] = comments_for(pool, subject, rng)
            posts.append((data, {"subject": subject, "noise": False, "ad": False}))
    for kind in NOISE_KINDS:
        for text in pool["noise"][kind]:
            data = {"text": [text]}
            if kind == "greeting":
                data["photo"] = [1080, 1080]
            if rng.random() < 0.3:
                data["comments"] = [
                    {"by": rng.choice(pool["commenters"]), "text": c, "on_topic": False}
                    for c in rng.sample(pool["comments_off"], 2)
                ]
            posts.append((data, {"subject": None, "noise": True, "ad": kind == "ad"}))
    for index in range(8):
        media = (
            {"photo": [800, 600]} if index % 2 else {"video": {"duration": 30, "size": [720, 1280]}}
        )
        posts.append(({"text": [], **media}, {"subject": None, "noise": True, "ad": False}))
    rng.shuffle(posts)
    return posts


def build_corpus(pool: dict[str, Any]) -> tuple[writer.Export, writer.Export, dict[str, Any]]:
    rng = random.Random(pool["name"])
    start = datetime.fromisoformat(pool["start"]).replace(tzinfo=writer.EXPORT_TZ)
    posts = []
    for number, (data, label) in enumerate(plan(pool, rng)):
        moment = start + timedelta(hours=9 + 31 * number + rng.randint(0, 8))
        posts.append(writer.Post(f"p{number}", moment.astimezone(UTC), data, label))
    meta = {
        "name": pool["name"],
        "id": pool["id"],
        "created": pool["created"],
        "discussion_name": f"{pool['name']} chat",
        "discussion_id": pool["id"] + 1,
    }
    channel = writer.channel_export(meta, posts)
    group = writer.discussion_export(meta, channel, posts)
    return channel, group, labels(posts)


def labels(posts: list[writer.Post]) -> dict[str, Any]:
    """Post labels by id; comment labels by the group message id the writer gave them."""
    events = [event for post in posts if post.data.get("comments") for event in writer.thread(post)]
    events.sort(key=lambda event: (event.moment, event.key))
    comments = {
        str(number): {"post": event.post.id, "on_topic": event.comment["on_topic"]}
        for number, event in enumerate(events, start=1)
        if event.comment is not None
    }
    return {"posts": {str(post.id): post.label for post in posts}, "comments": comments}


def generate(out: Path) -> list[str]:
    names = []
    for path in sorted((HERE / "pools").glob("*.json")):
        pool = json.loads(path.read_text(encoding="utf-8"))
        channel, group, table = build_corpus(pool)
        files = {
            "channel/result.json": channel.as_json(),
            "discussion/result.json": group.as_json(),
            "labels.json": json.dumps(table, ensure_ascii=False, indent=1),
        }
        for name, content in files.items():
            target = out / path.stem / name
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(content + "\n", encoding="utf-8")
        names.append(path.stem)
    return names


if __name__ == "__main__":
    print(generate(Path(sys.argv[1]) if len(sys.argv) > 1 else HERE))
