"""Reading the search index: full-text matches ranked by the backend, the vectors of the
indexed documents, and what a result shows (text, dates, link parts, topics).

Full text: SQLite ranks FTS5 matches by BM25, PostgreSQL ranks ``@@`` matches of the
tsvector by ``ts_rank`` (term frequency); both match the same documents, because both
see the same stemmed terms and the query is the OR of its terms.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Select,
    Subquery,
    and_,
    column,
    false,
    func,
    literal_column,
    select,
    table,
    union,
)
from sqlalchemy.ext.asyncio import AsyncConnection

from tg_parser.store.tables import (
    embeddings,
    processed_documents,
    raw_messages,
    search_documents,
    sources,
    topic_bundles,
    topic_cards,
)

_CHUNK = 500  # source_refs per query, well under SQLite's limit of bound parameters
_OVERFETCH = 2  # unfiltered on SQLite: ranked matches read per match asked for
_DOC = search_documents
_FTS = table("search_fts", column("rowid"), column("rank"))


@dataclass(frozen=True)
class IndexFilter:
    """Which indexed documents a search may return (noise never)."""

    channels: Sequence[str] | None = None
    message_type: str | None = None
    language: str | None = None
    since: datetime | None = None
    until: datetime | None = None
    refs: Sequence[str] | None = None  # only these (a topic's items)

    def unfiltered(self) -> bool:
        """Whether only noise is left out."""
        return self == IndexFilter()


@dataclass(frozen=True)
class LexicalMatch:
    """A full-text match: its score (higher is better) and how many query terms it has."""

    source_ref: str
    score: float
    matched: int


@dataclass(frozen=True)
class IndexedVector:
    """An indexed document's filter fields and its current vector (None: not embedded)."""

    source_ref: str
    channel_id: str
    message_type: str
    language: str | None
    date: datetime
    noise: bool
    vector: bytes | None


@dataclass(frozen=True)
class HitRow:
    """What a search result shows of a document."""

    source_ref: str
    channel_id: str
    message_type: str
    message_id: int
    thread_id: int | None
    date: datetime
    document: dict[str, Any]
    username: str | None


@dataclass(frozen=True)
class TopicMembers:
    topic_id: str
    title: str
    items: list[dict[str, Any]]


