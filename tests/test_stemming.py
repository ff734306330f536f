# ruff: noqa: RUF001  (Cyrillic and Arabic letters are the data here)
"""Word stems by the rules of each word's script."""

from __future__ import annotations

import pytest

from tg_parser.stemming import normalised, stem


@pytest.mark.parametrize(
    ("word", "expected"),
    [
        ("Ёлка", "елка"),
        ("за\u0301мок", "замок"),  # a Russian stress mark
        ("الصَّلاةُ", "الصلاة"),  # Arabic vowel marks
        ("كتـــاب", "كتاب"),  # tatweel
        ("ٱللَّه", "الله"),  # alef wasla
        ("Café", "café"),  # a precomposed letter keeps its accent
        ("e\u0301te\u0301", "été"),  # a decomposed one is composed
    ],
)
def test_normalised(word: str, expected: str) -> None:
    assert normalised(word) == expected


@pytest.mark.parametrize(
    ("forms", "expected"),
    [
        (("ферритина", "ферритином", "ферритин"), "ферритин"),
        (("tests", "testing", "test"), "test"),
        (("الصلاة", "صلاة", "الصَّلاةُ"), "صلا"),
        (("المسلمون", "المسلمين", "مسلم"), "مسلم"),
        (("الكتاب", "بالكتاب", "كتاب"), "كتاب"),
        (("ελληνικά",), "ελληνικά"),  # another script: the word itself
        (("東京",), "東京"),
    ],
)
def test_forms_of_a_word_share_its_stem(forms: tuple[str, ...], expected: str) -> None:
    assert {stem(normalised(form)) for form in forms} == {expected}
