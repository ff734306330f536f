"""detect_language: ISO 639-1 from the bundled lite model, offline; None without letters."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from sample_posts import EXPORTS, read_posts, sample_text
from tg_parser.text.language import detect_language


@pytest.mark.parametrize(
    ("text", "language"),
    [
        (sample_text(4), "ru"),  # Russian with English code names
        (sample_text(7), "en"),
        (sample_text(10), "ru"),
        (sample_text(19), "en"),
        ("Доброе утро! ☕", "ru"),
        ("Good morning, everyone 👋", "en"),
        ("Тест", "ru"),
        ("Вышел PostgreSQL 18.2 https://www.postgresql.org/about/news/ @pgsql_news", "ru"),
        ("Это шутка? https://example.com/a-very-long-english-path-about-things", "ru"),
    ],
)
def test_detects_russian_and_english(text: str, language: str) -> None:
    assert detect_language(text) == language


@pytest.mark.parametrize(
    "text",
    ["", "   ", "😀🎉", "12345 67.8", "gm", "https://example.com/some/english/words", "@somebody"],
)
def test_none_without_enough_letters(text: str) -> None:
    assert detect_language(text) is None


def test_minimum_letters_is_a_parameter() -> None:
    assert detect_language("gm", min_letters=2) is not None
    assert detect_language("Тест", min_letters=5) is None


@pytest.mark.parametrize(
    ("export", "language"),
    [
        ("zh_public_channel_trantor_library_924msgs.json", "zh"),
        ("ru_public_channel_guzelskie_perezalivy_3719msgs.json", "ru"),
    ],
)
def test_main_language_of_real_channels(export: str, language: str) -> None:
    found = [detect_language(p.text) for p in read_posts(EXPORTS / export)[:300] if p.text]
    detected = [code for code in found if code]
    assert detected.count(language) >= 0.8 * len(detected)


_NO_NETWORK = """
import json, socket, sys
def refuse(*args, **kwargs):
    raise OSError("network is off in this test")
socket.socket.connect = refuse
socket.create_connection = refuse
socket.getaddrinfo = refuse
from tg_parser.text.language import detect_language
print(json.dumps([detect_language("Привет, как дела?"), detect_language("How are you?")]))
"""


def test_works_without_network_and_downloads_nothing(tmp_path: Path) -> None:
    """A fresh interpreter with sockets refused and an empty model cache still detects —
    the lite model comes from inside the wheel — and writes nothing to the cache."""
    cache = tmp_path / "cache"
    cache.mkdir()
    environment = {**os.environ, "FTLANG_CACHE": str(cache)}
    result = subprocess.run(
        [sys.executable, "-c", _NO_NETWORK],
        capture_output=True,
        text=True,
        env=environment,
        check=True,
        timeout=60,
    )
    assert json.loads(result.stdout) == ["ru", "en"]
    assert list(cache.iterdir()) == []
    assert socket.socket.connect is not None  # this process is untouched


@given(st.text())
def test_never_fails(text: str) -> None:
    language = detect_language(text)
    assert language is None or (len(language) == 2 and language.isascii())


def test_preferred_languages_settle_an_unsure_guess() -> None:
    assert detect_language("Доброе утро!") == "ru"
    assert detect_language("Доброе утро!", prefer=()) == "sr"  # the lite model's own guess
    assert detect_language(sample_text(10), prefer=("en",)) == "ru"  # a sure guess stays
