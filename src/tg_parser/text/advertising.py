"""The markers and shapes of advertising in Russian and English.

Labelled advertising first: the Russian advertising law's labels (``erid``, "Реклама."
with the advertiser's ИНН), ad hashtags, sponsorship statements, promo codes, a label on a
line of its own, and partner links (``utm_*``/``ref``/``aff``/``partner``) next to an
offer. Then advertising without a label, each a marker paired with a shape so that a post
that merely mentions the thing stays content:

- the author's paid platform: a post announcing something on Boosty, Patreon and the like
  ("вышло на Бусти", "exclusively on Patreon", "support me on Patreon");
- a paid offer: a course, webinar or consultation with a price and a call to sign up;
- ad copy: a link (or @mention) next to two or more phrases of advertising language
  ("качество на высоте", "лучшие цены", "order now", "limited offer") — one phrase, a
  "рекомендую" in a film review, is not enough;
- cross-promotion of another channel (a recommendation of, or call to join, a channel next
  to its link or @mention, or a short post that is little more than an invitation link or
  a mention with a call to join);
- a giveaway with its terms, or a contest entered by subscribing or reposting.
"""

# ruff: noqa: RUF001  (Russian words and typographic characters are the data here)

from __future__ import annotations

import re
from collections.abc import Sequence

from tg_parser.text.clean import line_key
from tg_parser.text.words import MENTION, URL

_FLAGS = re.IGNORECASE | re.MULTILINE
PROMOTION_WORDS = 60  # a call to subscribe is promotion in a short post or at the head
INVITATION_WORDS = 12  # a post of at most this many words around a channel link is an invitation
GIVEAWAY_WORDS = 150
AD_COPY_PHRASES = 2  # distinct phrases of advertising language that make a post ad copy
_HEAD_CHARS = 200

