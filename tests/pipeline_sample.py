"""A SQLite knowledge base built by the real pipeline through the CLI (plain module, not a
test file): the sample channel and its discussion imported, processed offline, two posts
edited and imported again (their earlier texts kept as versions), the edits processed by
the loopback OpenAI server (model calls recorded), topics built (embeddings, cards,
bundles) and a target topic added. Every command is a recorded run."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from tg_parser.cli.app import app
from tg_parser.testing.llm.answers import analysis_answer
from tg_parser.testing.llm.openai import fake_openai, openai_environment

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"
EDITED = {
    4: "Python 3.14 in practice: after a month the new interpreter runs our services without "
    "changes, the startup is faster and the error messages name the missing import. We kept "
    "the old version for one job that needs a compiled extension not built yet.",
    5: "PostgreSQL tuning, revised: start with shared_buffers at a quarter of the memory, "
    "raise work_mem only for the reports that sort, and let autovacuum run more often on the "
    "tables that change every minute. Measure before and after each change.",
}


def build_pipeline_sqlite(folder: Path) -> Path:
    """Build the database in ``folder`` and return its path."""
    path = folder / "pipeline.sqlite"
    env = {"DATABASE_URL": f"sqlite:///{path}", "LLM_PROVIDER": "offline"}
    _tg(env, "import", str(EXAMPLES / "sample_channel"), "--channel", "@technotes")
    discussion = str(EXAMPLES / "sample_channel_discussion")
    _tg(env, "import", discussion, "--comments-for", "@technotes")
    _tg(env, "process")
    _tg(env, "import", str(_edited_export(folder)), "--channel", "@technotes")
    with fake_openai(answer=analysis_answer) as server:
        _tg(env | openai_environment(server), "process")
        assert server.calls, "the edited posts were processed by the model"
    _tg(env, "topics", "build")
    _tg(env, "topics", "target", "add", "How to brew coffee?", "--channel", "@technotes")
    return path


def _edited_export(folder: Path) -> Path:
    """The sample channel's export with the posts of ``EDITED`` changed and marked edited."""
    export = json.loads((EXAMPLES / "sample_channel" / "result.json").read_text("utf-8"))
    for message in export["messages"]:
        if message["id"] in EDITED:
            message["text"] = EDITED[message["id"]]
            message["text_entities"] = [{"type": "plain", "text": EDITED[message["id"]]}]
            message["edited"] = "2025-02-01T10:00:00"
            message["edited_unixtime"] = "1738404000"
    path = folder / "edited" / "result.json"
    path.parent.mkdir()
    path.write_text(json.dumps(export, ensure_ascii=False), "utf-8")
    return path


def _tg(env: dict[str, str], *args: str) -> None:
    result = CliRunner(env=env).invoke(app, list(args))
    assert result.exit_code == 0, f"tg-parser {' '.join(args)}: {result.output}"
