"""`tg-parser telegram login` with FakeTelegramClient; prompts answered through stdin."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from tg_parser.cli import telegram as telegram_cli
from tg_parser.cli.app import app
from tg_parser.testing import FakeTelegramClient

runner = CliRunner()


@pytest.fixture
def fake(monkeypatch: pytest.MonkeyPatch) -> FakeTelegramClient:
    client = FakeTelegramClient(authorized=False, code="24680", password="s3cret")
    client.user = (4242, "Ada", "ada")
    monkeypatch.setattr(telegram_cli, "client_factory", client.factory)
    monkeypatch.setenv("TELEGRAM_API_ID", "12345")
    monkeypatch.setenv("TELEGRAM_API_HASH", "0123456789abcdef")
    return client


def test_login_asks_phone_code_and_password_and_keeps_a_private_session(
    fake: FakeTelegramClient, tmp_path: Path
) -> None:
    result = runner.invoke(app, ["telegram", "login"], input="+441234567890\n24680\ns3cret\n")
    assert result.exit_code == 0, result.output
    assert fake.phones == ["+441234567890"] and fake.authorized
    assert "Logged in as Ada (@ada); session saved to tg_parser.session (mode 0600)." in (
        result.stdout
    )
    assert "s3cret" not in result.output  # the password is typed hidden
    session = tmp_path / "tg_parser.session"
    assert fake.sessions == [Path("tg_parser.session")]
    assert session.stat().st_mode & 0o777 == 0o600


def test_print_session_prints_a_session_string_and_writes_no_file(
    fake: FakeTelegramClient, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TELEGRAM_PHONE", "+441234567890")
    result = runner.invoke(app, ["telegram", "login", "--print-session"], input="24680\ns3cret\n")
    assert result.exit_code == 0, result.output
    assert result.stdout.strip().splitlines()[-1] == "1FakeSessionString-user4242"
    assert "TELEGRAM_SESSION_STRING" in result.stderr
    assert fake.sessions == [""] and fake.phones == ["+441234567890"]
    assert not (tmp_path / "tg_parser.session").exists()


def test_a_wrong_code_three_times_is_one_line_and_exit_2(fake: FakeTelegramClient) -> None:
    result = runner.invoke(app, ["telegram", "login"], input="+44123\n1\n2\n3\n")
    assert result.exit_code == 2
    assert result.stderr.strip() == (
        "Error: the login code was wrong or expired: run `tg-parser telegram login` again"
    )


def test_login_without_api_keys_says_where_to_get_them() -> None:
    result = runner.invoke(app, ["telegram", "login"])
    assert result.exit_code == 2
    assert "TELEGRAM_API_ID and TELEGRAM_API_HASH are not set" in result.stderr
