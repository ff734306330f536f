"""A run request: the stage's options, stored with the run; ``out`` stays inside
API_EXPORT_DIR."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from tg_parser.jobs import RunRequest


@pytest.mark.parametrize("out", ["kb", "kb/technotes", "2026-12/all"])
def test_out_is_a_folder_inside_the_export_dir(out: str) -> None:
    assert RunRequest(stage="export", out=out).out == out


@pytest.mark.parametrize("out", ["", " ", "/etc", "../up", "kb/../../up", "C:\\\\kb"])
def test_out_never_leaves_the_export_dir(out: str) -> None:
    with pytest.raises(ValidationError, match="inside API_EXPORT_DIR"):
        RunRequest(stage="export", out=out)


def test_the_stored_request_keeps_what_was_asked() -> None:
    request = RunRequest(stage="process", channel="technotes", dry_run=True)
    assert request.stored() == {"stage": "process", "channel": "technotes", "dry_run": True}
    assert RunRequest.model_validate(request.stored()) == request


def test_unknown_options_are_refused() -> None:
    with pytest.raises(ValidationError):
        RunRequest.model_validate({"stage": "process", "colour": "red"})
