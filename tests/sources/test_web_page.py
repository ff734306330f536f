"""The t.me web preview parser on real saved pages (tests/data/web) and on mangled HTML."""

# ruff: noqa: RUF001  (the saved pages are Russian: Cyrillic letters are the data)

from __future__ import annotations

import re
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from selectolax.lexbor import LexborHTMLParser

from tg_parser.models import RawTelegramMessage
from tg_parser.sources.web_page import (
    ChannelPage,
    detect_page_kind,
    parse_channel_page,
    parse_discussion_widget,
)
from tg_parser.sources.web_text import parse_count

DATA = Path(__file__).parents[1] / "data" / "web"
FRAGMENTS = DATA / "fragments" / "any2feed"


def read(name: str) -> str:
    return (DATA / name).read_text(encoding="utf-8")


def page(name: str, channel: str) -> ChannelPage:
    return parse_channel_page(read(name), channel=channel)


def post(parsed: ChannelPage, message_id: int) -> RawTelegramMessage:
    return next(p.message for p in parsed.posts if p.message.id == str(message_id))


def payload(message: RawTelegramMessage) -> dict[str, Any]:
    assert message.raw_payload is not None
    return message.raw_payload


def wrapped(fragment: str) -> str:
    return f"<html><body><section class='tgme_channel_history'>{fragment}</section></body></html>"


def independent_count(html: str) -> tuple[int, int, int]:
    """(blocks, posts, service messages) counted straight from the data-post attributes."""
    blocks = LexborHTMLParser(html).css("[data-post]")
    numeric = [b for b in blocks if b.attributes.get("data-post", "").rpartition("/")[2].isdigit()]
    service = [b for b in numeric if "service_message" in (b.attributes.get("class") or "")]
    return len(blocks), len(numeric) - len(service), len(service)


# file, channel key, data-post blocks, posts, service messages, skipped blocks
PAGES = [
    ("en_durov_2026-08.html", "durov", 20, 20, 0, 0),
    ("ru_excelhackru_2023-05.html", "excelhackru", 18, 18, 0, 0),
    ("ru_vtosters_2023-05.html", "vtosters", 16, 16, 0, 0),
    ("ru_antichristone_2023-05.html", "antichristone", 19, 15, 4, 0),
    ("ru_d_code_2023-05.html", "d_code", 20, 20, 0, 0),
    ("acceptance/ru_topwar_official_2023-02-28.html", "topwar_official", 12, 12, 0, 0),
    ("acceptance/en_feedjam_testchannel_2023-07-29.html", "feedjam", 7, 6, 1, 0),
    ("acceptance/ru_prstnk_eprst_new_channel_2026-05.html", "prstnk_eprst", 2, 1, 1, 0),
    ("acceptance/uk_air_alert_ua_2023-07-23.html", "air_alert_ua", 20, 20, 0, 0),
    ("acceptance/ru_codecamp_2023-05.html", "codecamp", 20, 20, 0, 0),
    ("acceptance/ru_habr_com_2023-05.html", "habr_com", 20, 20, 0, 0),
    ("acceptance/ru_lolz_guru_2023-05.html", "lolz_guru", 20, 20, 0, 0),
    ("acceptance/ru_prg_memes_2023-05.html", "prg_memes", 20, 19, 0, 1),
    ("acceptance/ru_procode404_2023-05.html", "procode404", 20, 20, 0, 0),
    ("acceptance/ru_seniorpy_2023-05.html", "seniorpy", 19, 19, 0, 0),
    ("acceptance/ru_thecodemedia_2023-05.html", "thecodemedia", 12, 12, 0, 0),
]
PAGES += [
    (f"fragments/any2feed/{p.name}", "x_channel", 1, 1, 0, 0) for p in FRAGMENTS.glob("message_*")
]


