"""compose.yaml: the services an operator runs, how they wait for each other, where their
data lives, and that no secret is written into it."""

from __future__ import annotations

import re
from typing import Any

import pytest
from prometheus_client.parser import text_string_to_metric_families

from tg_parser import metrics

from .files import REFERENCE, ROOT, SECRET, compose, env_example, yaml_file

SERVICES = compose()["services"]
APP = ("migrate", "api", "worker")


def test_the_services_and_the_prometheus_profile() -> None:
    assert set(SERVICES) == {"postgres", "migrate", "api", "worker", "prometheus"}
    assert SERVICES["prometheus"]["profiles"] == ["prometheus"]
    assert all("profiles" not in SERVICES[name] for name in ("postgres", *APP))


def test_postgres_16_is_checked_with_pg_isready_keeps_a_named_volume_and_is_not_published() -> None:
    postgres = SERVICES["postgres"]
    assert re.fullmatch(r"postgres:16\.\d+(-\w+)?", postgres["image"])
    assert "pg_isready" in " ".join(postgres["healthcheck"]["test"])
    volume, _, path = postgres["volumes"][0].partition(":")
    assert path == "/var/lib/postgresql/data" and volume in compose()["volumes"]
    assert "ports" not in postgres and "expose" not in postgres


@pytest.mark.parametrize(
    ("service", "command"),
    [("migrate", ["db", "upgrade"]), ("api", ["serve"]), ("worker", ["worker"])],
)
def test_each_app_service_runs_its_tg_parser_command_on_the_data_volume(
    service: str, command: list[str]
) -> None:
    app = SERVICES[service]
    assert app["command"] == command
    assert app["image"].startswith("${TG_PARSER_IMAGE:-tg-parser:") and app["build"] == "."
    assert "data:/data" in app["volumes"] and "data" in compose()["volumes"]
    assert app["environment"]["DB_HOST"] == "postgres"
    assert app["init"] is True and app["stop_grace_period"] == "60s"  # a clean SIGTERM
    assert app["depends_on"]["postgres"] == {"condition": "service_healthy"}


def test_migrate_runs_once_and_the_api_and_workers_wait_for_it() -> None:
    assert SERVICES["migrate"]["restart"] == "no"
    for service in ("api", "worker"):
        waits = SERVICES[service]["depends_on"]["migrate"]
        assert waits == {"condition": "service_completed_successfully"}


def test_the_api_is_healthy_when_ready() -> None:
    check = SERVICES["api"]["healthcheck"]
    assert check["test"][0] == "CMD" and "/health/ready" in " ".join(check["test"])
    assert {"interval", "timeout", "retries", "start_period"} <= set(check)
    assert SERVICES["prometheus"]["depends_on"]["api"] == {"condition": "service_healthy"}


def test_workers_scale_no_fixed_name_or_port_and_no_http_healthcheck() -> None:
    worker = SERVICES["worker"]
    assert not {"container_name", "ports", "hostname"} & set(worker)
    assert worker["healthcheck"] == {"disable": True}  # it serves no /health/ready


def test_every_named_volume_is_declared() -> None:
    named = {
        mount.split(":", 1)[0]
        for service in SERVICES.values()
        for mount in service.get("volumes", [])
        if not mount.startswith((".", "/"))
    }
    assert named == set(compose()["volumes"])


def _environment(service: dict[str, Any]) -> dict[str, str]:
    return {key: str(value) for key, value in (service.get("environment") or {}).items()}


def test_no_secret_is_baked_in() -> None:
    """A secret is a required reference to the environment (.env), never a value."""
    secrets = {
        (name, key): value
        for name, service in SERVICES.items()
        for key, value in _environment(service).items()
        if SECRET.search(key)
    }
    assert secrets, "the database password reaches the services"
    for where, value in secrets.items():
        reference = REFERENCE.fullmatch(value)
        assert reference is not None, f"{where} has a literal value"
        assert reference.group(2) in (None, ":?"), f"{where} has a default value"


def test_every_variable_compose_reads_is_in_env_example() -> None:
    text = (ROOT / "compose.yaml").read_text(encoding="utf-8")
    used = {match.group(1) for match in REFERENCE.finditer(text)}
    assert {"POSTGRES_PASSWORD", "API_PUBLISH"} <= used
    assert used <= set(env_example())


def test_prometheus_scrapes_the_apis_metrics_and_its_rules_are_mounted() -> None:
    mounts = SERVICES["prometheus"]["volumes"]
    for config in ("prometheus.yml", "alerts.yml"):
        assert f"./deploy/{config}:/etc/prometheus/{config}:ro" in mounts
    (job,) = yaml_file("deploy/prometheus.yml")["scrape_configs"]
    assert job["metrics_path"] == "/metrics"
    assert job["static_configs"] == [{"targets": ["api:8000"]}]
    assert yaml_file("deploy/prometheus.yml")["rule_files"] == ["/etc/prometheus/alerts.yml"]


def _exposed_names() -> set[str]:
    """Every series name tg-parser exposes (a watched pool included)."""
    usage = metrics.PoolUsage("postgresql", size=5, in_use=1, idle=4, overflow=-4)
    unwatch = metrics.watch_pool(lambda: usage)
    try:
        body, _ = metrics.exposition()
    finally:
        unwatch()
    families = list(text_string_to_metric_families(body.decode()))
    suffixes = ("", "_total", "_count", "_sum", "_bucket", "_created")
    return {family.name + suffix for family in families for suffix in suffixes}


def test_the_alerts_use_metrics_tg_parser_exposes() -> None:
    rules = [rule for group in yaml_file("deploy/alerts.yml")["groups"] for rule in group["rules"]]
    assert len(rules) >= 4 and all(rule["alert"].startswith("TgParser") for rule in rules)
    used = {name for rule in rules for name in re.findall(r"tg_parser_\w+", rule["expr"])}
    assert used and used <= _exposed_names()
