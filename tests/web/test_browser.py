"""The browser in a real headless Chromium (the system's, driven by Playwright) against a
real `tg-parser serve`: click through channel → topic → message → search on the sample,
read it on a phone, sign in with a key once and watch a run's progress live. Screenshots
are saved in the test's temporary folder."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from playwright.async_api import Browser, Page, async_playwright, expect

import kb_sample
import key_sample
from api import other_channel
from tg_parser.config import Settings
from tg_parser.runs import track_run
from tg_parser.store import Database

from . import hostile
from .served import chromium, serve

pytestmark = pytest.mark.slow

PHONE = {"width": 390, "height": 844}


@pytest.fixture
async def kb(tmp_path: Path) -> AsyncIterator[Database]:
    """The sample, a second channel and a post written in HTML, in a SQLite file."""
    db = await Database.open(Settings(database_url=f"sqlite:///{tmp_path / 'kb.sqlite'}"))
    try:
        await kb_sample.build(db)
        await other_channel.build(db)
        await hostile.build(db)
        yield db
    finally:
        await db.close()


@pytest.fixture
async def headless() -> AsyncIterator[Browser]:
    path = chromium()
    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(executable_path=path)
        try:
            yield browser
        finally:
            await browser.close()


async def shot(page: Page, folder: Path, name: str) -> None:
    await page.screenshot(path=folder / f"{name}.png", full_page=False)


async def test_click_through_channel_topic_message_and_search(
    kb: Database, headless: Browser, tmp_path: Path
) -> None:
    with serve(kb.settings.database_url, tmp_path / "serve.log") as base:
        page = await headless.new_page(viewport={"width": 1100, "height": 800})
        await page.goto(base + "/")
        await expect(page.locator("h1")).to_have_text("Channels")
        await shot(page, tmp_path, "channels")

        await page.click('a[href="/channels/technotes"]')
        await expect(page.locator("table.list tbody tr").first).to_be_visible()
        await shot(page, tmp_path, "channel")

        await page.locator("table.list tbody a").first.click()
        await expect(page.get_by_role("heading", name="Anchors")).to_be_visible()
        await shot(page, tmp_path, "topic")

        await page.locator('ol.items a[href^="/messages/"]').first.click()
        await expect(page.get_by_role("heading", name="Processing")).to_be_visible()
        await expect(page.locator("a.tg").first).to_have_attribute(
            "href", "https://t.me/technotes/4"
        )
        await shot(page, tmp_path, "message")

        await page.click('nav a[href="/search"]')
        await page.fill('input[name="q"]', "Привет Zeppelin")
        await page.press('input[name="q"]', "Enter")
        await expect(page.locator("mark").first).to_be_visible()
        snippet = page.locator(".snippet").first
        await expect(snippet).to_contain_text('<script>alert("pwned")</script> Привет')
        await shot(page, tmp_path, "search")
    assert all((tmp_path / f"{name}.png").stat().st_size > 0 for name in ("channel", "search"))


async def test_pages_fit_a_phone_screen(kb: Database, headless: Browser, tmp_path: Path) -> None:
    with serve(kb.settings.database_url, tmp_path / "serve.log") as base:
        page = await headless.new_page(viewport=PHONE, is_mobile=True)
        for path in ("/", "/channels/technotes", "/topics/topic:tg:technotes:post:4"):
            await page.goto(base + path)
            wider = await page.evaluate("document.documentElement.scrollWidth - innerWidth")
            assert wider <= 0, f"{path} is {wider}px wider than a phone"
        await shot(page, tmp_path, "phone-topic")


async def test_a_key_is_asked_once_and_runs_progress_live(
    kb: Database, headless: Browser, tmp_path: Path
) -> None:
    key = await key_sample.create(kb, "sample-reader", "read", channels=["technotes"])
    with serve(kb.settings.database_url, tmp_path / "serve.log") as base:
        context = await headless.new_context()
        page = await context.new_page()
        await page.goto(base + "/runs")
        await page.fill('input[name="key"]', key)
        await page.click('form.login button[type="submit"]')
        await expect(page.locator("h1")).to_have_text("Runs")
        (cookie,) = await context.cookies()
        assert (cookie["httpOnly"], cookie["sameSite"]) == (True, "Strict")

        await page.goto(base + "/")  # no second prompt
        await expect(page.locator('a[href="/channels/technotes"]')).to_be_visible()
        await expect(page.locator(f'a[href="/channels/{other_channel.CHANNEL}"]')).to_have_count(0)

        async with track_run(kb, "topics", {"channel": "technotes"}) as run:
            await page.goto(base + "/runs")
            row = page.locator(f'tr[data-run="{run.id}"]')
            await expect(row.locator(".status")).to_have_text("running")
            async with kb.transaction() as repos:
                progress = {"stage": "topics", "done": 3, "total": 10, "unit": "documents"}
                await repos.runs.describe(run.id, progress=progress)
            await expect(row.locator(".progress")).to_have_text("topics 3 / 10 documents")
        status = page.locator(f'td[title="{run.id}"] ~ td.status')
        await expect(status).to_have_text("succeeded")
        await shot(page, tmp_path, "runs")
