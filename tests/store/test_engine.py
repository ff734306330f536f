"""The database URL built from DATABASE_URL or the DB_* settings, and the settings that
cannot work refused in one line."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy.engine import make_url

from tg_parser.config import Settings, load_settings
from tg_parser.errors import ConfigError, StorageError
from tg_parser.store.engine import create_engine, database_url, json_text, json_value


def test_default_is_a_sqlite_file_in_the_working_directory() -> None:
    assert database_url(load_settings()) == "sqlite+aiosqlite:///tg_parser.sqlite"


def test_db_path_names_the_sqlite_file(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DB_PATH", "/var/lib/tg-parser/kb.sqlite")
    assert database_url(load_settings()) == "sqlite+aiosqlite:////var/lib/tg-parser/kb.sqlite"


def test_postgresql_url_from_db_variables_escapes_the_password(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    for name, value in {
        "DB_TYPE": "postgresql",
        "DB_HOST": "db.internal",
        "DB_PORT": "6543",
        "DB_NAME": "knowledge",
        "DB_USER": "tg parser",
        "DB_PASSWORD": "p@ss/w:rd#1?",
    }.items():
        monkeypatch.setenv(name, value)
    url = database_url(load_settings())
    assert (
        url == "postgresql+psycopg://tg%20parser:p%40ss%2Fw%3Ard%231%3F@db.internal:6543/knowledge"
    )
    parsed = make_url(url)
    assert (parsed.username, parsed.password) == ("tg parser", "p@ss/w:rd#1?")
    assert (parsed.host, parsed.port, parsed.database) == ("db.internal", 6543, "knowledge")


def test_postgresql_url_without_a_password(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DB_TYPE", "postgresql")
    assert database_url(load_settings()) == "postgresql+psycopg://postgres@127.0.0.1:5432/tg_parser"


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ("postgresql://kb:secret@db:5432/kb", "postgresql+psycopg://kb:secret@db:5432/kb"),
        ("postgres://kb@db/kb", "postgresql+psycopg://kb@db/kb"),
        ("postgresql+psycopg2://kb@db/kb", "postgresql+psycopg://kb@db/kb"),
        ("sqlite:///data/kb.sqlite", "sqlite+aiosqlite:///data/kb.sqlite"),
        ("sqlite:////srv/kb.sqlite", "sqlite+aiosqlite:////srv/kb.sqlite"),
        ("sqlite+aiosqlite:///kb.sqlite", "sqlite+aiosqlite:///kb.sqlite"),
    ],
)
def test_database_url_overrides_db_variables_and_gets_the_async_driver(
    monkeypatch: pytest.MonkeyPatch, given: str, expected: str
) -> None:
    monkeypatch.setenv("DB_TYPE", "postgresql")
    monkeypatch.setenv("DB_HOST", "ignored.example")
    monkeypatch.setenv("DATABASE_URL", given)
    assert database_url(load_settings()) == expected


@pytest.mark.parametrize(
    ("given", "problem"),
    [
        ("garbage", "DATABASE_URL: not a database URL"),
        ("mysql://kb:secret@db/kb", "DATABASE_URL: mysql is not supported"),
        ("http://db/kb", "DATABASE_URL: http is not supported"),
    ],
)
def test_a_database_url_of_no_supported_database_is_a_config_error(
    monkeypatch: pytest.MonkeyPatch, given: str, problem: str
) -> None:
    monkeypatch.setenv("DATABASE_URL", given)
    with pytest.raises(ConfigError, match=problem) as error:
        database_url(load_settings())
    assert "secret" not in error.value.message


def test_a_sqlite_file_in_a_missing_folder_is_refused_and_the_folder_not_made(
    tmp_path: Path,
) -> None:
    settings = Settings(db_path=tmp_path / "missing" / "kb.sqlite")
    with pytest.raises(StorageError, match=r"DB_PATH: folder .* does not exist"):
        create_engine(settings)
    assert not (tmp_path / "missing").exists()


async def test_a_sound_sqlite_file_opens(tmp_path: Path) -> None:
    engine = create_engine(Settings(db_path=tmp_path / "kb.sqlite"))
    async with engine.connect() as conn:
        assert (await conn.exec_driver_sql("PRAGMA journal_mode")).scalar() == "wal"
    await engine.dispose()


async def test_a_sqlite_path_under_the_home_folder_is_expanded(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.setenv("DB_PATH", "~/kb.sqlite")
    engine = create_engine(load_settings())
    async with engine.connect() as conn:
        await conn.exec_driver_sql("CREATE TABLE t (x INTEGER)")
    await engine.dispose()
    assert (tmp_path / "kb.sqlite").stat().st_size > 0
    assert not Path("~").exists()


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ('{"a": [1, "b", null]}', {"a": [1, "b", None]}),
        (memoryview(b'{"u64": 18446744073709551615}'), {"u64": 2**64 - 1}),
        ('{"text": "call 123456789012345678901"}', {"text": "call 123456789012345678901"}),
    ],
)
def test_json_columns_read_what_any_writer_wrote(
    text: str | bytes | memoryview, value: object
) -> None:
    assert json_value(text) == value
    assert json_value(json_text({"a": [1, "b", None]})) == {"a": [1, "b", None]}


def test_json_nan_written_by_hand_is_read() -> None:
    for text in ('{"score": NaN}', memoryview(b'{"score": NaN}')):
        nan = json_value(text)["score"]
        assert nan != nan


def test_integers_over_64_bits_are_refused_when_written() -> None:
    with pytest.raises(TypeError):
        json_text({"big": 2**64})
