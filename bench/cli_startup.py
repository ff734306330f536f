"""CLI start-up benchmark: how long `tg-parser` takes to answer `--help` and a TAB.

Runs each command N times in a fresh process and takes the median wall time:

- baseline: ``python -c "import typer, rich"`` (what any Typer CLI pays);
- ``tg-parser --help``, ``tg-parser topics --help``;
- a bash completion request (``_TG_PARSER_COMPLETE=complete_bash``, as a TAB after
  ``tg-parser topics `` sends it).

Prints one JSON object: the median seconds of each and their ratio to the baseline.
Goal (issue 14): each within a few times the baseline (it was about 20 times).

    python bench/cli_startup.py [--runs 15]
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

COMMANDS: dict[str, tuple[list[str], dict[str, str]]] = {
    "import_typer_rich": ([sys.executable, "-c", "import typer, rich"], {}),
    "help": (["tg-parser", "--help"], {}),
    "topics_help": (["tg-parser", "topics", "--help"], {}),
    "completion": (
        ["tg-parser"],
        {
            "_TG_PARSER_COMPLETE": "complete_bash",
            "COMP_WORDS": "tg-parser topics ",
            "COMP_CWORD": "2",
        },
    ),
}


def executable() -> str:
    """The console script next to this Python (a venv's), else the one on PATH."""
    beside = Path(sys.executable).with_name("tg-parser")
    found = str(beside) if beside.exists() else shutil.which("tg-parser")
    if found is None:
        raise SystemExit("tg-parser is not installed: pip install -e . first")
    return found


def seconds(argv: list[str], extra_env: dict[str, str]) -> float:
    started = time.perf_counter()
    subprocess.run(argv, env=os.environ | extra_env, check=True, stdout=subprocess.DEVNULL)
    return time.perf_counter() - started


def medians(runs: int) -> dict[str, float]:
    """Median seconds of each command; the commands take turns, so a busy spell of the
    machine slows them all alike."""
    script = executable()
    commands = {
        name: ([script, *argv[1:]] if argv[0] == "tg-parser" else argv, env)
        for name, (argv, env) in COMMANDS.items()
    }
    times: dict[str, list[float]] = {name: [] for name in commands}
    for _ in range(runs):
        for name, (argv, env) in commands.items():
            times[name].append(seconds(argv, env))
    return {name: round(statistics.median(values), 4) for name, values in times.items()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=15, help="runs of each command")
    medians_of = medians(parser.parse_args().runs)
    baseline = medians_of["import_typer_rich"]
    ratios = {name: round(value / baseline, 2) for name, value in medians_of.items()}
    print(json.dumps({"median_seconds": medians_of, "ratio": ratios}, indent=2))


if __name__ == "__main__":
    main()
