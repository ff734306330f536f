"""The username a channel's own export reveals through its posts' links to its posts."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from tg_parser.ingest.usernames import OwnLinks
from tg_parser.models import CollectedMessage, RawTelegramMessage, source_ref
from tg_parser.sources import ExportFile
from tg_parser.sources.desktop_reader import BatchReader

EXPORTS = Path(__file__).parents[1] / "data" / "export"


def own_links(name: str) -> OwnLinks:
    path = EXPORTS / name
    chat = ExportFile.open(path).choose(None)
    links = OwnLinks()
    for batch in BatchReader(path, chat, "UTC", "-100" + str(chat.id)).batches(500):
        links.add(batch.posts)
    return links


@pytest.mark.parametrize(
    ("name", "username"),
    [
        # 33 links to its own posts, every one to a post of the export
        ("ar_en_public_channel_upon_the_path_of_salaf_213msgs.json", "uponthepathofsalaf"),
        # its sister channel trantor_archive is linked 539 times, but 59 of them to posts
        # this export does not have: only trantor_library's 114 links all land
        ("zh_public_channel_trantor_library_924msgs.json", "trantor_library"),
        # a public channel that never links to its own posts: nothing to go on
        ("ru_public_channel_guzelskie_perezalivy_3719msgs.json", None),
        ("en_private_channel_test_oldformat_2021_19msgs.json", None),
    ],
)
def test_real_exports(name: str, username: str | None) -> None:
    assert own_links(name).username() == username


def posts(*texts: str) -> list[CollectedMessage]:
    """Posts 1, 2, … with these texts."""
    return [
        CollectedMessage(
            RawTelegramMessage(
                id=str(number),
                message_type="post",
                source_ref=source_ref("-1001", "post", number),
                channel_id="-1001",
                date=datetime(2025, 1, 1, tzinfo=UTC),
                text=text,
            )
        )
        for number, text in enumerate(texts, start=1)
    ]


@pytest.mark.parametrize(
    ("texts", "username"),
    [
        (["see t.me/Mine/2", "https://t.me/mine/3 and telegram.me/s/mine/1", "x"], "mine"),
        (["t.me/mine/2", "t.me/mine/3"], None),  # two links are too few to tell
        (
            [
                "t.me/mine/1",
                "t.me/mine/2",
                "t.me/mine/3",
                "t.me/other/1",
                "t.me/other/2 t.me/other/3",
            ],
            None,
        ),
        (["t.me/mine/1 t.me/mine/2 t.me/mine/3 t.me/mine/99", "x", "y"], None),  # one misses
        (["t.me/c/1001/1 t.me/c/1001/2 t.me/c/1001/3", "x", "y"], None),  # private links
        (["t.me/joinchat/2 t.me/+abc/1 t.me/mine", "x", "y"], None),
    ],
)
def test_the_rule(texts: list[str], username: str | None) -> None:
    links = OwnLinks()
    links.add(posts(*texts))
    assert links.username() == username
