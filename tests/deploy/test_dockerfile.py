"""The Dockerfile, linted: multi-stage, pinned base images, the package installed from the
wheel the first stage builds, a non-root user, a healthcheck on /health/ready."""

from __future__ import annotations

import re

from .files import ROOT, SECRET, dockerfile_instructions

INSTRUCTIONS = dockerfile_instructions()


def _args() -> dict[str, str]:
    """ARG defaults given before the first FROM (the ones a FROM may use)."""
    args = {}
    for keyword, rest in INSTRUCTIONS:
        if keyword == "FROM":
            break
        if keyword == "ARG" and "=" in rest:
            name, _, value = rest.partition("=")
            args[name] = value
    return args


def _stages() -> list[list[tuple[str, str]]]:
    """The instructions of each stage, its FROM first."""
    stages: list[list[tuple[str, str]]] = []
    for instruction in INSTRUCTIONS:
        if instruction[0] == "FROM":
            stages.append([])
        if stages:
            stages[-1].append(instruction)
    return stages


def _image(from_arguments: str) -> str:
    image = from_arguments.split()[0]
    return re.sub(r"\$\{(\w+)\}", lambda m: _args()[m.group(1)], image)


def test_two_stages_on_pinned_slim_python() -> None:
    stages = _stages()
    assert len(stages) == 2
    for stage in stages:
        image = _image(stage[0][1])
        name, _, tag = image.partition(":")
        assert name == "python" and re.fullmatch(r"3\.11\.\d+-slim(-\w+)?", tag), image
    assert stages[0][0][1].endswith(" AS builder")


def test_no_image_is_latest_or_untagged() -> None:
    for keyword, rest in INSTRUCTIONS:
        if keyword == "FROM":
            image = _image(rest)
            assert ":" in image and not image.endswith(":latest"), image


def test_the_builder_makes_the_wheel_and_the_runtime_installs_only_it() -> None:
    builder, runtime = _stages()
    assert any(k == "RUN" and "build --wheel" in rest for k, rest in builder)
    copies = [rest for k, rest in runtime if k in ("COPY", "ADD")]
    assert copies == ["--from=builder /dist/*.whl /tmp/wheels/"]
    assert any(k == "RUN" and re.search(r"pip install \S*\.whl", rest) for k, rest in runtime)


def test_the_runtime_runs_as_a_non_root_user() -> None:
    users = [rest for keyword, rest in _stages()[-1] if keyword == "USER"]
    assert users, "the runtime stage sets no USER"
    user = users[-1].split(":")[0]
    assert user not in ("root", "0")
    created = [rest for keyword, rest in _stages()[-1] if keyword == "RUN" and "useradd" in rest]
    assert created and f" {user}" in created[0]


def test_a_healthcheck_asks_health_ready_without_curl() -> None:
    (check,) = [rest for keyword, rest in _stages()[-1] if keyword == "HEALTHCHECK"]
    assert "/health/ready" in check and "CMD" in check
    assert "curl" not in check and "wget" not in check  # not in the slim image
    assert "--timeout=" in check and "--interval=" in check


def test_the_entrypoint_is_the_cli_and_the_default_command_serves() -> None:
    entry = dict(_stages()[-1])
    assert entry["ENTRYPOINT"] == '["tg-parser"]' and entry["CMD"] == '["serve"]'


def test_no_secret_is_set_and_nothing_is_fetched_by_url() -> None:
    for keyword, rest in INSTRUCTIONS:
        if keyword in ("ENV", "ARG"):
            names = re.findall(r"(\w+)=", rest)
            assert names and not any(SECRET.search(name) for name in names), rest
        assert not (keyword == "ADD" and "://" in rest)


def test_the_build_context_is_the_package_only() -> None:
    """.dockerignore admits the sources and nothing else (no .env, no database, no .git)."""
    lines = (ROOT / ".dockerignore").read_text(encoding="utf-8").splitlines()
    rules = [line.strip() for line in lines if line.strip() and not line.startswith("#")]
    assert rules[0] == "*"
    assert {rule for rule in rules if rule.startswith("!")} == {
        "!pyproject.toml",
        "!README.md",
        "!src/",
    }
