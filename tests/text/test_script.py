"""Readable text in a channel's script: no mojibake, no stacked combining marks."""

# ruff: noqa: RUF001

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tg_parser.text.script import in_script, is_garbled, is_unreadable


@pytest.mark.parametrize(
    "text",
    [
        "Рµс: рѕ",
        "РџРѕРЅРёРјР°РµС€СЊ, Р СѓСЃР»Р°РЅ",
        "Ð¿Ñ€Ð¸Ð²ÐµÑ‚",
        "Э̷̡̛͖͙̜̠̩͔͊́̈͋̈́̒т̸̱̹͕̦̉̂̄̅",
    ],
)
def test_garbled(text: str) -> None:
    assert is_garbled(text)
    assert not in_script(text, "ru")


@pytest.mark.parametrize(
    ("text", "unreadable"),
    [
        ("РџРѕРЅРёРјР°РµС€СЊ, Р СѓСЃР»Р°РЅ, СЌС‚Рѕ РјРѕРЅРёРєР°", True),
        ("Itâ€™s a cafÃ© rÃ©sumÃ© Ã  la franÃ§aise", True),
        ("П̶р̵и̶к̸л̸ю̸ч̶е̷н̶и̷я̵ ̴Г̶у̴з̷е̸л̸я̵", True),
        # one broken word quoted in a readable post
        (
            "В логах было «РџСЂРёРІРµС‚» вместо «Привет»: сервер отдавал UTF-8 как cp1251, и"
            " исправить это помог заголовок Content-Type с charset.",
            False,
        ),
        # Arabic with its vowel marks, accented Latin letters
        ("قال رسول الله ﷺ: «إِنَّمَا الأَعْمَالُ بِالنِّيَّاتِ» — actions are judged by intentions", False),
        ("Crème brûlée à la française, résumé of a café classic", False),
        ("", False),
    ],
)
def test_a_message_is_unreadable_when_most_of_it_is_broken(text: str, unreadable: bool) -> None:
    assert is_unreadable(text) == unreadable


@pytest.mark.parametrize(
    ("text", "language", "expected"),
    [
        ("Привет, «Пёс» и СССР", "ru", True),
        ("Demon's Souls на PlayStation 5", "ru", True),
        ("Café crème", "en", True),
        ("Привет", "en", False),
        ("Привет", None, True),
        # Arabic vowel signs are part of the script, not stacked marks
        ("إِنَّمَا الأَعْمَالُ بِالنِّيَّاتِ", "ar", True),
    ],
)
def test_in_script(text: str, language: str | None, expected: bool) -> None:
    assert in_script(text, language) is expected


def test_real_russian_text_is_not_garbled(sample_posts) -> None:  # type: ignore[no-untyped-def]
    assert not any(is_garbled(post.text) for post in sample_posts)


@given(st.text())
def test_never_fails(text: str) -> None:
    assert isinstance(in_script(text, "ru"), bool)