@pytest.mark.parametrize(("name", "channel", "blocks", "posts", "service", "skipped"), PAGES)
def test_every_page_yields_all_its_posts(
    name: str, channel: str, blocks: int, posts: int, service: int, skipped: int
) -> None:
    html = read(name)
    parsed = parse_channel_page(html, channel=channel)

    assert independent_count(html) == (blocks, posts, service)
    assert (len(parsed.posts), parsed.service_count, parsed.skipped) == (posts, service, skipped)
    ids = [int(p.message.id) for p in parsed.posts]
    assert ids == sorted(set(ids))
    for collected in parsed.posts:
        message = collected.message
        assert message.channel_id == channel
        assert message.source_ref == f"tg:{channel}:post:{message.id}"
        assert message.date.tzinfo is not None and message.date.utcoffset().total_seconds() == 0
        assert collected.edit_date is None
        RawTelegramMessage.model_validate(message.to_json_dict())


def test_durov_page_covers_519_to_539_without_530() -> None:
    parsed = page("en_durov_2026-08.html", "durov")

    ids = [int(p.message.id) for p in parsed.posts]
    assert ids == [n for n in range(519, 540) if n != 530]
    assert (parsed.before, parsed.newest_id) == (519, 539)


def test_header_of_a_2026_page() -> None:
    header = page("en_durov_2026-08.html", "durov").header

    assert header is not None
    assert (header.title, header.username) == ("Pavel Durov", "durov")
    assert (header.description, header.subscribers) == ("Founder of Telegram.", 11_300_000)
    assert header.photo_url is not None and header.photo_url.startswith("https://cdn4.telesco.pe/")


def test_post_with_links_preview_and_edit_2026() -> None:
    message = post(page("en_durov_2026-08.html", "durov"), 521)

    assert message.date == datetime(2026, 6, 1, 15, 40, 13, tzinfo=UTC)
    assert message.text.startswith(
        "💎 TON’s native currency is becoming Gram.\n\n🤑 Gram (https://gram.org/) was"
    )
    assert message.text.endswith("step 4 of 7 to Make TON Great Again (https://t.me/durov/482).")
    data = payload(message)
    assert (data["views"], data["edited"], data["author"]) == (6_510_000, True, "Pavel Durov")
    assert data["link_preview"] == {
        "url": "https://gram.org/",
        "site_name": "Gram",
        "description": "The native currency of TON",
    }
    assert data["reactions"][:2] == [
        {"paid": True, "count": 3240},
        {"emoji_id": "5265077361648368841", "count": 23_500},
    ]


def test_video_post_2026() -> None:
    data = payload(post(page("en_durov_2026-08.html", "durov"), 519))

    assert "edited" not in data
    assert [(m["type"], m["duration"], m["width"]) for m in data["media"]] == [("video", 9, 1616)]
    assert data["media"][0]["url"].startswith("https://cdn4.telesco.pe/file/e174be993b.mp4")


def test_album_is_one_material_listing_its_parts_2023() -> None:
    message = post(page("ru_excelhackru_2023-05.html", "excelhackru"), 1321)

    assert message.text == (
        "А у вас была такая проблема в сводных таблицах?\n\nЕсли в сводной изменить ширину "
        "столбцов, а затем обновить или дополнить ее новыми данными, то ее столбцы вернутся "
        "к ширине ячейки по умолчанию.\n\nПоказали в карусели пример того, как можно решить "
        "эту проблему."
    )
    data = payload(message)
    assert data["album"] == [1321, 1322, 1323, 1324]
    assert [m["type"] for m in data["media"]] == ["photo"] * 4
    assert (data["views"], message.date) == (25_600, datetime(2023, 3, 21, 8, 1, 29, tzinfo=UTC))


def test_mixed_album_with_video() -> None:
    data = payload(
        post(page("acceptance/ru_topwar_official_2023-02-28.html", "topwar_official"), 70992)
    )

    assert data["album"] == [70992, 70993, 70994]
    assert [(m["type"], m["message_id"]) for m in data["media"]] == [
        ("photo", 70992),
        ("photo", 70993),
        ("video", 70994),
    ]
    assert data["media"][2]["duration"] == 16


def test_poll_2023() -> None:
    data = payload(post(page("ru_excelhackru_2023-05.html", "excelhackru"), 1354))

    (poll,) = data["media"]
    assert poll["type"] == "poll" and poll["poll_type"] == "Anonymous Poll"
    assert poll["question"].startswith("Вы пользуетесь Excel или альтернативами")
    assert poll["options"] == [
        {"text": "Использую только Excel", "percent": 75},
        {"text": "Excel и альтернативы", "percent": 24},
        {"text": "Только альтернативы", "percent": 2},
    ]
    assert poll["voters"] == 2200


