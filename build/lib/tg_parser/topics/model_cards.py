"""Topic cards written by a model: one structured call per topic, reused while unchanged.

For each cluster or singleton topic, ``ModelCardWriter`` sends the anchor candidates and
the topic's most central other documents (at most ``MAX_DOCUMENTS``, each cut to about
``DOCUMENT_CHARS`` characters) between ``<message>`` tags, defused as in processing, with
the titles of the nearest other topics. The model answers JSON of ``CARD_SCHEMA`` — title,
summary, scope_in, scope_out and tags in the output language, and the anchors it confirms;
an answer that does not validate gets one repair call. Only the confirmed anchors stay
anchors (the top-scored others fill up to the minimum a topic needs); the rest become
supporting documents.

A card is reused by the next build without a call while its ``input_hash`` — provider,
model, prompt id, output language, the topic's type and its anchors' refs and texts — is
unchanged, so a build with no new messages calls nothing. A topic whose call still fails
after the runner's retries, or whose answer is unusable, gets the offline card (source
``offline_fallback``); a bad key or setting stops the build at once. Once the runner's
breaker trips (the model keeps failing), no more calls are made: the remaining cards are
offline too, and a warning ``topic_cards_offline`` says why, once.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
from collections.abc import Mapping, Sequence
from typing import Annotated, Any

import numpy as np
import structlog
from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    StringConstraints,
    ValidationError,
)

from tg_parser.config import Settings
from tg_parser.errors import (
    ProviderAuthError,
    ProviderError,
    ProviderFailingError,
    ProviderOutputError,
)
from tg_parser.llm import AnalyserChoice, CallRunner, CompletionRequest, defuse, load_prompt
from tg_parser.models import CallRecord, OnProgress, Progress, TopicCard, topic_id
from tg_parser.text import distinct_phrases
from tg_parser.topics.cards import MAX_PHRASES, CardText, WrittenCard, nearest_titles, write_text
from tg_parser.topics.corpus import Corpus
from tg_parser.topics.discovery import Draft

log = structlog.get_logger(__name__)

MAX_DOCUMENTS = 6
DOCUMENT_CHARS = 600
CLUSTER_MIN_ANCHORS = 2  # the TopicCard contract's minimum
SCHEMA_NAME = "topic_card"


def _strings(description: str) -> dict[str, Any]:
    return {"type": "array", "items": {"type": "string"}, "description": description}


CARD_SCHEMA: dict[str, Any] = {
    "type": "object",
    "additionalProperties": False,
    "required": ["title", "summary", "scope_in", "scope_out", "tags", "anchors"],
    "properties": {
        "title": {"type": "string", "description": "a question, or 'object: aspect'"},
        "summary": {"type": "string", "description": "1 to 3 sentences"},
        "scope_in": _strings("1 to 5 phrases: what belongs to the topic"),
        "scope_out": _strings("1 to 5 phrases: nearby subjects that do not"),
        "tags": _strings("up to 5 short tags"),
        "anchors": _strings("refs of the anchor candidates that belong to the topic"),
    },
}


def _phrases(values: list[str]) -> list[str]:
    return distinct_phrases(values, MAX_PHRASES)


def _some(values: list[str]) -> list[str]:
    if not values:
        raise ValueError("needs at least one non-empty item")
    return values


Line = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1)]
Phrases = Annotated[list[str], AfterValidator(_phrases)]
SomePhrases = Annotated[list[str], AfterValidator(_phrases), AfterValidator(_some)]


class CardAnswer(BaseModel):
    """What the model must answer (validated; unknown fields are an error)."""

    model_config = ConfigDict(extra="forbid")
    title: Line
    summary: Line
    scope_in: SomePhrases
    scope_out: SomePhrases
    tags: Phrases
    anchors: list[str]


class ModelCardWriter:
    """Writes (or reuses) the cards of a channel's topics; see the module docstring."""

    def __init__(
        self,
        runner: CallRunner,
        *,
        max_output_tokens: int = 4096,
        output_language: str | None = None,
    ) -> None:
        self.runner = runner
        self.prompt = load_prompt("topic-card")
        self.repair = load_prompt("topic-card-repair")
        self.max_output_tokens = max_output_tokens
        self.output_language = output_language
        self.stopped = False  # the model keeps failing: the rest of the cards are offline

    @classmethod
    def of(cls, choice: AnalyserChoice, settings: Settings) -> ModelCardWriter | None:
        """The writer of the chosen model provider (None offline: the offline writer)."""
        if choice.runner is None:
            return None
        return cls(
            choice.runner,
            max_output_tokens=settings.llm_max_output_tokens,
            output_language=settings.output_language,
        )

    async def write_all(
        self,
        corpus: Corpus,
        drafts: Sequence[Draft],
        previous: Mapping[str, TopicCard],
        *,
        min_anchors: int = CLUSTER_MIN_ANCHORS,
        progress: OnProgress | None = None,
    ) -> list[WrittenCard]:
        """A card per draft, in order: reused, written by the model, or offline on failure.
        The calls run concurrently (the runner limits how many are in flight)."""
        language = corpus.language()
        offline = [write_text(corpus, draft, language) for draft in drafts]
        reused = [
            self.reuse(corpus, draft, text, previous)
            for draft, text in zip(drafts, offline, strict=True)
        ]
        titles = [r.text.title if r else t.title for r, t in zip(reused, offline, strict=True)]
        centres = np.vstack([d.centre for d in drafts]) if drafts else np.zeros((0, 1))
        written_in = self.output_language or language or "the language of the documents"
        done = 0

        async def one(index: int) -> WrittenCard:
            nonlocal done
            card = reused[index] or await self.write_or_fallback(
                corpus,
                drafts[index],
                offline[index],
                nearest_titles(titles, centres, index),
                written_in,
                min_anchors,
            )
            done += 1
            if progress is not None:
                progress(Progress("cards", done, len(drafts), unit="topics"))
            return card

        try:
            async with asyncio.TaskGroup() as group:
                tasks = [group.create_task(one(i)) for i in range(len(drafts))]
        except BaseExceptionGroup as errors:
            raise errors.exceptions[0] from None
        return [task.result() for task in tasks]

    def reuse(
        self,
        corpus: Corpus,
        draft: Draft,
        offline: CardText,
        previous: Mapping[str, TopicCard],
    ) -> WrittenCard | None:
        """The earlier card of this topic, if this model wrote it from the same input."""
        card = previous.get(topic_id(corpus.items[draft.anchors[0][0]].ref))
        writer = (card.metadata or {}).get("writer") if card else None
        if card is None or not isinstance(writer, dict):
            return None
        if writer.get("input_hash") != self.input_hash(corpus, draft):
            return None
        text = CardText(card.title, card.summary, offline.phrases, card.scope_in, card.tags or [])
        return WrittenCard(draft, text, card.scope_out, writer, "reused")

    async def write_or_fallback(
        self,
        corpus: Corpus,
        draft: Draft,
        offline: CardText,
        neighbours: list[str],
        language: str,
        min_anchors: int,
    ) -> WrittenCard:
        """The model's card, or the offline one when the model failed (a bad key raises)."""
        try:
            return await self.write(corpus, draft, offline, neighbours, language, min_anchors)
        except ProviderAuthError:
            raise
        except ProviderError as exc:
            self._warn(corpus.items[draft.anchors[0][0]].ref, exc)
            fallback = {"provider": "offline", "model_error": type(exc).__name__}
            return WrittenCard(draft, offline, None, fallback, "offline_fallback")

    def _warn(self, ref: str, exc: ProviderError) -> None:
        """One warning per failed card; once the breaker stops the calls, one in all."""
        if not isinstance(exc, ProviderFailingError):
            log.warning("topic_card_offline", anchor_ref=ref, error=type(exc).__name__)
        elif not self.stopped:
            self.stopped = True
            log.warning(
                "topic_cards_offline",
                reason=str(exc),
                remaining="written offline, without calling the model",
            )

    async def write(
        self,
        corpus: Corpus,
        draft: Draft,
        offline: CardText,
        neighbours: list[str],
        language: str,
        min_anchors: int,
    ) -> WrittenCard:
        """One call (and a repair call if needed): the card and its confirmed anchors."""
        user_turn = render_input(corpus, draft, neighbours, language)
        answer = await self._ask(user_turn, corpus.items[draft.anchors[0][0]].ref)
        minimum = min_anchors if draft.type == "cluster" else 1
        confirmed = confirm(corpus, draft, answer.anchors, minimum)
        tags = [tag.casefold() for tag in answer.tags]
        text = CardText(answer.title, answer.summary, offline.phrases, answer.scope_in, tags)
        writer = self._writer(corpus, confirmed)
        return WrittenCard(confirmed, text, answer.scope_out, writer, "model")

    def input_hash(self, corpus: Corpus, draft: Draft) -> str:
        """What a card depends on: while it is unchanged, the card is reused."""
        anchors = [[corpus.items[i].ref, corpus.items[i].text] for i in draft.anchor_indexes()]
        client = self.runner.client
        material = [client.provider, client.model, self.prompt.id, self.output_language]
        encoded = json.dumps([*material, draft.type, anchors], ensure_ascii=False)
        return "sha256:" + hashlib.sha256(encoded.encode("utf-8")).hexdigest()

    def drain(self) -> list[CallRecord]:
        """The calls made since the last drain (to store with the build's run)."""
        return self.runner.drain()

    async def _ask(self, user_turn: str, source_ref: str) -> CardAnswer:
        request = self._request(self.prompt.instructions, user_turn)
        completion = await self.runner.call(request, self.prompt, source_ref=source_ref)
        try:
            return parse_card(completion.text)
        except ProviderOutputError as exc:
            fixed = self._request(
                self.prompt.instructions + "\n" + self.repair.instructions,
                user_turn + f"\n<error>{defuse(str(exc))}</error>",
            )
            completion = await self.runner.call(fixed, self.repair, source_ref=source_ref)
            return parse_card(completion.text)

    def _request(self, instructions: str, user_turn: str) -> CompletionRequest:
        return CompletionRequest(
            instructions=instructions,
            input=user_turn,
            schema_name=SCHEMA_NAME,
            schema=CARD_SCHEMA,
            max_output_tokens=self.max_output_tokens,
        )

    def _writer(self, corpus: Corpus, draft: Draft) -> dict[str, Any]:
        prompt = self.prompt
        return {
            "provider": self.runner.client.provider,
            "model": self.runner.client.model,
            "prompt_name": prompt.name,
            "prompt_id": prompt.id,
            "prompt_version": prompt.version,
            "input_hash": self.input_hash(corpus, draft),
        }


