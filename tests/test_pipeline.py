"""The pipeline service: every stage reports its progress to the one callback it is given."""

from __future__ import annotations

from pathlib import Path

from tg_parser.config import Settings
from tg_parser.models import Progress
from tg_parser.pipeline import PipelineOptions, run_pipeline
from tg_parser.store import Database
from tg_parser.wiring import wired_stages

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"


async def test_every_stage_reports_to_one_callback(db: Database, tmp_path: Path) -> None:
    options = PipelineOptions(
        out=tmp_path / "kb",
        import_path=EXAMPLES / "sample_channel",
        comments_path=EXAMPLES / "sample_channel_discussion",
    )
    seen: list[Progress] = []
    async with wired_stages(Settings()) as stages:
        report = await run_pipeline(db, options, stages, seen.append)
    stages_seen = list(dict.fromkeys(p.stage for p in seen))
    assert stages_seen == ["import", "process", "embedding", "topics", "export"]
    imports = [p for p in seen if p.stage == "import"]
    assert imports[-1].subject == "sample_channel_discussion"
    assert {p.subject for p in imports} == {"sample_channel", "sample_channel_discussion"}
    assert {p.unit for p in imports} == {"bytes"}
    last = imports[-1]
    assert last.done == last.total and last.messages == report.imports[-1].counters["messages_read"]
    processed = [p for p in seen if p.stage == "process"][-1]
    assert processed.done == processed.total == report.process.counters["processed"]
