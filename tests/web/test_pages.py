"""Every page of the browser over the sample: what it shows, that channel texts are
escaped, and that errors are pages with the API's one-line message."""

from __future__ import annotations

import re

import httpx
import pytest

from api import other_channel
from tg_parser.runs import track_run
from tg_parser.store import Database

from . import hostile

SAMPLE_TOPIC = "topic:tg:technotes:post:4"
PAGES = [
    "/",
    "/channels/technotes",
    "/channels/@technotes",
    "/channels/otherchan",
    f"/topics/{SAMPLE_TOPIC}",
    "/messages/tg:technotes:post:2",
    "/messages/doc:tg:technotes:post:2",
    f"/messages/{hostile.REF}",
    "/search",
    "/search?q=python",
    "/search?q=airships&mode=lexical&kind=post&lang=ru&since=2025-01-01&until=2025-12-31",
    "/runs",
    "/login",
]


def cells(html: str) -> list[str]:
    """The text of every table cell (tags dropped, whitespace tidied)."""
    found = re.findall(r"<td[^>]*>(.*?)</td>", html, re.DOTALL)
    return [" ".join(re.sub(r"<[^>]+>", " ", cell).split()) for cell in found]


@pytest.mark.parametrize("path", PAGES)
async def test_every_page_is_html_with_safe_headers(browser: httpx.AsyncClient, path: str) -> None:
    response = await browser.get(path)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "text/html; charset=utf-8"
    assert "script-src 'self'" in response.headers["content-security-policy"]
    assert '<meta name="viewport"' in response.text


async def test_the_channels_with_their_counts(browser: httpx.AsyncClient) -> None:
    html = (await browser.get("/")).text
    assert 'href="/channels/technotes"' in html
    assert 'href="/channels/otherchan"' in html
    row = next(cell for cell in cells(html) if cell.startswith(other_channel.CHANNEL))
    assert row == "otherchan otherchan"  # the source has no title: its key, twice
    assert cells(html)[1:5] == ["2", "1", "3", "1"]  # otherchan: posts, comments, docs, topics


async def test_a_channel_lists_its_topics_with_size_coverage_and_dates(
    browser: httpx.AsyncClient,
) -> None:
    html = (await browser.get("/channels/otherchan")).text
    assert f'href="/topics/{other_channel.TOPIC_ID.replace(":", "%3A")}"' in html
    row = cells(html)
    assert row[1:5] == ["cluster", "2", "2", "67%"]  # 2 of the channel's 3 documents
    assert row[5] == "2025-06-02 \N{EN DASH} 2025-06-03"


async def test_a_topic_shows_its_card_anchors_and_supporting_messages(
    browser: httpx.AsyncClient,
) -> None:
    html = (await browser.get(f"/topics/{SAMPLE_TOPIC}")).text
    assert "<h2>Anchors</h2>" in html and "Supporting posts and comments" in html
    assert 'href="https://t.me/technotes/4"' in html
    assert 'href="/messages/tg%3Atechnotes%3Apost%3A4"' in html
    assert re.search(r"\d{4}-\d\d-\d\d \d\d:\d\d</a>", html)  # each item's date
    assert "In scope" in html and "Out of scope" in html


async def test_a_message_shows_its_text_edits_and_processing(browser: httpx.AsyncClient) -> None:
    html = (await browser.get(f"/messages/{hostile.REF}")).text
    assert "Привет" in html  # UTF-8, as stored
    assert "Version 1" in html and "Version 2" in html and "current" in html
    assert "edited 2025-09-01 09:30" in html
    assert "processing:v1.0.0" in html
    assert 'lang="ru"' in html


async def test_views_are_shown_when_the_source_tells_them(
    browser: httpx.AsyncClient, web_db: Database
) -> None:
    html = (await browser.get(f"/messages/{hostile.REF}")).text
    assert "12\u202f345 views" in html
    async with web_db.reading() as repos:  # what the topic page shows for each item
        found = await repos.knowledge.messages_by_ref([hostile.REF, "tg:technotes:post:2"])
    assert [message.views for message in found] == [None, hostile.VIEWS]