LABELLED: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("erid marker", re.compile(r"(?<!\w)erid\s*[:=]?\s*[a-z0-9]{5,}", _FLAGS)),
    (
        "ad hashtag",
        re.compile(
            r"#(?:реклама|ad|ads|sponsored|sponsor|спонсор|promo|промо|партн[её]р|partner)(?!\w)",
            _FLAGS,
        ),
    ),
    ("advertiser's ИНН", re.compile(r"(?<!\w)ИНН:?\s*\d{10}(?:\d{2})?(?!\d)", re.MULTILINE)),
    (
        "sponsored",
        re.compile(
            r"(?<!\w)(?:(?:is|was) sponsored|sponsored by|paid partnership|на правах рекламы"
            r"|партн[её]рский материал|при поддержке партн[её]ра|спонсор (?:поста|выпуска)"
            r"|платное размещение|(?:партн[её]рск|реферальн)\w* ссылк\w*"
            r"|ссылк\w* (?:\w+ )?(?:партн[её]рск|реферальн)\w*"
            r"|(?:affiliate|referral) links?|paid (?:post|promotion))",
            _FLAGS,
        ),
    ),
    (
        "promo code",
        re.compile(
            r"(?<!\w)(?:промокод\w*|(?:promo|discount|coupon|referral|use|with|enter) code)"
            r"\s*[:«\"]?\s*[A-ZА-Я0-9][A-ZА-Я0-9_-]{2,}(?!\w)",
            _FLAGS,
        ),
    ),
)
_AD_LABELS = frozenset({"реклама", "sponsored", "advertisement", "ad", "промо", "партнёрский пост"})
_PARTNER_LINK = re.compile(
    r"[?&](?:utm_[a-z]+|ref|aff|affiliate|partner|referral)=|/(?:partner|ref|aff)/", re.I
)
# a tracked link is ordinary in news; with an offer next to it, it is a partner link
_OFFER = re.compile(
    r"скидк|распродаж|бонус|кешб[еэ]к|купи|закаж|оформи|discount|% off|sale|bonus|cashback"
    r"|free trial|sign up|register|\border\b|\bbuy\b|\bshop\b",
    re.IGNORECASE,
)
_PLATFORM = (
    r"(?:boosty|бусти|patreon|патреон\w*|sponsr|onlyfans|ko-?fi|buy ?me ?a ?coffee"
    r"|vk donut|вк донат\w*)"
)
_LINK_NOTE = r"(?:\s*\(\S+\))?"  # a text link's address, which clean text keeps in brackets
_PAID_PLATFORM = re.compile(
    rf"(?<!\w)(?:(?:исключительно|эксклюзивно|только|exclusively|only) (?:на|on) (?:\w+ )?"
    rf"{_PLATFORM}|(?:на|on) (?:\w+ )?{_PLATFORM}{_LINK_NOTE}\W*(?:уже )?(?:вы(?:шел|шла|шло|шли)"
    r"|выложен\w*|выложил\w*|появил\w+|доступ\w+|опубликова\w+|is out|is up|is live|now)"
    r"|(?:поддерж(?:ите|и|ать)|подпи(?:сывайтесь|шитесь|сывайся|шись|саться)|support|subscribe"
    r"|join)(?: to)? (?:меня |нас |me |us )?"
    rf"(?:на|в|on) (?:\w+ )?{_PLATFORM}"
    rf"|(?:available|out|live|up|posted) on (?:my |our )?{_PLATFORM})(?!\w)",
    _FLAGS,
)
_PAID_SERVICE = re.compile(
    r"(?<!\w)(?:курс(?!\w* (?:доллар|евро|валют|рубл|акци|биткоин|юан))\w*|вебинар\w*"
    r"|интенсив\w*|марафон\w*|мастер-класс\w*|практикум\w*|наставничеств\w*|консультаци\w*"
    r"|уроки|занятия|courses?|classes|lessons|webinars?|workshops?|masterclass\w*|bootcamps?"
    r"|coaching|mentorship)(?!\w)",
    re.IGNORECASE,
)
_PRICE = re.compile(
    r"\d[\d\s]*(?:₽|руб\w*|р\.|\$|€|usd|eur|долл\w*)|[$€£]\s?\d|(?<!\w)(?:бесплатн\w*|free)(?!\w)",
    re.IGNORECASE,
)
_SIGN_UP = re.compile(
    r"(?<!\w)(?:запис\w+|регистр\w+|оплат\w+|купи\w*|успе\w+|места ограничены"
    r"|sign up|register|enrol\w*|book (?:a|your)|seats|spots left)(?!\w)",
    re.IGNORECASE,
)
_AD_COPY = re.compile(
    r"(?<!\w)(?:качество на высоте|высоч\w+ качеств\w*|гарантия качества|лучш\w+ (?:цен\w*"
    r"|технолог\w*|сервис\w*|услови\w*)|по (?:доступн|выгодн|низк)\w+ цен\w*|выгодн\w+"
    r" (?:предложени\w*|цен\w*|услови\w*)|профессиональн\w+ (?:техподдержк\w*|поддержк\w*"
    r"|сервис\w*|мастер\w*)|индивидуальн\w+ подход\w*|быстр\w+ доставк\w*"
    r"|переходи(?:те)? по ссылке|закаж(?:и|ите)|успей(?:те)?|не упусти(?:те)?"
    r"|(?:ваш|ваши|ваше|ваша) \w+ (?:непременно|гарантированно)"
    r"|top quality|best (?:prices?|deals?)|unbeatable|order (?:now|today)|buy now|shop now"
    r"|limited(?:-time| time)? offer|don't miss|free shipping|money-back"
    r"|(?:sign up|register) (?:now|today)|link in (?:bio|description)|order your \w+"
    r"|(?:is|are) now available|available now|get yours|download (?:our|the) (?:free )?app"
    r"|уже в продаже|скачивайте (?:наше )?приложение)(?!\w)",
    re.IGNORECASE,
)
_PROMOTION_STRONG = re.compile(
    r"(?<!\w)(?:(?:рекоменду|совету)\w* (?:\w+ )?(?:канал|телеграм-канал|паблик)"
    r"|канал (?:моего|моей|нашего|нашей|моих|наших) (?:\w+ )?(?:друга|друзей|подруги"
    r"|коллег\w*|партн\w+)|взаимопиар|#вп|(?:i|we) recommend (?:the |this )?channel"
    r"|check out (?:the |this |my |our |my friend'?s |our friends'? )?(?:\w+ )?channel"
    r"|sister channels?|(?:started|launched|opened|created) (?:a |an |their |his |her |our )?"
    r"(?:new |second |other )?channel|(?:запустил|завел|завёл|открыл)\w* (?:свой |новый )?канал"
    r"|channel of (?:my|our) friends?|подборк\w+ (?:\w+ )?каналов|папк\w+ (?:с )?каналами"
    r"|(?:list|folder) of channels|channels? (?:list|folder))(?!\w)|t\.me/addlist/",
    _FLAGS,
)
_CHANNEL = r"(?:канал|паблик|чат|групп[уа]|сообществ[оа]|channel|group|chat|community|telegram)"
_PROMOTION = re.compile(
    r"(?<!\w)(?:(?:подпи[сш]\w+|заглян\w+|переход\w+|вступа\w+|присоедин\w+) (?:на|в|к) "
    rf"(?:\w+ )?(?:\w+ )?{_CHANNEL}|(?:subscribe|follow|join)(?: to)? (?:the |this |our |my "
    rf"|their )?(?:\w+ )?{_CHANNEL})(?!\w)",
    _FLAGS,
)
_CALL_TO_JOIN = re.compile(
    r"(?<!\w)(?:подпи[сш]\w+|заходи\w*|вступа\w+|присоединя\w+|переходи\w*|join|subscribe"
    r"|follow)(?!\w)",
    re.IGNORECASE,
)
_CHANNEL_LINK = re.compile(r"t\.me/|telegram\.me/", re.IGNORECASE)
_GIVEAWAY = re.compile(r"(?<!\w)(?:розыгрыш\w*|разыгр\w+|giveaway\w*|giving away)", _FLAGS)
_GIVEAWAY_TERMS = re.compile(
    r"приз\w*|победител\w*|итог\w*|услови\w*|участ\w+|подпи[сш]\w+|репост\w*|рандом\w*"
    r"|prizes?|winners?|rules|enter\w*|participa\w+|subscribe\w*|repost\w*|retweet\w*|random\w*",
    re.IGNORECASE,
)
_CONTEST = re.compile(r"(?<!\w)(?:конкурс\w*|contests?)(?!\w)", re.IGNORECASE)
_CONTEST_TERMS = re.compile(
    r"подпи[сш]\w+ на|репост\w*|лайк\w* и"
    r"|subscribe to|follow us|repost\w*|retweet\w*|like and share",
    re.IGNORECASE,
)


