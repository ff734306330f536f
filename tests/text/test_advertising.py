"""Advertising without a label, in Russian and English: the author's paid platform, paid
offers, ad copy, invitations to other channels — and the posts that look like them but are
content (a film review that recommends, a news post quoting a price)."""

# ruff: noqa: RUF001  (Russian text is the data here)

from __future__ import annotations

import pytest

from sample_posts import sample_text
from tg_parser.text import advertising as ads
from tg_parser.text.noise import classify_noise

CONTENT = sample_text(10)  # a real post about VACUUM
PLATFORM = "advertising: paid platform"
OFFER = "advertising: paid offer"
AD_COPY = "advertising: ad copy"
PROMOTION = "advertising: cross-promotion"


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        (
            "⚡️ На Бусти (https://boosty.to/author) вышел полуторачасовой разбор нового"
            " сезона, с таймкодами и ссылками на все источники.",
            PLATFORM,
        ),
        (
            "Третья серия доступна исключительно на Patreon, в Телеграм её не будет. " + CONTENT,
            PLATFORM,
        ),
        ("Поддержите меня на Boosty — там ранний доступ к новым выпускам и подкаст.", PLATFORM),
        (
            "The full walkthrough is now available on my Patreon, with the project files and"
            " a bonus chapter on backups.",
            PLATFORM,
        ),
        ("Support us on Ko-fi to keep the servers running, every coffee counts!", PLATFORM),
        (
            "Вебинар «PostgreSQL для аналитиков» 12 марта: 2 990 ₽, успейте записаться по"
            " ссылке https://school.example.com/pg — места ограничены.",
            OFFER,
        ),
        (
            "Our six-week Rust bootcamp starts Monday: $499, register at"
            " https://academy.example.com before seats run out.",
            OFFER,
        ),
        (
            "Free webinar on homelab networking this Thursday — sign up:"
            " https://events.example.com/homelab",
            OFFER,
        ),
        (
            "Rutube (https://rutube.ru/) — прорыв среди видеохостингов. Лучшие технологии,"
            " профессиональная техподдержка, и ваши видео непременно попадут в тренды.",
            AD_COPY,
        ),
        (
            "NASDeals https://nasdeals.example.com: top quality refurbished drives, best prices"
            " in Europe, free shipping on every order.",
            AD_COPY,
        ),
        (f"{CONTENT} Ссылка партнёрская: https://shop.example.com/nas", "advertising: sponsored"),
        (f"{CONTENT} (affiliate link) https://amzn.example/x", "advertising: sponsored"),
        (f"{CONTENT} #спонсор", "advertising: ad hashtag"),
        (
            "Собрали папку с каналами про базы данных: https://t.me/addlist/AbCdEf — забирайте"
            " всё одной кнопкой, там PostgreSQL, ClickHouse и Redis.",
            PROMOTION,
        ),
        ("Подписывайтесь 👉 https://t.me/+AbCdEf123", PROMOTION),
        ("Join us: @homelab_chat", PROMOTION),
        ("Заходите в наш чат @pg_talks — там отвечаем на вопросы про индексы", PROMOTION),
        ("Join our WhatsApp group for daily reminders https://t.me/daily_reminders", PROMOTION),
        ("Check out our sister channel @sisters_corner for reminders for the sisters.", PROMOTION),
        (
            "New channel! Our brothers have started a channel with short benefits from the"
            " books of the scholars, one a day. Join here: https://t.me/benefits_daily",
            PROMOTION,
        ),
        ("Друзья запустили новый канал про базы данных: @db_digest — заглядывайте.", PROMOTION),
        (
            "Our new book is now available! Order your copy today at"
            " https://store.example.com/book — free shipping worldwide.",
            AD_COPY,
        ),
        (
            "Download our free app for daily reminders, available now:"
            " https://play.google.com/store/apps/details?id=example",
            AD_COPY,
        ),
    ],
)
def test_advertising_without_a_label(text: str, reason: str) -> None:
    assert classify_noise(text) == (True, reason)


@pytest.mark.parametrize(
    "text",
    [
        # a film review that recommends the film, with a link to it
        "Посмотрел «Дюну 2» (https://www.kinopoisk.ru/film/1/): рекомендую, лучший фильм года,"
        " визуал и звук на высоте, а Вильнёв снова доказал, что умеет в масштаб.",
        "Dune: Part Two (2024) — I recommend it: the best film of the year, the sound alone is"
        " worth the ticket. Trailer: https://youtu.be/abc",
        # a news post quoting a price
        "Новый Raspberry Pi 5 стоит 80 $, продажи в России стартуют 1 марта, а доставка из"
        " Европы пока занимает до трёх недель.",
        "Hetzner raises prices: the CX22 now costs €4.59 a month from April 1, register or"
        " not, existing servers included.",
        "Курс доллара вырос до 95 рублей — успейте разобраться, что это значит для ипотеки.",
        "Курс по Rust от Google вышел в открытый доступ: бесплатно, все материалы на GitHub"
        " https://github.com/google/comprehensive-rust",
        # a paid platform in the news, or thanked for in passing
        "Patreon повысил комиссию для новых авторов до 10%: что это значит для тех, кто живёт"
        " на подписки, и куда уходят создатели контента.",
        "Patreon changed its fees for new creators: what it means for people who live on"
        " subscriptions.",
        "Спасибо всем, кто подписался на Бусти (https://boosty.to/author). Не ожидал, что вас"
        " будет так много.",
        # one phrase of ad language is not ad copy
        "Починили лампу в Lumen (https://lumen.example.com), качество на высоте, а вот"
        " инструкция к ней — отдельный квест на полчаса.",
        # a link with a description, and a call to join that names no channel
        "Great talk on asyncio internals: https://youtu.be/abc",
        "Join the discussion in the comments: what is your backup rotation?",
        # a release that is available now, with its link: one phrase of ad language
        "Python 3.14 is now available: free-threading is supported, the JIT is still off by"
        " default. https://www.python.org/downloads/",
    ],
)
def test_content_that_looks_like_advertising(text: str) -> None:
    assert classify_noise(text) == (False, None)


def test_ad_copy_needs_a_link_or_a_mention() -> None:
    copy = "Качество на высоте, лучшие цены, быстрая доставка!"
    assert not ads.is_ad_copy(copy)
    assert ads.is_ad_copy(copy + " @shop_example")


def test_an_invitation_is_a_short_post() -> None:
    invitation = "Подписывайтесь 👉 https://t.me/+AbCdEf123"
    assert ads.is_cross_promotion(invitation, 1)
    assert not ads.is_cross_promotion(f"{CONTENT}\n{invitation}", ads.INVITATION_WORDS + 40)
