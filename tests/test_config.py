"""Settings: the database URL from DB_* or DATABASE_URL, `.env`, and bad values."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy.engine import make_url

from tg_parser.config import load_settings
from tg_parser.errors import ConfigError


def test_default_is_a_sqlite_file_in_the_working_directory() -> None:
    assert load_settings().sqlalchemy_url() == "sqlite+aiosqlite:///tg_parser.sqlite"


def test_db_path_names_the_sqlite_file(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DB_PATH", "/var/lib/tg-parser/kb.sqlite")
    assert load_settings().sqlalchemy_url() == "sqlite+aiosqlite:////var/lib/tg-parser/kb.sqlite"


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
    url = load_settings().sqlalchemy_url()
    assert (
        url == "postgresql+psycopg://tg%20parser:p%40ss%2Fw%3Ard%231%3F@db.internal:6543/knowledge"
    )
    parsed = make_url(url)
    assert (parsed.username, parsed.password) == ("tg parser", "p@ss/w:rd#1?")
    assert (parsed.host, parsed.port, parsed.database) == ("db.internal", 6543, "knowledge")


def test_postgresql_url_without_a_password(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DB_TYPE", "postgresql")
    assert (
        load_settings().sqlalchemy_url() == "postgresql+psycopg://postgres@127.0.0.1:5432/tg_parser"
    )


@pytest.mark.parametrize(
    ("database_url", "sqlalchemy_url"),
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
    monkeypatch: pytest.MonkeyPatch, database_url: str, sqlalchemy_url: str
) -> None:
    monkeypatch.setenv("DB_TYPE", "postgresql")
    monkeypatch.setenv("DB_HOST", "ignored.example")
    monkeypatch.setenv("DATABASE_URL", database_url)
    assert load_settings().sqlalchemy_url() == sqlalchemy_url


def test_dotenv_in_the_working_directory_is_honoured(tmp_path: Path) -> None:
    (tmp_path / ".env").write_text(
        "DB_TYPE=postgresql\nDB_HOST=from-dotenv\nDB_PASSWORD=a@b\nLOG_FORMAT=json\n",
        encoding="utf-8",
    )
    settings = load_settings()
    assert (
        settings.sqlalchemy_url()
        == "postgresql+psycopg://postgres:a%40b@from-dotenv:5432/tg_parser"
    )
    assert settings.log_format == "json"


def test_environment_wins_over_dotenv(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / ".env").write_text("DB_PATH=from-dotenv.sqlite\n", encoding="utf-8")
    monkeypatch.setenv("DB_PATH", "from-env.sqlite")
    assert load_settings().sqlalchemy_url() == "sqlite+aiosqlite:///from-env.sqlite"


@pytest.mark.parametrize(
    ("name", "value"),
    [("DB_PORT", "abc"), ("DB_TYPE", "mysql"), ("DB_POOL_SIZE", "0"), ("LOG_FORMAT", "xml")],
)
def test_a_bad_value_is_a_config_error_naming_the_variable(
    monkeypatch: pytest.MonkeyPatch, name: str, value: str
) -> None:
    monkeypatch.setenv(name, value)
    with pytest.raises(ConfigError) as caught:
        load_settings()
    assert caught.value.message.startswith(f"{name}: ")
    assert "\n" not in caught.value.message
    assert caught.value.exit_code == 2


def test_a_bad_value_in_dotenv_is_a_config_error(tmp_path: Path) -> None:
    (tmp_path / ".env").write_text("DB_PORT=five-four-three-two\n", encoding="utf-8")
    with pytest.raises(ConfigError, match=r"^DB_PORT: .*fix it in the environment or \.env"):
        load_settings()