def render_input(corpus: Corpus, draft: Draft, neighbours: list[str], language: str) -> str:
    """The user turn: the topic's type, the output language, the neighbouring titles and
    the documents, each (defused) between ``<message ref=… role=…>`` tags."""
    titles = json.dumps([defuse(title) for title in neighbours], ensure_ascii=False)
    lines = [
        f"Topic type: {draft.type}",
        f"Output language: {language}",
        f"Neighbouring topics: {titles}",
    ]
    for index, role in documents(corpus, draft):
        item = corpus.items[index]
        text = defuse(_cut(item.text))
        lines.append(f'<message ref="{item.ref}" role="{role}">\n{text}\n</message>')
    return "\n".join(lines)


def documents(corpus: Corpus, draft: Draft) -> list[tuple[int, str]]:
    """The anchor candidates, then the most central members, ``MAX_DOCUMENTS`` in all."""
    members = sorted(draft.members.items(), key=lambda m: (-m[1], corpus.items[m[0]].ref))
    room = max(0, MAX_DOCUMENTS - len(draft.anchors))
    anchors = [(index, "anchor") for index in draft.anchor_indexes()]
    return anchors + [(index, "member") for index, _ in members[:room]]


def confirm(corpus: Corpus, draft: Draft, refs: Sequence[str], minimum: int) -> Draft:
    """The draft with only the anchors in ``refs`` — the top-scored others fill up to
    ``minimum`` — and the anchors left out as supporting members."""
    ranked = sorted(draft.anchors, key=lambda a: (-a[1], corpus.items[a[0]].ref))
    wanted = set(refs)
    kept = [a for a in ranked if corpus.items[a[0]].ref in wanted]
    missing = max(0, minimum - len(kept))
    kept += [a for a in ranked if a not in kept][:missing]
    kept.sort(key=ranked.index)
    dropped = {index: score for index, score in ranked if (index, score) not in kept}
    return Draft(draft.type, kept, draft.centre, draft.members | dropped)


def parse_card(text: str) -> CardAnswer:
    """The model's answer, validated; anything else is a ``ProviderOutputError``."""
    try:
        return CardAnswer.model_validate(json.loads(text))
    except ValueError as exc:
        raise ProviderOutputError(
            f"the model's answer is not a valid topic card: {_problem(exc)}"
        ) from exc


def _problem(exc: ValueError) -> str:
    """The first thing wrong with an answer, in one line."""
    if isinstance(exc, ValidationError):
        error = exc.errors()[0]
        where = ".".join(str(part) for part in error["loc"]) or "answer"
        return f"{where}: {error['msg']}"
    lines = str(exc).strip().splitlines()
    return lines[0] if lines else type(exc).__name__


def _cut(text: str) -> str:
    """The text, cut at a word to about ``DOCUMENT_CHARS`` characters."""
    if len(text) <= DOCUMENT_CHARS:
        return text
    return text[:DOCUMENT_CHARS].rsplit(maxsplit=1)[0] + " …"