def test_document_post_2023() -> None:
    data = payload(post(page("ru_excelhackru_2023-05.html", "excelhackru"), 1349))

    assert data["media"] == [
        {"type": "document", "file_name": "Semeinyi-Budzhet-ExcelHack.xlsx", "size_text": "36.1 KB"}
    ]


def test_forwards_on_a_2023_page() -> None:
    parsed = page("acceptance/ru_topwar_official_2023-02-28.html", "topwar_official")

    forwards = [
        payload(p.message)["forwarded_from"]
        for p in parsed.posts
        if "forwarded_from" in payload(p.message)
    ]
    assert len(forwards) == 5  # the README's "10 forwards" counts two classes per header
    assert all(f["name"] for f in forwards)


def test_forwarded_from_a_linked_post() -> None:
    parsed = parse_channel_page(
        read("fragments/any2feed/message_media_forwarded_from.html"), channel="oper_goblin"
    )

    data = payload(parsed.posts[0].message)
    assert data["forwarded_from"] == {
        "name": "Пул N3",
        "url": "https://t.me/dimsmirnov175/44604",
        "username": "dimsmirnov175",
        "message_id": 44604,
    }
    assert (
        parsed.posts[0].message.text
        == "Британская разведка выяснила, почему Ким Чен Ын начал выводить дочку в свет"
    )


def test_renamed_channel_keeps_the_given_key_and_records_the_served_name() -> None:
    parsed = page("acceptance/ru_codecamp_2023-05.html", "codecamp")

    first = parsed.posts[0].message
    assert first.source_ref == "tg:codecamp:post:2357"
    assert payload(first)["username"] == "campcode"
    assert payload(first)["data_post"] == "campcode/2357"
    assert parsed.header is not None and parsed.header.username == "codecamp"


def test_post_with_an_empty_datetime_takes_the_previous_date() -> None:
    parsed = page("acceptance/ru_habr_com_2023-05.html", "habr_com")

    newest, before_it = post(parsed, 56641), post(parsed, 56640)
    assert newest.date == before_it.date
    assert payload(newest)["date_estimated"] is True
    assert "date_estimated" not in payload(before_it)


def test_empty_post_id_is_skipped_and_paging_uses_the_more_link() -> None:
    parsed = page("acceptance/ru_prg_memes_2023-05.html", "prg_memes")

    assert parsed.skipped == 1
    assert (parsed.before, parsed.newest_id) == (8586, 8613)


def test_page_without_more_link_pages_from_its_smallest_id() -> None:
    parsed = page("acceptance/en_feedjam_testchannel_2023-07-29.html", "feedjam")

    assert (parsed.before, parsed.newest_id, parsed.service_count) == (1, 7, 1)
    assert [p.message.id for p in parsed.posts] == ["2", "3", "4", "5", "6", "7"]


@pytest.mark.parametrize(
    ("name", "types"),
    [
        ("message_media_photo_and_video.html", ["video", "photo", "photo"]),
        ("message_media_round_video.html", ["round_video"]),
        ("message_voice.html", ["voice"]),
        ("message_sticker.html", ["sticker"]),
        ("message_poll.html", ["poll"]),
        ("message_media_file.html", ["document"]),
        ("message_text.html", []),
        ("message_link_preview.html", []),
    ],
)
def test_fragment_media_types(name: str, types: list[str]) -> None:
    parsed = parse_channel_page(wrapped((FRAGMENTS / name).read_text()), channel="x_channel")

    (collected,) = parsed.posts
    assert [m["type"] for m in payload(collected.message).get("media", [])] == types


