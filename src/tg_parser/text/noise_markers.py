"""The markers and shapes of social noise in Russian and English: greetings and holiday
wishes, absence and return notices, schedule one-liners, navigation posts — and the shape
of a short post that does carry content (a title with a rating or a year, an episode, the
author's own hashtags), which is kept however few its words.

Each rule pairs a marker with a shape (how short the post is, where the marker sits, a
link or a mention next to it), so that a long post that merely mentions a holiday, a
vacation or a contest stays content.
"""

# ruff: noqa: RUF001  (Russian words and typographic characters are the data here)

from __future__ import annotations

import re

from tg_parser.text.words import HASHTAG, URL, words

_FLAGS = re.IGNORECASE | re.MULTILINE
GREETING_WORDS = 15  # a greeting or a wish longer than this is a post that opens politely
WISH_WORDS = 30
NOTICE_WORDS = 40

_GREETING = re.compile(
    r"^\W*(?:[^\W\d_]+,\s*)?(?:доброе утро|добрый (?:день|вечер)|доброй ночи|спокойной ночи"
    r"|всем привет|привет(?:ствую)?|здравствуйте|всем (?:хорош|отличн|прекрасн|добр)\w*"
    r"|хорош(?:их|его|ей) \w+|отличн(?:ых|ого|ой) \w+"
    r"|с (?:новым годом|рождеством|праздни[кч]\w*|пятницей|днём \w+|наступающим\w*)"
    r"|good (?:morning|afternoon|evening|night)|gm|gn|hello|hi|hey|greetings"
    r"|happy (?:new year|holidays|\w+day)|merry christmas|have a (?:nice|good|great) \w+)"
    r"(?!\w)",
    _FLAGS,
)
_WISH = re.compile(
    r"(?<!\w)(?:поздравля\w+|с (?:новым годом|рождеством|праздни[кч]\w*|наступающим\w*"
    r"|др|днюхой"
    r"|днём (?:рождения|победы|защитника|знаний|святого валентина|учителя|матери)"
    r"|8 марта|23 февраля|1 мая|9 мая|пасхой|масленицей)|христос воскресе|всех благ"
    r"|happy (?:new year|holidays|easter|thanksgiving|halloween|\w+day)|merry christmas"
    r"|season'?s greetings|best wishes|congratulations to (?:all|everyone)"
    r"|(?:eid|ramadan|jumu'?ah|jummah) mubarak|ramadan kareem|с (?:праздником )?(?:ураза|курбан)"
    r"[- ]байрам\w*|с (?:ханук|рамадан)\w*)(?!\w)",
    _FLAGS,
)
# the words of a holiday wish or a toast: a post made of several of them is a greeting
_WISH_WORDS = re.compile(
    r"(?<!\w)(?:поздравля\w+|жела(?:ю|ем)|пусть|будьте|тост\w*|счасть\w+|здоровь\w+|праздни[кч]\w*"
    r"|с новым\W+(?:\d{4}\W+)?годом|с наступающим|в новом году|wish(?:es|ing)? you|cheers"
    r"|toast|happiness|health|holidays?|new year)(?!\w)",
    re.IGNORECASE,
)
_OCCASION = re.compile(
    r"(?<!\w)(?:тост|поздравля\w+|праздни[кч]\w*|с новым\W+(?:\d{4}\W+)?годом|с наступающим"
    r"|toast|cheers|congratulat\w+|holidays?|new year)(?!\w)",
    re.IGNORECASE,
)
WISH_DENSE = 3  # wish words that make a longer post a greeting too
WISH_DENSE_WORDS = 150
_ABOUT_CHANNEL = re.compile(
    r"(?:это|этот|наш|мой) канал|this channel|welcome to|добро пожаловать", re.IGNORECASE
)
_POSTINGS = (
    r"(?:постов|публикаций|стрим(?:а|ов)|эфир(?:а|ов)|видео|выпуск(?:а|ов)|трансляци(?:и|й))"
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
    rf"|(?:без|не будет) (?:новых )?{_POSTINGS}|{_POSTINGS} не будет"
    r"|перерыв в (?:публикациях|постах)|(?:канал|мы|я) (?:\w+ )?(?:на паузе|уходи\w+ на паузу)"
    r"|возобнов\w+ (?:посты|публикации|стримы|эфиры)"
    r"|нас уже \d+|уже \d+\s?(?:к|тыс\.?)? подписчик\w*|\d+\s?(?:к|тыс\.?)? подписчик\w*\s*!"
    r"|(?:we're|we are|i'm|i am|the team is|team's) (?:\w+ )?(?:on (?:vacation|holiday|a break"
    rf"|hiatus)|taking a (?:short )?break|back{_BACK_END})"
    r"|back from (?:vacation|holiday|(?:a|our) break)"
    r"|(?:i'll|i will|we'll|we will) be (?:away|offline|unavailable)"
    r"|(?:posts?|streams?) (?:will )?resume|(?:will|we'll|i'll) be back (?:on|next|tomorrow"
    r"|in|after)|out of (?:the )?office|no (?:new )?(?:posts?|streams?|episodes?|videos?)"
    r" (?:today|tonight|tomorrow|this week|next week|until|for)"
    r"|(?:the channel|channel|we|i)(?: is| are| am|'s|'re|'m)? on (?:hold|(?:a )?(?:short )?break)"
    r"|thank you for \d+\s?k?|(?:hit|reached|we're|we are) \d+\s?k? (?:subscribers|followers))"
    r"(?!\w)",
    _FLAGS,
)
SCHEDULE_WORDS = 8  # "Стрим в 19:30 (мск)": a time of day is all a short post says
_TIME_OF_DAY = re.compile(
    r"(?<!\w)(?:в|к|с|до|at|from|until)\s(?:[01]?\d|2[0-3])[:.][0-5]\d(?!\d)", re.IGNORECASE
)
# a heading line ("🔍 Навигация:", "Table of contents") of at most three more words
_NAVIGATION = re.compile(
    r"\A\W*(?:навигаци\w*|оглавлени\w*|содержани\w*|рубрикатор\w*|table of contents|contents"
    r"|navigation|index)(?:\s+[^\W\d_]+){0,3}\s*:?\s*$",
    re.IGNORECASE,
)
NAVIGATION_ENTRIES = 2  # lines under the heading, each a link or hashtags, that make an index
NAVIGATION_SHARE = 2 / 3  # of the lines under the heading
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


def is_schedule(text: str, count: int) -> bool:
    """A one-liner with a time of day: "Наруто в 19:30 (мск)", "Stream at 20:00"."""
    return count <= SCHEDULE_WORDS and _TIME_OF_DAY.search(text) is not None


def is_navigation(text: str) -> bool:
    """A navigation or index post: a heading line ("Навигация:", "Table of contents") over
    lines that are mostly links or hashtags."""
    heading, _, rest = text.partition("\n")
    if _NAVIGATION.match(heading) is None:
        return False
    lines = [line for line in rest.splitlines() if line.strip()]
    entries = sum(1 for line in lines if URL.search(line) or HASHTAG.search(line))
    return entries >= NAVIGATION_ENTRIES and entries >= NAVIGATION_SHARE * len(lines)


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
