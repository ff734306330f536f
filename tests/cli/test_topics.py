"""`tg-parser topics` on SQLite and PostgreSQL, with the real local embedding model."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from typer.testing import CliRunner

import kb_sample
from tg_parser.cli.app import app

SAMPLE = Path(__file__).resolve().parents[2] / "examples" / "sample_channel"
runner = CliRunner(env={"COLUMNS": "80"})


def invoke(*args: str) -> str:
    result = runner.invoke(app, list(args))
    assert result.exit_code == 0, result.output
    return result.output


@pytest.fixture
async def labelled(cli_env: str) -> str:
    """The sample channel with its discussion, topics made from the sample's labels."""
    await kb_sample.build_at(cli_env)
    return cli_env


@pytest.fixture
def processed(cli_env: str) -> None:
    invoke("import", str(SAMPLE))
    invoke("process")


def test_build_list_show_and_rebuild(processed: None) -> None:
    report = json.loads(invoke("topics", "build", "--json"))
    assert report["counters"]["topics_total"] >= 5
    assert "Built" in invoke("topics", "build")
    topics = json.loads(invoke("topics", "list", "--json"))
    assert len(topics) == report["counters"]["topics_total"]
    assert {"id", "type", "title", "anchors", "items"} <= set(topics[0])
    shown = json.loads(invoke("topics", "show", topics[0]["id"], "--json"))
    assert shown["card"]["id"] == shown["bundle"]["topic_id"] == topics[0]["id"]
    assert topics[0]["title"] in invoke("topics", "show", topics[0]["id"])
    assert topics[0]["id"] in invoke("topics", "list", "--channel", "-1001987654321")


def test_targets_add_list_remove(processed: None) -> None:
    assert "Added target 1" in invoke("topics", "target", "add", "How to brew pour-over coffee?")
    invoke("topics", "build", "--max-topics", "2")
    [target] = json.loads(invoke("topics", "target", "list", "--json"))
    assert target["subject"] == "How to brew pour-over coffee?" and target["items"] >= 1
    assert "pour-over" in invoke("topics", "target", "list")
    invoke("topics", "target", "remove", "1")
    assert json.loads(invoke("topics", "target", "list", "--json")) == []


@pytest.mark.parametrize(
    ("args", "code", "message"),
    [
        (["topics", "show", "topic:tg:nosuch:post:1"], 3, "no topic"),
        (["topics", "target", "remove", "9"], 3, "no topic target 9"),
        (["topics", "target", "add", "   "], 2, "the subject is empty"),
    ],
)
def test_errors_are_one_line(cli_env: str, args: list[str], code: int, message: str) -> None:
    result = runner.invoke(app, args)
    assert result.exit_code == code
    assert message in result.output


def test_list_puts_the_largest_topics_first_and_shows_their_sizes(labelled: str) -> None:
    topics = json.loads(invoke("topics", "list", "--json"))
    sizes = [(t["items"], t["anchors"]) for t in topics]
    assert sizes == sorted(sizes, reverse=True) and sizes[0] > sizes[-1]
    assert [t["id"] for t in topics] != sorted(t["id"] for t in topics)

    shown = invoke("topics", "list")
    assert all(len(line) <= 80 for line in shown.splitlines())
    assert "10 topics, the largest first" in shown
    at = [shown.index(f"{t['id']} ({t['type']})") for t in topics]
    assert at == sorted(at)
    first = topics[0]
    assert f"{first['items']}        {first['anchors']}  {first['title']}" in shown


def test_list_without_topics_says_how_to_build_them(cli_env: str) -> None:
    assert invoke("topics", "list") == (
        "No topics yet: run `tg-parser topics build` (or `tg-parser run`).\n"
    )
    assert json.loads(invoke("topics", "list", "--json")) == []


def test_show_gives_texts_dates_and_links_in_80_columns(labelled: str) -> None:
    largest = json.loads(invoke("topics", "list", "--json"))[0]
    shown = invoke("topics", "show", largest["id"])
    data = json.loads(invoke("topics", "show", largest["id"], "--json"))

    assert all(len(line) <= 80 for line in shown.splitlines())
    assert shown.startswith(largest["title"])
    assert data["card"]["summary"] in shown
    sources = data["resolved_sources"]
    assert [s["source_ref"] for s in sources] == [i["source_ref"] for i in data["bundle"]["items"]]
    anchor = sources[0]
    assert anchor["telegram_url"] == f"https://t.me/technotes/{anchor['message_id']}"
    assert f"{anchor['date'][:10]} {anchor['date'][11:16]} · post · score 0.90 · " in shown
    assert anchor["telegram_url"] in shown
    comment = next(s for s in sources if s["message_type"] == "comment")
    assert "?comment=" in comment["telegram_url"]
    supporting = len(sources) - largest["anchors"]
    assert f"Supporting (10 of {supporting}, the best scored; --json lists all)" in shown
    assert shown.count("…") >= 1  # long texts are cut to two lines


def test_show_keeps_each_text_to_two_lines(labelled: str) -> None:
    largest = json.loads(invoke("topics", "list", "--json"))[0]
    lines = invoke("topics", "show", largest["id"]).splitlines()
    texts: list[int] = []
    for line in lines:
        if " · score " in line:
            texts.append(0)
        elif line.startswith("    ") and texts:
            texts[-1] += 1
    assert len(texts) == largest["anchors"] + 10
    assert set(texts) == {2}


def test_build_reports_the_comments_that_joined_their_posts_topic(cli_env: str) -> None:
    invoke("import", str(SAMPLE))
    invoke(
        "import",
        str(SAMPLE.parent / "sample_channel_discussion"),
        "--comments-for",
        "-1001987654321",
    )
    invoke("process")
    output = invoke("topics", "build")
    report = json.loads(invoke("topics", "build", "--json", "--force"))
    counters = report["counters"]
    assert counters["comments_joined"] >= 0.9 * counters["comments_with_post_in_topic"] > 0
    assert "joined their post's topic" in output
    titles = [t["title"] for t in json.loads(invoke("topics", "list", "--json"))]
    assert len(titles) == len({t.casefold() for t in titles})  # no two topics share a title
    glued = re.compile(r"^[^\W\d_]+: [^\W\d_]+$")  # the old "Object: aspect" stems
    assert not any(glued.match(t) for t in titles)
