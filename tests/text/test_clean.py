"""clean_text normalises whitespace and punctuation and drops learnt boilerplate;
learn_boilerplate finds the lines a channel repeats (tested on real exports)."""

# ruff: noqa: RUF001  (typographic characters are the data here)

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from sample_posts import EXPORTS, read_posts, sample_text
from tg_parser.text.clean import clean_text, learn_boilerplate, line_key


@pytest.mark.parametrize(
    ("raw", "clean"),
    [
        ("Привет,   мир", "Привет, мир"),
        ("  leading and trailing \t ", "leading and trailing"),
        ("abc\u00a0def\u202fghi", "abc def ghi"),
        ("zero\u200bwidth\ufeff and soft\u00adhyphen", "zerowidth and softhyphen"),
        ("эмодзи 👨\u200d👩\u200d👧 остаются", "эмодзи 👨\u200d👩\u200d👧 остаются"),
        ("one\n\n\n\n\ntwo", "one\n\ntwo"),
        ("list:\n- a\n- b", "list:\n- a\n- b"),
        ("line one\r\nline two", "line one\nline two"),
        ("“quoted” and ‘single’", "\"quoted\" and 'single'"),
        ("«ёлочки» остаются", "«ёлочки» остаются"),
        ("Wait… what....", "Wait... what..."),
        ("слово - слово", "слово — слово"),
        ("word – word -- word", "word — word — word"),
        ("2020–2025 and free-threaded", "2020–2025 and free-threaded"),
        ("e\u0301", "é"),
        ("link https://example.com/a?b=1…", "link https://example.com/a?b=1..."),
    ],
)
def test_normalises_whitespace_and_punctuation(raw: str, clean: str) -> None:
    assert clean_text(raw) == clean


def test_real_post_keeps_its_words_links_and_paragraphs() -> None:
    raw = sample_text(7)
    clean = clean_text(raw)
    assert "https://docs.astral.sh/uv/" in clean
    assert clean.count("\n\n") == raw.count("\n\n") == 2
    assert clean.split() == raw.split()


FOOTER = "Подписывайтесь на канал @tech_notes 👉"
SIGNATURE = "— Tech & Life Notes"


def _channel(posts: list[str]) -> list[str]:
    return [f"{text}\n\n{FOOTER}\n{SIGNATURE}" for text in posts]


def test_learns_footer_and_signature_but_not_content() -> None:
    texts = _channel([sample_text(i) for i in (4, 5, 6, 7, 8, 9, 10, 11)])
    texts += [sample_text(i) for i in (12, 13)]
    boilerplate = learn_boilerplate(texts)
    assert boilerplate == {line_key(FOOTER), line_key(SIGNATURE)}
    cleaned = clean_text(texts[0], boilerplate)
    assert cleaned == clean_text(sample_text(4))


def test_thresholds_are_parameters() -> None:
    texts = _channel([sample_text(4), sample_text(5)])
    assert learn_boilerplate(texts) == frozenset()  # 2 messages < min_messages
    assert line_key(SIGNATURE) in learn_boilerplate(texts, min_messages=2)
    mixed = _channel([sample_text(4), sample_text(5)]) + [sample_text(i) for i in range(6, 14)]
    assert learn_boilerplate(mixed, min_messages=2, min_share=0.5) == frozenset()


def test_media_posts_without_text_do_not_dilute_the_share() -> None:
    # a footer under 28% of the posts with text, in a channel of mostly bare videos
    with_text = _channel([sample_text(i) for i in range(4, 11)])
    with_text += [sample_text(i) for i in range(11, 29)]
    texts = with_text + [""] * 60 + ["  \n"] * 10
    assert len(with_text) == 25 and 7 / 25 == 0.28
    assert learn_boilerplate(texts) == {line_key(FOOTER), line_key(SIGNATURE)}


def test_hashtag_lines_are_content_not_boilerplate() -> None:
    texts = [f"post number {i} about databases\n#postgresql #tuning" for i in range(10)]
    assert learn_boilerplate(texts) == frozenset()


def test_sample_channel_has_no_boilerplate(sample_posts) -> None:
    assert learn_boilerplate(post.text for post in sample_posts) == frozenset()


@pytest.mark.parametrize(
    ("export", "line"),
    [
        ("ru_public_channel_guzelskie_perezalivy_3719msgs.json", "бусти (https://boosty.to"),
        ("ar_en_public_channel_upon_the_path_of_salaf_213msgs.json", "tr: umm ʿabdirraḥmān"),
    ],
)
def test_learns_real_channel_footers(export: str, line: str) -> None:
    texts = [post.text for post in read_posts(EXPORTS / export) if post.text.strip()]
    boilerplate = learn_boilerplate(post.text for post in read_posts(EXPORTS / export))
    assert len(boilerplate) == 1
    assert line in next(iter(boilerplate))
    with_footer = [t for t in texts if _footers(clean_text(t), boilerplate)]
    assert len(with_footer) >= 0.2 * len(texts)
    assert not any(_footers(clean_text(t, boilerplate), boilerplate) for t in with_footer)


def _footers(text: str, boilerplate: frozenset[str]) -> list[str]:
    return [line for line in text.splitlines() if line_key(line) in boilerplate]


@given(st.text(), st.lists(st.text(max_size=40), max_size=5))
def test_clean_text_is_idempotent(text: str, lines: list[str]) -> None:
    boilerplate = frozenset(line_key(clean_text(line)) for line in lines)
    once = clean_text(text, boilerplate)
    assert clean_text(once, boilerplate) == once
    assert once == once.strip()


@given(st.lists(st.text(), max_size=8))
def test_learn_boilerplate_never_fails(texts: list[str]) -> None:
    assert isinstance(learn_boilerplate(texts, min_messages=1), frozenset)
