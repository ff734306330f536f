"""`.env.example` lists every setting tg-parser reads, and gives no secret a value."""

from __future__ import annotations

from tg_parser.config import Settings

from .files import SECRET, env_example

COMPOSE_ONLY = {
    "POSTGRES_PASSWORD",
    "POSTGRES_USER",
    "POSTGRES_DB",
    "TG_PARSER_IMAGE",
    "API_PUBLISH",
    "PROMETHEUS_PUBLISH",
}


def test_every_setting_is_listed() -> None:
    missing = {name.upper() for name in Settings.model_fields} - set(env_example())
    assert not missing, f".env.example does not list {sorted(missing)}"


def test_every_listed_variable_is_read_by_tg_parser_or_compose() -> None:
    settings = {name.upper() for name in Settings.model_fields}
    assert set(env_example()) - settings == COMPOSE_ONLY


def test_no_secret_has_a_value() -> None:
    filled = {name for name, value in env_example().items() if SECRET.search(name) and value}
    assert not filled


def test_listed_defaults_are_the_settings_defaults() -> None:
    listed = env_example()
    for name, field in Settings.model_fields.items():
        default = field.default
        shown = "" if default is None else str(default)
        if isinstance(default, bool):
            shown = shown.lower()
        if isinstance(default, list):
            shown = ",".join(default)
        assert listed[name.upper()] == shown, name