@pytest.mark.parametrize(
    "path",
    [f"/messages/{hostile.REF}", "/search?q=Zeppelin+airships&mode=lexical"],
)
async def test_html_in_channel_texts_is_shown_not_run(
    browser: httpx.AsyncClient, path: str
) -> None:
    html = (await browser.get(path)).text
    assert "&lt;script&gt;alert(&#34;pwned&#34;)&lt;/script&gt;" in html
    assert "<script>alert" not in html and "<b>мир" not in html
    assert "<img src=x" not in html


async def test_search_marks_the_query_words_and_applies_filters(
    browser: httpx.AsyncClient,
) -> None:
    html = (await browser.get("/search", params={"q": "python", "mode": "lexical"})).text
    assert re.search(r"<mark>python</mark>", html, re.IGNORECASE)
    comments = (await browser.get("/search", params={"q": "python", "kind": "comment"})).text
    kinds = re.findall(r'<span class="kind">(\w+)</span>', comments)
    assert kinds and set(kinds) == {"comment"}


async def test_a_bad_search_filter_is_said_on_the_page(browser: httpx.AsyncClient) -> None:
    response = await browser.get("/search", params={"q": "python", "since": "yesterday"})
    assert response.status_code == 400
    assert "bad --since" in response.text and 'value="yesterday"' in response.text


@pytest.mark.parametrize(
    "path",
    ["/channels/nosuchchannel", "/topics/topic:tg:technotes:post:999999", "/messages/tg:x"],
)
async def test_an_unknown_object_is_a_404_page(browser: httpx.AsyncClient, path: str) -> None:
    response = await browser.get(path)
    assert response.status_code == 404
    assert response.headers["content-type"].startswith("text/html")
    assert '<p class="problem">no ' in response.text


async def test_a_bad_parameter_is_a_400_page(browser: httpx.AsyncClient) -> None:
    response = await browser.get("/channels/technotes", params={"page": "0"})
    assert response.status_code == 400
    assert "page" in response.text and response.headers["content-type"].startswith("text/html")


async def test_runs_show_status_and_progress_and_follow_live_ones(
    browser: httpx.AsyncClient, web_db: Database
) -> None:
    async with track_run(web_db, "topics", {"channel": "technotes"}) as run:
        async with web_db.transaction() as repos:
            progress = {"stage": "topics", "done": 5, "total": 12, "unit": "documents"}
            await repos.runs.describe(run.id, progress=progress)
        html = (await browser.get("/runs")).text
        assert f'data-run="{run.id}"' in html  # followed live by runs.js
        assert "running" in html and "5 / 12 documents" in html
    events = await browser.get(f"/runs/{run.id}/events")
    assert events.headers["content-type"].startswith("text/event-stream")
    assert "event: end" in events.text and '"status":"succeeded"' in events.text
    assert f'data-run="{run.id}"' not in (await browser.get("/runs")).text


async def test_the_script_and_stylesheet_are_served(browser: httpx.AsyncClient) -> None:
    script = await browser.get("/static/runs.js")
    assert script.status_code == 200 and "EventSource" in script.text
    assert (await browser.get("/static/style.css")).status_code == 200


async def test_the_pages_are_not_in_the_api_schema(browser: httpx.AsyncClient) -> None:
    paths = (await browser.get("/openapi.json")).json()["paths"]
    assert not [path for path in paths if not path.startswith(("/api/", "/health", "/metrics"))]


async def test_the_forms_empty_filters_mean_no_filter(browser: httpx.AsyncClient) -> None:
    empty = {"channel": "", "kind": "", "lang": "", "since": "", "until": "", "topic": ""}
    response = await browser.get("/search", params={"q": "python", "mode": "hybrid"} | empty)
    assert response.status_code == 200 and "<mark>" in response.text