class SearchRepository:
    def __init__(self, conn: AsyncConnection) -> None:
        self.conn = conn

    async def lexical(
        self, terms: Sequence[str], where: IndexFilter, limit: int
    ) -> list[LexicalMatch]:
        """The best ``limit`` documents matching any of the stemmed ``terms``, best first,
        with the backend's score and the number of ``terms`` each holds."""
        if not terms or where.refs == []:
            return []
        if self.conn.dialect.name == "postgresql":
            best = _postgresql_match(terms).where(*_conditions(where)).limit(limit)
            return await self._matches(best.subquery(), terms)
        if where.unfiltered():
            found = await self._sqlite_unfiltered(terms, limit)
            if found is not None:
                return found
        best = _sqlite_match(terms).where(*_conditions(where)).limit(limit)
        return await self._matches(best.subquery(), terms)

    async def _sqlite_unfiltered(
        self, terms: Sequence[str], limit: int
    ) -> list[LexicalMatch] | None:
        """The best matches ranked in the FTS table alone, noise left out afterwards (None
        when more than ``_OVERFETCH`` times ``limit`` were too few): the ranking need not
        read each match's index row, and SQLite's sorter with a limit is cheaper than
        FTS5's own sort by rank."""
        fetched = limit * _OVERFETCH
        best = _sqlite_ranked(terms).limit(fetched).subquery()
        query = (
            select(_DOC.c.source_ref, best.c.score, _DOC.c.terms, _DOC.c.noise)
            .select_from(best.join(_DOC, _DOC.c.id == best.c.id))
            .order_by(best.c.score.desc(), _DOC.c.id)
        )
        rows = (await self.conn.execute(query)).all()
        kept = [(ref, score, held) for ref, score, held, noise in rows if not noise]
        if len(kept) < limit and len(rows) == fetched:
            return None
        return _counted(kept[:limit], terms)

    async def _matches(self, best: Subquery, terms: Sequence[str]) -> list[LexicalMatch]:
        """The rows of ``best`` (ids and scores) with their source_refs and terms."""
        # the terms of the best only (read after the ranking, not carried through its sort)
        query = (
            select(_DOC.c.source_ref, best.c.score, _DOC.c.terms)
            .select_from(best.join(_DOC, _DOC.c.id == best.c.id))
            .order_by(best.c.score.desc(), _DOC.c.id)
        )
        return _counted((await self.conn.execute(query)).all(), terms)

    async def fingerprint(self) -> tuple[Any, ...]:
        """The highest id, the latest update and the lowest id of the index rows: a row added
        or replaced changes it, and so does emptying the index (three index lookups: cheap
        enough to ask before every search; another removed row is not seen, but a search
        result whose document is gone is dropped)."""
        query = select(
            select(func.max(_DOC.c.id)).scalar_subquery(),
            select(func.max(_DOC.c.updated_at)).scalar_subquery(),
            select(func.min(_DOC.c.id)).scalar_subquery(),
        )
        return tuple((await self.conn.execute(query)).one())

    async def changed(self, since: datetime, after_id: int) -> list[str]:
        """The source_refs of the index rows updated after ``since`` or with an id above
        ``after_id`` (a row written late with an earlier time): two index ranges."""
        query = union(
            select(_DOC.c.source_ref).where(_DOC.c.updated_at > since),
            select(_DOC.c.source_ref).where(_DOC.c.id > after_id),
        )
        return list((await self.conn.execute(query)).scalars())

    async def vectors(self, model: str, refs: Sequence[str] | None = None) -> list[IndexedVector]:
        """The indexed documents with their vector by ``model``, if current: all that are not
        noise, or those among ``refs`` (noise too; looked up by source_ref, so that the
        database reads the few vectors asked for instead of joining them all)."""
        vector = embeddings.c.vector
        join = and_(
            embeddings.c.source_ref == _DOC.c.source_ref,
            embeddings.c.model == model,
            embeddings.c.text_hash == _DOC.c.text_hash,
        )
        query = (
            select(
                _DOC.c.source_ref,
                _DOC.c.channel_id,
                _DOC.c.message_type,
                _DOC.c.language,
                _DOC.c.date,
                _DOC.c.noise,
                vector,
            )
            .select_from(_DOC.outerjoin(embeddings, join))
            .order_by(_DOC.c.id)
        )
        if refs is not None:
            found: list[IndexedVector] = []
            for chunk in _chunks(refs):
                rows = await self.conn.execute(query.where(_DOC.c.source_ref.in_(chunk)))
                found.extend(IndexedVector(*row) for row in rows)
            return found
        rows = await self.conn.execute(query.where(_DOC.c.noise == false()))
        return [IndexedVector(*row) for row in rows]

    async def texts(self, refs: Sequence[str]) -> dict[str, str]:
        """The clean text of each document among ``refs``."""
        found: dict[str, str] = {}
        for chunk in _chunks(refs):
            query = select(processed_documents.c.source_ref, processed_documents.c.document)
            rows = await self.conn.execute(query.where(processed_documents.c.source_ref.in_(chunk)))
            found.update((ref, document["text_clean"]) for ref, document in rows)
        return found

    async def hits(self, refs: Sequence[str]) -> dict[str, HitRow]:
        """The documents among ``refs`` (absent when gone) with their raw fields."""
        found: dict[str, HitRow] = {}
        for chunk in _chunks(refs):
            query = _HITS.where(processed_documents.c.source_ref.in_(chunk))
            for row in await self.conn.execute(query):
                found[row.source_ref] = HitRow(*row)
        return found

    async def topics(self, channels: Sequence[str]) -> list[TopicMembers]:
        """The current topics of the channels with their bundle items, by topic id."""
        query = (
            select(topic_cards.c.id, topic_cards.c.title, topic_bundles.c.bundle)
            .select_from(topic_cards.join(topic_bundles))
            .where(topic_cards.c.channel_id.in_(list(channels)))
            .order_by(topic_cards.c.id)
        )
        rows = await self.conn.execute(query)
        return [TopicMembers(id_, title, bundle.get("items", [])) for id_, title, bundle in rows]


