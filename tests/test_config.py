"""Settings: `.env` and the environment, and bad values as one error naming the variable."""

from __future__ import annotations

from pathlib import Path

import pytest

from tg_parser.config import load_settings
from tg_parser.errors import ConfigError
from tg_parser.store.engine import database_url


def test_dotenv_in_the_working_directory_is_honoured(tmp_path: Path) -> None:
    (tmp_path / ".env").write_text(
        "DB_TYPE=postgresql\nDB_HOST=from-dotenv\nDB_PASSWORD=a@b\nLOG_FORMAT=json\n",
        encoding="utf-8",
    )
    settings = load_settings()
    assert (
        database_url(settings) == "postgresql+psycopg://postgres:a%40b@from-dotenv:5432/tg_parser"
    )
    assert settings.log_format == "json"


def test_environment_wins_over_dotenv(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / ".env").write_text("DB_PATH=from-dotenv.sqlite\n", encoding="utf-8")
    monkeypatch.setenv("DB_PATH", "from-env.sqlite")
    assert database_url(load_settings()) == "sqlite+aiosqlite:///from-env.sqlite"


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


def test_runs_go_stale_only_after_several_missed_heartbeats(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("RUN_HEARTBEAT_SECONDS", "60")
    monkeypatch.setenv("RUN_STALE_AFTER_SECONDS", "90")
    with pytest.raises(ConfigError, match=r"RUN_STALE_AFTER_SECONDS: .*more than twice"):
        load_settings()
    monkeypatch.setenv("RUN_STALE_AFTER_SECONDS", "300")
    assert load_settings().run_stale_after_seconds == 300


RATES = ["120/minute", "10 per second", "100/5 minutes", "5000/hour", "1/day", "0", ""]


@pytest.mark.parametrize("rate", RATES)
def test_rate_limits_read(monkeypatch: pytest.MonkeyPatch, rate: str) -> None:
    monkeypatch.setenv("API_RATE_LIMIT", f" {rate} ")
    assert load_settings().api_rate_limit == rate


@pytest.mark.parametrize("rate", ["lots", "120", "0/minute", "120/fortnight", "-1/second"])
def test_a_bad_rate_limit_is_a_config_error(monkeypatch: pytest.MonkeyPatch, rate: str) -> None:
    monkeypatch.setenv("API_RATE_LIMIT", rate)
    with pytest.raises(ConfigError, match="API_RATE_LIMIT"):
        load_settings()
