"""Words of Russian and English text: a tokeniser, a crude stem key, stopword lists, and
the head of a very long text that the analyses read."""

# ruff: noqa: RUF001  (Russian words and typographic characters are the data here)

from __future__ import annotations

import re
from functools import lru_cache

from tg_parser.stemming import COMBINING_MARKS

# a word: letters and digits joined by inner hyphens, apostrophes, dots or pluses
# ("free-threaded", "don't", "asyncio.gather", "c++"), with the combining marks written
# over its letters (Russian stress marks, Arabic vowel marks: "за́мок", "الصَّلاة")
WORD = re.compile(rf"[^\W_](?:[\w+{COMBINING_MARKS}]|[-'’.](?=[^\W_]))*", re.UNICODE)
URL = re.compile(r"(?:https?://|www\.|t\.me/)[^\s<>\"«»]+", re.IGNORECASE)
EMAIL = re.compile(r"(?<![\w.+-])[\w.+-]+@[\w-]+(?:\.[\w-]+)*\.[^\W\d_]{2,}")
MENTION = re.compile(r"(?<![\w@.])@[A-Za-z]\w{3,31}")
_CYRILLIC_WORD = re.compile(r"[а-я-]+")
HASHTAG = re.compile(r"(?<![\w#&])#([^\W\d_]\w*)")
# the most characters a summary, key phrases, entities and the language are found in: five
# times Telegram's longest post, so only very long messages (an export's article, a paste)
# are read in part — their point is made at the start, and the work stays bounded
ANALYSED_CHARS = 20_000
_PARTIAL_WORD = re.compile(r"\s\S+\Z")
_PARTIAL_FIRST_WORD = re.compile(r"\S+(?=\s)")


def _word_set(text: str) -> frozenset[str]:
    return frozenset(text.split())


_RU_ENDINGS = sorted(
    _word_set(
        "ями ами ого его ому ему ыми ими ией иям иях ах ях ов ев ей ой ий ый ая яя ое ее ые ие "
        "ую юю ом ем ам ям ия ию ы и а я о е у ю ь"
    ),
    key=lambda ending: (-len(ending), ending),
)

STOPWORDS_EN = _word_set(
    """a about above after again against all also am an and any are aren't as at be because
    been before being below between both but by can can't cannot could couldn't did didn't
    do does doesn't doing don't down during each even ever every few for from further get
    gets got had hadn't has hasn't have haven't having he her here hers herself him himself
    his how however i i'm if in into is isn't it it's its itself just let's like made make
    many may me might more most much must my myself need new no nor not now of off often on
    once one only or other our ours ourselves out over own per quite rather really same
    say says see she should shouldn't since so some still such than that that's the their
    theirs them themselves then there there's these they they're this those though through
    to too two under until up upon us use used using very via was wasn't way we we're well
    were weren't what what's when where which while who whom why will with within without
    won't would wouldn't yes yet you you're your yours yourself yourselves today
    yesterday tomorrow got getting makes making takes taking thing things lot lots"""
)

STOPWORDS_RU = _word_set(
    """а без более бы был была были было быть в вам вас весь во вот все всё всего всех вы
    где да даже для до его ее её ей ему если есть ещё еще же за здесь и из или им их к как
    какая какие какой когда кто ли либо лишь меня мне много может можно мой мы на над надо
    наш не него нее неё нет ни них но ну о об однако он она они оно от очень по под после
    потом потому почему при про раз с сам свой себя себе со так также такой там те тем то
    того тоже только том ту тут ты у уже хотя чего чей чем что чтобы чтоб эта эти это этого
    этой этом этот эту я будет будут было бывает теперь сейчас всегда просто ещё который
    которая которые которых котором которой стал стала стали стало нужно нам нас вы ваш
    ваша ваши свою своей свои своих между через около почти вообще тоже каждый каждая
    где-то что-то кто-то тогда поэтому если бы чем вышел вышла вышли вышло стоит стоят
    появился появилась появились появилось начать начали делать сделать сделал сделали
    хочу хотите хочется будем будете получить получил получила получилось работает
    работают помогает помогают самое самый самая самые слишком главное главный сегодня
    вчера завтра например кстати конечно"""
)

STOPWORDS = STOPWORDS_EN | STOPWORDS_RU


def words(text: str) -> list[str]:
    """Words of ``text`` in order, links, e-mails and mentions left out."""
    text = URL.sub(" ", EMAIL.sub(" ", MENTION.sub(" ", text)))
    return [match.group() for match in WORD.finditer(text)]


@lru_cache(maxsize=1 << 16)
def stem(word: str) -> str:
    """A crude key that joins the inflected forms of one word (lower case)."""
    word = word.lower().replace("ё", "е")
    if _CYRILLIC_WORD.fullmatch(word):
        for ending in _RU_ENDINGS:
            if word.endswith(ending) and len(word) - len(ending) >= 4:
                return word[: -len(ending)]
        return word
    if len(word) > 4 and word.endswith("s") and not word.endswith("ss"):
        return word[:-3] + "y" if word.endswith("ies") else word[:-1]
    return word


def head(text: str, limit: int = ANALYSED_CHARS) -> str:
    """The first ``limit`` characters of ``text``, without a word cut in two."""
    if len(text) <= limit:
        return text
    cut = text[:limit]
    partial = None if text[limit].isspace() else _PARTIAL_WORD.search(cut)
    return cut[: partial.start()] if partial else cut


def ends(text: str, limit: int = ANALYSED_CHARS) -> str:
    """The head and the tail of a very long ``text`` (``limit`` characters each, without a
    word cut in two) on two lines: where labels, greetings and ad markers sit."""
    if len(text) <= 2 * limit:
        return text
    cut = text[-limit:]
    partial = None if text[-limit - 1].isspace() else _PARTIAL_FIRST_WORD.match(cut)
    return head(text, limit) + "\n" + (cut[partial.end() :] if partial else cut)


def is_stopword(word: str) -> bool:
    return word.lower() in STOPWORDS
