"""`tg-parser topics build/list/show` and `topics target add/list/remove`."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import typer

from tg_parser.cli import topic_view
from tg_parser.cli.common import (
    JSON_OPTION,
    MODEL_OPTION,
    PROVIDER_OPTION,
    announce,
    console,
    print_json,
    print_table,
    settings_of,
    with_database,
)
from tg_parser.cli.queued import QUEUE_OPTION, submit_queued

if TYPE_CHECKING:
    from tg_parser.store import Database, StoredTopic
    from tg_parser.topics import TopicsReport

app = typer.Typer(help="Build and browse the topics of the channels.", no_args_is_help=True)
target_app = typer.Typer(help="Topics known in advance: add, list, remove.", no_args_is_help=True)
app.add_typer(target_app, name="target")

CHANNEL_OPTION = typer.Option(None, "--channel", help="Only this channel (@name or -100… id).")


@app.command()
def build(
    ctx: typer.Context,
    channel: str | None = CHANNEL_OPTION,
    max_topics: int | None = typer.Option(
        None, "--max-topics", min=1, help="Keep at most N topics per channel (the largest)."
    ),
    force: bool = typer.Option(False, "--force", help="Rebuild from scratch (new topic ids)."),
    provider: str | None = PROVIDER_OPTION,
    model: str | None = MODEL_OPTION,
    queue: bool = QUEUE_OPTION,
    json_output: bool = JSON_OPTION,
) -> None:
    """Embed new documents, discover topics, write their cards, refresh target topics."""
    if queue:
        queued = {
            "stage": "topics",
            "channel": channel,
            "max_topics": max_topics,
            "force": force,
            "provider": provider,
            "model": model,
        }
        submit_queued(ctx, queued, json_output)
        return
    from tg_parser.cli.progress import ProgressDisplay
    from tg_parser.llm import ModelRequest
    from tg_parser.topics import TopicOptions
    from tg_parser.wiring import wired_stages

    settings = settings_of(ctx)
    options = TopicOptions.from_settings(
        settings,
        channel=channel,
        max_topics=max_topics,
        force=force,
    )

    async def work(db: Database) -> TopicsReport:
        async with wired_stages(settings, ModelRequest(provider, model)) as stages:
            announce(stages.notice if provider is not None else None)
            return await stages.build_topics(db, options, display)

    with ProgressDisplay() as display:
        report = with_database(ctx, work)
    if json_output:
        print_json(report.to_json_dict())
    else:
        _print_summary(report)


@app.command("list")
def list_(
    ctx: typer.Context, channel: str | None = CHANNEL_OPTION, json_output: bool = JSON_OPTION
) -> None:
    """List the current topics, the largest first (bundle items, then anchors)."""
    from tg_parser.topics import catalog

    topics = with_database(ctx, lambda db: catalog.list_topics(db, channel))
    if json_output:
        print_json([_summary_row(t) for t in topics])
        return
    topic_view.print_list(console, topics)


@app.command()
def show(
    ctx: typer.Context,
    topic_id: str = typer.Argument(..., metavar="TOPIC_ID", help="A topic id from `topics list`."),
    json_output: bool = JSON_OPTION,
) -> None:
    """Show a topic's card and its messages: texts, dates and Telegram links."""
    from tg_parser.topics import catalog

    view = with_database(ctx, lambda db: catalog.show_topic(db, topic_id))
    if json_output:
        print_json(view.to_json_dict())
    else:
        topic_view.print_topic(console, view)


@target_app.command("add")
def target_add(
    ctx: typer.Context,
    subject: str = typer.Argument(..., metavar="SUBJECT", help="A question or a subject."),
    channel: str | None = typer.Option(None, "--channel", help="Only this channel's messages."),
) -> None:
    """Add a target topic (its card appears on the next `topics build`)."""
    from tg_parser.topics import targets

    target = with_database(ctx, lambda db: targets.add_target(db, subject, channel))
    console.print(f"Added target {target.id}: {target.subject} (run `tg-parser topics build`)")


@target_app.command("list")
def target_list(ctx: typer.Context, json_output: bool = JSON_OPTION) -> None:
    """List the target topics and the topic that answers each."""
    from tg_parser.topics import targets

    views = with_database(ctx, targets.list_targets)
    rows = [
        {
            "id": v.target.id,
            "subject": v.target.subject,
            "channel": v.target.channel_id,
            "topic_id": v.topic_id,
            "items": v.items,
            "created_at": v.target.created_at,
        }
        for v in views
    ]
    if json_output:
        print_json(rows)
        return
    print_table(
        list(rows[0]) if rows else ["id", "subject"],
        [list(r.values()) for r in rows],
        title="Targets",
    )


@target_app.command("remove")
def target_remove(
    ctx: typer.Context,
    target_id: int = typer.Argument(
        ..., metavar="TARGET_ID", help="A target id from `topics target list`."
    ),
) -> None:
    """Remove a target topic and its card."""
    from tg_parser.topics import targets

    with_database(ctx, lambda db: targets.remove_target(db, target_id))
    console.print(f"Removed target {target_id}")


def _summary_row(topic: StoredTopic) -> dict[str, Any]:
    return {
        "id": topic.card.id,
        "channel": topic.channel_id,
        "type": topic.card.type,
        "title": topic.card.title,
        "anchors": len(topic.card.anchors),
        "items": len(topic.bundle.items),
        "updated_at": topic.card.updated_at,
    }


def _print_summary(report: TopicsReport) -> None:
    c = report.counters
    console.print(
        f"Built {c['topics_total']} topics ({c['cluster_total']} clusters, "
        f"{c['singleton_total']} singletons) in {report.duration_seconds:.1f}s "
        f"(run {report.run_id})",
        soft_wrap=True,
    )
    console.print(
        f"documents: {c['documents']} ({c.get('embedded', 0)} embedded, "
        f"{c.get('embeddings_reused', 0)} reused); covered: {c['covered_items_total']}, "
        f"outside topics: {c['outside_topics_total']} ({c['non_noise_outside_share']:.0%}); "
        f"removed topics: {c['topics_removed']}",
        soft_wrap=True,
    )
    if c.get("comments_with_post_in_topic"):
        console.print(
            f"comments: {c['comments_joined']} of {c['comments_with_post_in_topic']} joined "
            "their post's topic",
            soft_wrap=True,
        )
    if c.get("llm_calls") or c.get("cards_reused"):
        console.print(
            f"cards: {c['cards_model']} written by the model, {c['cards_reused']} reused, "
            f"{c['cards_offline_fallback']} offline after a model failure; "
            f"{c['llm_calls']} model calls",
            soft_wrap=True,
        )
