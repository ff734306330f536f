# ruff: noqa: RUF001  (Cyrillic and Arabic letters are the data here)
"""Words, and the head (and tail) of a very long text that the analyses read."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tg_parser.text.words import ANALYSED_CHARS, ends, head, words

_TEXT = st.text(alphabet=st.sampled_from("ab я\n\t.,"), max_size=80)


@given(_TEXT, st.integers(min_value=1, max_value=40))
def test_head_is_a_prefix_within_the_limit_without_a_cut_word(text: str, limit: int) -> None:
    start = head(text, limit)
    assert text.startswith(start) and len(start) <= limit
    if len(text) <= limit:
        assert start == text
    else:
        cut_at_space = text[len(start)].isspace() or start[-1:].isspace()
        assert cut_at_space or start == text[:limit]  # one word longer than the limit


@given(_TEXT, st.integers(min_value=1, max_value=20))
def test_ends_are_the_head_and_a_tail_without_a_cut_word(text: str, limit: int) -> None:
    sample = ends(text, limit)
    if len(text) <= 2 * limit:
        assert sample == text
        return
    first = head(text, limit)
    assert sample.startswith(first + "\n")
    last = sample[len(first) + 1 :]
    assert text.endswith(last) and len(last) <= limit
    after_space = text[len(text) - len(last) - 1].isspace() or last[:1].isspace()
    assert after_space or last == text[-limit:]  # one word longer than the limit


@pytest.mark.parametrize(
    ("text", "limit", "expected"),
    [
        ("one two three", 5, "one"),
        ("one two three", 7, "one two"),
        ("one two three", 8, "one two "),
        ("unbroken", 3, "unb"),
        ("short", 10, "short"),
    ],
)
def test_head(text: str, limit: int, expected: str) -> None:
    assert head(text, limit) == expected


def test_ends_of_a_very_long_text() -> None:
    text = "Start here. " + "middle words " * ANALYSED_CHARS + "the end."
    sample = ends(text)
    assert sample.startswith("Start here. middle") and sample.endswith("words the end.")
    assert len(sample) <= 2 * ANALYSED_CHARS + 1


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("الصَّلاةُ عِمَادُ الدِّينِ", ["الصَّلاةُ", "عِمَادُ", "الدِّينِ"]),
        ("Старый за\u0301мок", ["Старый", "за\u0301мок"]),
        ("free-threaded c++, don't", ["free-threaded", "c++", "don't"]),
    ],
)
def test_words_run_on_across_combining_marks(text: str, expected: list[str]) -> None:
    assert words(text) == expected
