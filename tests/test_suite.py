"""The test suite's own gates: the slow tests (real subprocesses killed, interrupted or racing)
carry the ``slow`` marker, so a local run can leave them out with ``-m "not slow"`` while
CI runs everything."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

TESTS = Path(__file__).parent
KILL_TESTS = [
    "test_process_interrupt.py",
    "ingest/test_crash.py",
    "store/test_concurrency.py",
    "cli/test_db_migrate_crash.py",
    "api/test_server.py",
]


def collected(*options: str) -> set[str]:
    """The ids pytest collects from the subprocess test files with ``options``."""
    files = [str(TESTS / name) for name in KILL_TESTS]
    command = [sys.executable, "-m", "pytest", "--collect-only", "-q", "-p", "no:cacheprovider"]
    result = subprocess.run(
        [*command, *options, *files], capture_output=True, text=True, cwd=TESTS.parent, timeout=120
    )
    assert result.returncode in (0, 5), result.stdout + result.stderr  # 5: nothing collected
    ids = [line for line in result.stdout.splitlines() if "::" in line]
    return {test_id.split("::")[1].split("[")[0] for test_id in ids}


def test_subprocess_kill_tests_are_slow_and_can_be_left_out() -> None:
    assert collected("-m", "slow") == {
        "test_a_run_of_a_killed_server_is_closed_failed_when_serve_starts_again",
        "test_a_second_process_command_is_refused_while_the_first_works",
        "test_interrupted_processing_resumes_without_loss_or_repeats",
        "test_a_migrate_killed_mid_table_and_run_again_ends_equal",
        "test_no_message_is_lost_or_duplicated_across_kills",
        "test_processes_opening_an_empty_database_at_once_all_get_its_schema",
        "test_serve_imports_runs_the_pipeline_and_sigterm_cancels_a_running_run",
        "test_sigterm_stops_processing_like_ctrl_c",
        "test_two_processes_write_to_one_sqlite_file",
    }
    assert collected("-m", "not slow") == {  # tasks of one process, not subprocesses
        "test_many_tasks_write_at_once",
        "test_two_writers_record_edits_of_one_message_at_once",
        "test_two_writers_save_the_document_of_one_message_at_once",
    }