_HITS = select(
    processed_documents.c.source_ref,
    processed_documents.c.channel_id,
    raw_messages.c.message_type,
    raw_messages.c.message_id,
    raw_messages.c.thread_id,
    raw_messages.c.date,
    processed_documents.c.document,
    sources.c.username,
).select_from(
    processed_documents.join(
        raw_messages, raw_messages.c.source_ref == processed_documents.c.source_ref
    ).outerjoin(sources, sources.c.channel_key == processed_documents.c.channel_id)
)


def _sqlite_match(terms: Sequence[str]) -> Select[Any]:
    """FTS5 matches by ``rank`` (BM25, lower is better), read from the FTS table first."""
    fts: ColumnElement[Any] = literal_column("search_fts")
    return (
        select(_DOC.c.id, (-_FTS.c.rank).label("score"))
        .select_from(_FTS.join(_DOC, _DOC.c.id == _FTS.c.rowid))
        .where(fts.op("MATCH")(_fts_query(terms)))
        .order_by(_FTS.c.rank)
    )


def _sqlite_ranked(terms: Sequence[str]) -> Select[Any]:
    """FTS5 matches by ``rank`` from the FTS table alone (ties: the lower id)."""
    fts: ColumnElement[Any] = literal_column("search_fts")
    return (
        select(_FTS.c.rowid.label("id"), (-_FTS.c.rank).label("score"))
        .where(fts.op("MATCH")(_fts_query(terms)))
        .order_by(_FTS.c.rank, _FTS.c.rowid)
    )


def _fts_query(terms: Sequence[str]) -> str:
    return " OR ".join(f'"{term}"' for term in terms)


def _counted(rows: Iterable[Sequence[Any]], terms: Sequence[str]) -> list[LexicalMatch]:
    """Matches from (source_ref, score, indexed terms) rows, with how many ``terms`` each holds."""
    wanted = set(terms)
    return [
        LexicalMatch(ref, float(score), len(wanted.intersection(held.split())))
        for ref, score, held in rows
    ]


def _postgresql_match(terms: Sequence[str]) -> Select[Any]:
    """``@@`` matches by ``ts_rank``. The tsquery is a subquery, computed once: psycopg
    prepares a statement it has run five times, and in PostgreSQL's generic plan for it a
    ``to_tsquery`` of the parameter would be parsed again for every row ranked (twice as
    slow at 10,000 matching rows)."""
    vector: ColumnElement[Any] = literal_column("search_documents.search_fts")
    text = " | ".join(f"'{term}'" for term in terms)
    query = select(func.to_tsquery("simple", text)).scalar_subquery()
    rank = func.ts_rank(vector, query)
    return (
        select(_DOC.c.id, rank.label("score"))
        .where(vector.op("@@")(query))
        .order_by(rank.desc(), _DOC.c.id)
    )


def _conditions(where: IndexFilter) -> list[ColumnElement[bool]]:
    conditions: list[ColumnElement[bool]] = [_DOC.c.noise == false()]
    if where.channels is not None:
        conditions.append(_DOC.c.channel_id.in_(list(where.channels)))
    if where.message_type is not None:
        conditions.append(_DOC.c.message_type == where.message_type)
    if where.language is not None:
        conditions.append(_DOC.c.language == where.language)
    if where.since is not None:
        conditions.append(_DOC.c.date >= where.since)
    if where.until is not None:
        conditions.append(_DOC.c.date < where.until)
    if where.refs is not None:
        conditions.append(_DOC.c.source_ref.in_(list(where.refs)))
    return conditions


def _chunks(refs: Sequence[str]) -> list[list[str]]:
    ordered = list(refs)
    return [ordered[start : start + _CHUNK] for start in range(0, len(ordered), _CHUNK)]