def has_label_line(text: str) -> bool:
    """A line that says only "Реклама", "Sponsored", "Ad"…"""
    return any(line_key(line) in _AD_LABELS for line in text.splitlines())


def is_partner_offer(text: str, links: Sequence[str]) -> bool:
    """An offer next to a tracked (affiliate, referral, partner) link."""
    return _OFFER.search(text) is not None and any(_PARTNER_LINK.search(link) for link in links)


def is_paid_platform(text: str) -> bool:
    """Something announced on, or a call to support, the author's paid platform."""
    return _PAID_PLATFORM.search(text) is not None


def is_paid_offer(text: str) -> bool:
    """A course, webinar or consultation with a price (or "free") and a call to sign up."""
    return all(pattern.search(text) for pattern in (_PAID_SERVICE, _PRICE, _SIGN_UP))


def is_ad_copy(text: str) -> bool:
    """A link or @mention next to several distinct phrases of advertising language."""
    if not (URL.search(text) or MENTION.search(text)):
        return False
    phrases = {match.group().casefold() for match in _AD_COPY.finditer(text)}
    return len(phrases) >= AD_COPY_PHRASES


def is_cross_promotion(text: str, count: int) -> bool:
    """A recommendation of (or call to join) a channel, next to its link or @mention: a
    strong marker anywhere; a plain "subscribe to the channel" in a short post or at the
    head (a footer of a long post is the channel's own call, learnt as boilerplate); a
    short post that is little more than a channel link or mention and a call to join."""
    if not (MENTION.search(text) or _CHANNEL_LINK.search(text)):
        return False
    if _PROMOTION_STRONG.search(text):
        return True
    found = _PROMOTION.search(text)
    if found is not None and (count <= PROMOTION_WORDS or found.start() < _HEAD_CHARS):
        return True
    return count <= INVITATION_WORDS and _CALL_TO_JOIN.search(text) is not None


def is_giveaway(text: str, count: int) -> bool:
    """A giveaway with its terms (prizes, winners, conditions), or a contest whose entry is
    a subscription or a repost."""
    if count > GIVEAWAY_WORDS:
        return False
    if _GIVEAWAY.search(text) and _GIVEAWAY_TERMS.search(text):
        return True
    return _CONTEST.search(text) is not None and _CONTEST_TERMS.search(text) is not None
