"""The markers and shapes of social noise in Russian and English: greetings and holiday
wishes, absence and return notices, cross-promotion of other channels and giveaways — and
the shape of a short post that does carry content (a title with a rating or a year, an
episode, the author's own hashtags), which is kept however few its words.

Each rule pairs a marker with a shape (how short the post is, where the marker sits, a
link or a mention next to it), so that a long post that merely mentions a holiday, a
vacation or a contest stays content.
"""

# ruff: noqa: RUF001  (Russian words and typographic characters are the data here)

from __future__ import annotations

import re

from tg_parser.text.words import HASHTAG, MENTION, URL, words

_FLAGS = re.IGNORECASE | re.MULTILINE
GREETING_WORDS = 15  # a greeting or a wish longer than this is a post that opens politely
WISH_WORDS = 30
NOTICE_WORDS = 40
PROMOTION_WORDS = 60  # a call to subscribe is promotion in a short post or at the head
GIVEAWAY_WORDS = 150
_HEAD_CHARS = 200

_GREETING = re.compile(
    r"^\W*(?:доброе утро|добрый (?:день|вечер)|доброй ночи|спокойной ночи|всем привет"
    r"|привет(?:ствую)?|здравствуйте|всем (?:хорош|отличн|прекрасн|добр)\w*"
    r"|хорош(?:их|его|ей) \w+|отличн(?:ых|ого|ой) \w+"
    r"|с (?:новым годом|рождеством|праздник\w*|пятницей|днём \w+|наступающим\w*)"
    r"|good (?:morning|afternoon|evening|night)|gm|gn|hello|hi|hey|greetings"
    r"|happy (?:new year|holidays|\w+day)|merry christmas|have a (?:nice|good|great) \w+)"
    r"(?!\w)",
    _FLAGS,
)
_WISH = re.compile(
    r"(?<!\w)(?:поздравля\w+|с (?:новым годом|рождеством|праздник\w*|наступающим\w*"
    r"|днём (?:рождения|победы|защитника|знаний|святого валентина|учителя|матери)"
    r"|8 марта|23 февраля|1 мая|9 мая|пасхой|масленицей)|христос воскресе|всех благ"
    r"|happy (?:new year|holidays|easter|thanksgiving|halloween|\w+day)|merry christmas"
    r"|season'?s greetings|best wishes|congratulations to (?:all|everyone))(?!\w)",
    _FLAGS,
)
# the words of a holiday wish or a toast: a post made of several of them is a greeting
_WISH_WORDS = re.compile(
    r"(?<!\w)(?:поздравля\w+|жела(?:ю|ем)|пусть|тост\w*|счасть\w+|здоровь\w+|праздник\w*"
    r"|с новым\W+(?:\d{4}\W+)?годом|с наступающим|в новом году|wish(?:es|ing)? you|cheers"
    r"|toast|happiness|health|holidays?|new year)(?!\w)",
    re.IGNORECASE,
)
_OCCASION = re.compile(
    r"(?<!\w)(?:тост|поздравля\w+|праздник\w*|с новым\W+(?:\d{4}\W+)?годом|с наступающим"
    r"|toast|cheers|congratulat\w+|holidays?|new year)(?!\w)",
    re.IGNORECASE,
)
WISH_DENSE = 3  # wish words that make a longer post a greeting too
WISH_DENSE_WORDS = 150
_ABOUT_CHANNEL = re.compile(
    r"(?:это|этот|наш|мой) канал|this channel|welcome to|добро пожаловать", re.IGNORECASE
)
# "back" / "вернулись" only at the end of a sentence or with where from: "Мы вернулись!",
# "back from vacation" — not "я вернулся из Грузии и привёз рецепт", "I'm back with a test"
_BACK_END = r"(?=\s*(?:[!.…]|$))"
_NOTICE = re.compile(
    r"(?<!\w)(?:(?:мы|я|команда|канал|автор|админ\w*) (?:\w+ )?(?:в отпуске|на каникулах"
    r"|уход\w+ в отпуск|ушл?\w* в отпуск|уезжа\w+ в отпуск|бер[её]м? паузу|бер[её]м? перерыв"
    r"|возьм[её]м? (?:паузу|перерыв)|снова с вами)"
    rf"|(?:мы|я|команда|канал) (?:снова )?(?:вернул\w*|возвраща\w+){_BACK_END}"
    r"|вернул(?:ись|ся|ась) (?:из отпуска|с отпуска|с каникул|к вам|к постам|в строй)"
    r"|(?:посты|публикации|стримы|эфиры) (?:возобнов\w+|вернутся|будут снова)"
    r"|(?:без|не будет) (?:постов|публикаций|новых постов)|перерыв в (?:публикациях|постах)"
    r"|нас уже \d+|уже \d+\s?(?:к|тыс\.?)? подписчик\w*|\d+\s?(?:к|тыс\.?)? подписчик\w*\s*!"
    r"|(?:we're|we are|i'm|i am|the team is|team's) (?:\w+ )?(?:on (?:vacation|holiday|a break"
    rf"|hiatus)|taking a (?:short )?break|back{_BACK_END})"
    r"|back from (?:vacation|holiday|(?:a|our) break)"
    r"|posts? (?:will )?resume|(?:will|we'll|i'll) be back (?:on|next|tomorrow|in|after)"
    r"|out of (?:the )?office|no posts? (?:today|this week|until)"
    r"|thank you for \d+\s?k?|(?:hit|reached|we're|we are) \d+\s?k? (?:subscribers|followers))"
    r"(?!\w)",
    _FLAGS,
)
_PROMOTION_STRONG = re.compile(
    r"(?<!\w)(?:(?:рекоменду|совету)\w* (?:\w+ )?(?:канал|телеграм-канал|паблик)"
    r"|канал (?:моего|моей|нашего|нашей|моих|наших) (?:\w+ )?(?:друга|друзей|подруги"
    r"|коллег\w*|партн\w+)|взаимопиар|#вп|(?:i|we) recommend (?:the |this )?channel"
    r"|check out (?:the |this |my |our |my friend'?s |our friends'? )?channel"
    r"|channel of (?:my|our) friends?)(?!\w)",
    _FLAGS,
)
_PROMOTION = re.compile(
    r"(?<!\w)(?:(?:подпи[сш]\w+|заглян\w+|переход\w+|вступа\w+) (?:на|в) (?:\w+ )?(?:\w+ )?"
    r"(?:канал|паблик|чат)|(?:subscribe|follow|join)(?: to)? (?:the |this |our |my |their )?"
    r"(?:\w+ )?channel)(?!\w)",
    _FLAGS,
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
_CONTENT_SHAPES = re.compile(
    r"\b\d{1,2}(?:[.,]\d)?\s?/\s?10\b|оценк\w*\s*\w*\s*[:—-]\s*\d|rating:?\s*\d"
    r"|\((?:18|19|20)\d{2}\)|\b[SE]\.?\s?\d{1,2}\b|\bEp\.?\s?\d|\bсери[ияй]\b|\bсезон\w*"
    r"|\bвыпуск\w*|\bepisodes?\b|\bseasons?\b|\bchapter\b|\bглава\s?\d|#\d+",
    re.IGNORECASE,
)
# the caption of a named work: a quoted title, a note in brackets, a rubric ("АРХИВ: ...")
_NAMED = re.compile(
    r"«[^»]{2,}»|\"[^\"]{2,}\"|\([^)]*[^\W\d_][^)]*\)|^[A-ZА-ЯЁ0-9 ]{3,}[:.]\s", re.MULTILINE
)
_CYRILLIC_WORD = re.compile(r"[а-яё]{3,}", re.IGNORECASE)
_LATIN_WORD = re.compile(r"[a-z]{3,}", re.IGNORECASE)


def is_greeting(text: str, count: int) -> bool:
    """A greeting opening a short post (or the channel's welcome), a short holiday wish, or
    a longer toast: an occasion and several words of wishing."""
    if _GREETING.search(text) and (count <= GREETING_WORDS or _ABOUT_CHANNEL.search(text)):
        return True
    if count <= WISH_WORDS and _WISH.search(text) is not None:
        return True
    dense = count <= WISH_DENSE_WORDS and _OCCASION.search(text) is not None
    return dense and len(_WISH_WORDS.findall(text)) >= WISH_DENSE


def is_notice(text: str, count: int) -> bool:
    """A short notice about the channel itself: away, back, a pause, a milestone."""
    return count <= NOTICE_WORDS and _NOTICE.search(text) is not None


def is_cross_promotion(text: str, count: int) -> bool:
    """A recommendation of (or call to join) a channel, next to its link or @mention: a
    strong marker anywhere; a plain "subscribe to the channel" in a short post or at the
    head (a footer of a long post is the channel's own call, learnt as boilerplate)."""
    if not (MENTION.search(text) or _CHANNEL_LINK.search(text)):
        return False
    if _PROMOTION_STRONG.search(text):
        return True
    found = _PROMOTION.search(text)
    return found is not None and (count <= PROMOTION_WORDS or found.start() < _HEAD_CHARS)


def is_giveaway(text: str, count: int) -> bool:
    """A giveaway with its terms (prizes, winners, conditions), or a contest whose entry is
    a subscription or a repost."""
    if count > GIVEAWAY_WORDS:
        return False
    if _GIVEAWAY.search(text) and _GIVEAWAY_TERMS.search(text):
        return True
    return _CONTEST.search(text) is not None and _CONTEST_TERMS.search(text) is not None


def carries_content(text: str) -> bool:
    """A short post that still says something: a title with a rating, a year or an
    episode, the caption of a named work (quoted, with a note in brackets, under a rubric,
    a Latin name in a Russian caption), or a few words under the author's own hashtags."""
    if _CONTENT_SHAPES.search(text) or _NAMED.search(text):
        return True
    if _CYRILLIC_WORD.search(text) and _LATIN_WORD.search(text):
        return True  # a name in Latin letters in a Russian caption: a game, an album
    return HASHTAG.search(text) is not None and len(words(HASHTAG.sub(" ", text))) >= 2


def has_link(text: str) -> bool:
    return URL.search(text) is not None