def message_block(inner: str) -> str:
    return wrapped(
        '<div class="tgme_widget_message js-widget_message" data-post="x_channel/9">'
        f'<div class="tgme_widget_message_bubble">{inner}'
        '<time datetime="2023-02-28T06:48:36+00:00"></time></div></div>'
    )


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("media_photo.html", {"type": "photo", "width": 718, "height": 341}),
        ("media_video.html", {"type": "video", "duration": 34, "width": 624}),
        ("media_video_gif.html", {"type": "gif", "width": 800}),
        ("media_video_too_big.html", {"type": "video", "duration": 69, "too_big": True}),
        ("media_cicrle_video.html", {"type": "round_video", "duration": 57}),
        ("poll.html", {"type": "poll", "question": "Как лучше?", "multiple_choice": True}),
    ],
)
def test_bare_media_fragments(name: str, expected: dict[str, Any]) -> None:
    parsed = parse_channel_page(message_block((FRAGMENTS / name).read_text()), channel="x_channel")

    (media,) = payload(parsed.posts[0].message)["media"]
    assert {key: media.get(key) for key in expected} == expected


def test_link_preview_fragment() -> None:
    parsed = parse_channel_page(
        message_block((FRAGMENTS / "link_preview.html").read_text()), channel="x_channel"
    )

    preview = payload(parsed.posts[0].message)["link_preview"]
    assert preview["title"] == "Георгий Зотов: ОККУПАЦИЯ ВОЛОСАТЫМ КРАБОМ"
    assert preview["site_name"] == "Ваши новости — интернет-газета"
    assert preview["description"].endswith("Выглядит сие довольно жалко…")


def test_signature_and_hashtag_links() -> None:
    signed = parse_channel_page(
        read("fragments/any2feed/message_with_from_author.html"), channel="channel"
    )
    album = parse_channel_page(
        read("fragments/any2feed/message_media_photo_and_video.html"), channel="anna_news"
    )

    assert payload(signed.posts[0].message)["author"] == "🅰️rkadiy Ivanov"
    assert album.posts[0].message.text.endswith("#Белгород #Беспилотники\n\n@anna_news")


@pytest.mark.parametrize(
    ("html", "text"),
    [
        ('<a href="https://example.com/a">read</a>', "read (https://example.com/a)"),
        ('<a href="https://example.com/">example.com</a>', "example.com"),
        (
            '<a href="https://example.com/long/path">https://example.com/lo…</a>',
            "https://example.com/long/path",
        ),
        ('<a href="https://t.me/x">@x</a> and <a href="?q=%23tag">#tag</a>', "@x and #tag"),
        ("one<br>two<br/><br/>three", "one\ntwo\n\nthree"),
        ("  spaced \n  out  ", "spaced out"),
        ("<pre>a  =  1<br/>b</pre>after", "a  =  1\nb\nafter"),
    ],
)
def test_text_rendering(html: str, text: str) -> None:
    parsed = parse_channel_page(
        message_block(f'<div class="tgme_widget_message_text">{html}</div>'), channel="x_channel"
    )

    assert parsed.posts[0].message.text == text


@pytest.mark.parametrize(
    ("value", "number"),
    [
        ("1.2K", 1200),
        ("3.4M", 3_400_000),
        ("8.67M", 8_670_000),
        ("746", 746),
        ("217 094", 217_094),
        ("", None),
        ("K", None),
        ("1.2X", None),
    ],
)
def test_parse_count(value: str, number: int | None) -> None:
    assert parse_count(value) == number


@pytest.mark.parametrize(
    ("name", "kind"),
    [
        ("en_durov_2026-08.html", "channel"),
        ("acceptance/ru_prstnk_eprst_new_channel_2026-05.html", "channel"),
        ("edge/contact_tme_channel.html", "no_preview"),
        ("edge/contact_snscrape_channel-page.html", "no_preview"),
        ("edge/contact_tme_user.html", "user"),
        ("edge/contact_tme_bot.html", "bot"),
        ("edge/contact_tme_group.html", "group"),
        ("edge/contact_snscrape_group-page.html", "group"),
        ("edge/contact_snscrape_deleted-page.html", "not_found"),
        ("edge/s_not_existed_channel.html", "not_found"),
        ("edge/s_not_valid_channel.html", "not_found"),
    ],
)
def test_page_kinds(name: str, kind: str) -> None:
    assert detect_page_kind(read(name)) == kind


def test_edge_pages_yield_no_posts() -> None:
    for path in sorted((DATA / "edge").glob("*.html")):
        parsed = parse_channel_page(path.read_text(), channel="somebody")
        assert (parsed.posts, parsed.header, parsed.before, parsed.newest_id) == (
            [],
            None,
            None,
            None,
        )


def test_discussion_widget() -> None:
    widget = parse_discussion_widget(
        read("discussion/ru_otzaviksait_2_discussion_widget.html"), channel="otzaviksait", post_id=2
    )

    assert (widget.total, widget.before, widget.after, widget.skipped) == (44, 58, 68, 0)
    (comment,) = [c.message for c in widget.comments]
    assert comment.source_ref == "tg:otzaviksait:comment:58"
    assert (comment.message_type, comment.thread_id, comment.parent_message_id) == (
        "comment",
        "2",
        "2",
    )
    assert comment.date == datetime(2022, 8, 11, 6, 36, tzinfo=UTC)
    assert comment.text.startswith("Огромное спасибо парням! Всё в лучшем виде")
    assert payload(comment) == {"data_post_id": 58, "from": "Павлик Павлик"}


def test_discussion_reply_points_at_the_replied_comment() -> None:
    html = (
        '<div class="tgme_widget_message" data-post-id="61">'
        '<div class="tgme_widget_message_bubble">'
        '<span class="tgme_widget_message_author_name">Ann</span>'
        '<a class="tgme_widget_message_reply" href="https://t.me/otzaviksait/2?comment=58">'
        '<span class="tgme_widget_message_author_name">Bob</span>'
        '<div class="tgme_widget_message_text js-message_reply_text">quoted</div></a>'
        '<div class="tgme_widget_message_text js-message_text">answer</div>'
        '<time datetime="2022-08-12T06:36:00+00:00"></time></div></div>'
    )
    widget = parse_discussion_widget(html, channel="otzaviksait", post_id=2)

    (comment,) = [c.message for c in widget.comments]
    assert (comment.text, comment.parent_message_id, comment.thread_id) == ("answer", "58", "2")
    assert payload(comment)["reply_to"] == {"message_id": 58, "author": "Bob", "text": "quoted"}
    assert payload(comment)["from"] == "Ann"


# --- mangled HTML ------------------------------------------------------------------------

SAMPLE = (
    "".join(
        (FRAGMENTS / name).read_text()
        for name in (
            "message_media_photo_and_video.html",
            "message_poll.html",
            "message_voice.html",
        )
    )
    + read("ru_antichristone_2023-05.html")[40_000:52_000]
)
TAGS = [m.start() for m in re.finditer("<", SAMPLE)]
ATTRIBUTES = [m.span(1) for m in re.finditer(r'="([^"]*)"', SAMPLE)]


@st.composite
def mangled(draw: st.DrawFn) -> str:
    html = SAMPLE
    for _ in range(draw(st.integers(0, 6))):
        action = draw(st.sampled_from(["cut", "drop_tag", "attribute", "junk"]))
        html = _mangle(draw, html, action)
    return html


def _mangle(draw: st.DrawFn, html: str, action: str) -> str:
    if action == "cut":
        return html[: draw(st.integers(0, len(html)))]
    if action == "drop_tag":
        start = draw(st.sampled_from(TAGS))
        end = html.find(">", start)
        return html[:start] + html[end + 1 :] if 0 <= start < end else html
    if action == "attribute":
        start, end = draw(st.sampled_from(ATTRIBUTES))
        value = draw(st.text(max_size=12)).replace('"', "")
        return html[:start] + value + html[end:] if end <= len(html) else html
    at = draw(st.integers(0, len(html)))
    return html[:at] + draw(st.text(max_size=20)) + html[at:]


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(mangled())
def test_mangled_html_never_breaks_the_parser(html: str) -> None:
    parsed = parse_channel_page(html, channel="x_channel")
    widget = parse_discussion_widget(html, channel="x_channel", post_id=1)
    detect_page_kind(html)

    for collected in [*parsed.posts, *widget.comments]:
        message = collected.message
        assert message.date.utcoffset() is not None and not message.date.utcoffset()
        RawTelegramMessage.model_validate_json(message.model_dump_json(exclude_none=True))
