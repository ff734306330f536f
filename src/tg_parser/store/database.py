"""The database handle: engine lifecycle, schema check, and transactions of repositories.

A connection the server closes (a restart, a failover, ``pg_terminate_backend``) costs the
transaction that was using it, never more: SQLAlchemy replaces the pool's connections
(``DB_POOL_PRE_PING`` also catches one that died while idle), the transaction is rolled
back and raises ``ConnectionLostError``. A transaction block is not run again for you —
a connection lost at COMMIT leaves unknown whether it committed, and most blocks are not
safe to apply twice; the few that are (closing a run) use ``idempotent``, which runs its
work once more on a fresh connection. Work of a stage is saved in transactions a re-run
skips, so a run that fails this way is continued by the next one.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager, suppress
from dataclasses import dataclass, field
from typing import TypeVar

from alembic.util import CommandError
from sqlalchemy.exc import DatabaseError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeoutError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine
from sqlalchemy.pool import QueuePool

from tg_parser.config import Settings
from tg_parser.errors import ConnectionLostError, SchemaOutdatedError, StorageError
from tg_parser.metrics import PoolUsage
from tg_parser.store import migrate
from tg_parser.store.api_keys import ApiKeyRepository
from tg_parser.store.batches import BatchRepository
from tg_parser.store.channels import ChannelRepository
from tg_parser.store.cursors import CommentCursorRepository
from tg_parser.store.documents import DocumentRepository
from tg_parser.store.embeddings import EmbeddingRepository
from tg_parser.store.engine import (
    READ_ONLY,
    create_engine,
    damaged_sqlite_file,
    statement_timed_out,
)
from tg_parser.store.failures import FailureRepository
from tg_parser.store.knowledge import KnowledgeRepository
from tg_parser.store.llm_calls import LLMCallRepository
from tg_parser.store.messages import RawMessageRepository
from tg_parser.store.runs import RunRepository
from tg_parser.store.schedules import ScheduleRepository
from tg_parser.store.search import SearchRepository
from tg_parser.store.sources import SourceRepository
from tg_parser.store.stats import StatsRepository
from tg_parser.store.topics import TopicRepository
from tg_parser.store.webhooks import WebhookRepository
from tg_parser.store.writes import LOCAL_WRITES

T = TypeVar("T")


@dataclass
class Repositories:
    """Every repository bound to one connection, so they share one transaction."""

    conn: AsyncConnection
    sources: SourceRepository = field(init=False)
    messages: RawMessageRepository = field(init=False)
    runs: RunRepository = field(init=False)
    stats: StatsRepository = field(init=False)
    documents: DocumentRepository = field(init=False)
    cursors: CommentCursorRepository = field(init=False)
    knowledge: KnowledgeRepository = field(init=False)
    failures: FailureRepository = field(init=False)
    embeddings: EmbeddingRepository = field(init=False)
    topics: TopicRepository = field(init=False)
    llm_calls: LLMCallRepository = field(init=False)
    api_keys: ApiKeyRepository = field(init=False)
    search: SearchRepository = field(init=False)
    webhooks: WebhookRepository = field(init=False)
    channels: ChannelRepository = field(init=False)
    batches: BatchRepository = field(init=False)
    schedules: ScheduleRepository = field(init=False)

    def __post_init__(self) -> None:
        self.sources = SourceRepository(self.conn)
        self.messages = RawMessageRepository(self.conn)
        self.runs = RunRepository(self.conn)
        self.stats = StatsRepository(self.conn)
        self.documents = DocumentRepository(self.conn)
        self.cursors = CommentCursorRepository(self.conn)
        self.knowledge = KnowledgeRepository(self.conn)
        self.failures = FailureRepository(self.conn)
        self.embeddings = EmbeddingRepository(self.conn)
        self.topics = TopicRepository(self.conn)
        self.llm_calls = LLMCallRepository(self.conn)
        self.api_keys = ApiKeyRepository(self.conn)
        self.search = SearchRepository(self.conn)
        self.webhooks = WebhookRepository(self.conn)
        self.channels = ChannelRepository(self.conn)
        self.batches = BatchRepository(self.conn)
        self.schedules = ScheduleRepository(self.conn)


class Database:
    """The engine, and the settings it was opened with (stages read their run settings
    from here)."""

    def __init__(self, engine: AsyncEngine, settings: Settings) -> None:
        self.engine = engine
        self.settings = settings

    @classmethod
    async def open(cls, settings: Settings, *, check_schema: bool = True) -> Database:
        """Connect; with ``check_schema``, create a fresh schema or insist on the newest."""
        db = cls(create_engine(settings), settings)
        if not check_schema:
            return db
        try:
            await db.ensure_schema()
        except BaseException:
            await db.close()
            raise
        return db

    @property
    def backend(self) -> str:
        return self.engine.url.get_backend_name()

    def queue_url(self) -> str | None:
        """The plain PostgreSQL URL a job queue connects with (None: SQLite)."""
        if self.backend != "postgresql":
            return None
        return self.engine.url.set(drivername="postgresql").render_as_string(hide_password=False)

    def describe(self) -> str:
        """Where the data lives, without the password."""
        return self.engine.url.render_as_string(hide_password=True)

    def pool_usage(self) -> PoolUsage | None:
        """The connection pool right now (None: a pool that keeps no count)."""
        pool = self.engine.pool
        if not isinstance(pool, QueuePool):
            return None
        return PoolUsage(
            database=self.backend,
            size=pool.size(),
            in_use=pool.checkedout(),
            idle=pool.checkedin(),
            overflow=pool.overflow(),
        )

    async def ensure_schema(self) -> None:
        """A database without a schema gets one; an older schema must be upgraded by hand."""
        current = await self.current_revision()
        head = migrate.head_revision()
        if current == head:
            return
        if current is None:
            await self.upgrade()
            return
        if current not in migrate.known_revisions():
            raise StorageError(
                f"the database schema is at {current}, which this tg-parser does not know "
                "(a newer version migrated it): upgrade tg-parser or use another database"
            )
        raise SchemaOutdatedError(
            f"the database schema is at {current or 'nothing'}, this tg-parser needs {head}: "
            "run `tg-parser db upgrade`"
        )

    async def current_revision(self) -> str | None:
        async with self._translated_errors():
            return await migrate.current_revision(self.engine)

    async def upgrade(self, revision: str = "head") -> None:
        async with self._translated_errors():
            await migrate.upgrade(self.engine, revision)

    async def downgrade(self, revision: str) -> None:
        async with self._translated_errors():
            await migrate.downgrade(self.engine, revision)

    @asynccontextmanager
    async def transaction(self, *, noted: bool = True) -> AsyncIterator[Repositories]:
        """One transaction: committed when the block ends, rolled back on any error. Once
        it ended it counts in ``writes.LOCAL_WRITES`` (a failed COMMIT may have won), unless
        ``noted`` is false: a write that changes nothing the API's cached answers show (a
        key's last use)."""
        try:
            async with self._translated_errors(), self.engine.begin() as conn:
                yield Repositories(conn)
        finally:
            if noted:
                LOCAL_WRITES.note()

    async def idempotent(self, work: Callable[[Repositories], Awaitable[T]]) -> T:
        """``work`` in one transaction; when its connection is lost, once more in a new one.
        Only for work that may take effect twice (a connection lost at COMMIT may have
        committed the first attempt)."""
        with suppress(ConnectionLostError):
            async with self.transaction() as repos:
                return await work(repos)
        async with self.transaction() as repos:
            return await work(repos)

    @asynccontextmanager
    async def reading(self) -> AsyncIterator[Repositories]:
        """A transaction that only reads. On SQLite it does not take the write lock, so
        readers run beside each other and beside a writer (WAL), each on its own snapshot;
        on PostgreSQL the transaction is READ ONLY. A write inside it fails."""
        async with self._translated_errors(), self.engine.connect() as conn:
            options = {READ_ONLY: True, "postgresql_readonly": True}
            async with (await conn.execution_options(**options)).begin() as tx:
                yield Repositories(tx.connection)

    async def close(self) -> None:
        await self.engine.dispose()

    @asynccontextmanager
    async def _translated_errors(self) -> AsyncIterator[None]:
        try:
            yield
        except OperationalError as exc:
            raise self._operational_error(exc) from exc
        except PoolTimeoutError as exc:
            raise StorageError(
                f"no free connection to the database at {self.describe()} within "
                f"DB_POOL_TIMEOUT ({self.settings.db_pool_timeout:g}s): all "
                f"{self.settings.db_pool_size + self.settings.db_max_overflow} are in use "
                "(raise DB_POOL_SIZE or DB_MAX_OVERFLOW, or take load off this process)"
            ) from exc
        except OSError as exc:
            raise StorageError(
                f"cannot use the database at {self.describe()}: {_first_line(exc)} "
                "(check DATABASE_URL / DB_* settings and that the server is running)"
            ) from exc
        except CommandError as exc:
            raise StorageError(
                f"cannot migrate the database at {self.describe()}: {_first_line(exc)} "
                "(`tg-parser db current` shows its revision and the newest one known)"
            ) from exc
        except DatabaseError as exc:
            if not damaged_sqlite_file(exc):
                raise
            raise StorageError(
                f"the SQLite database {self.engine.url.database} is damaged "
                f"({_first_line(exc)}) — restore it from a backup or point DB_PATH / "
                "DATABASE_URL elsewhere"
            ) from exc

    def _operational_error(self, exc: OperationalError) -> StorageError:
        """The one-line error of a failure of the server or of the connection to it."""
        where, why = self.describe(), _first_line(exc)
        if exc.connection_invalidated:
            return ConnectionLostError(
                f"lost the connection to the database at {where}: {why} (what was saved "
                "before is kept; run the command again to continue)"
            )
        if statement_timed_out(exc) and (limit := self.settings.db_statement_timeout):
            return StorageError(
                f"a statement ran longer than DB_STATEMENT_TIMEOUT ({limit:g}s) on {where}: "
                f"{why} (raise DB_STATEMENT_TIMEOUT, or 0 for no limit)"
            )
        return StorageError(
            f"cannot use the database at {where}: {why} "
            "(check DATABASE_URL / DB_* settings and that the server is running)"
        )


def _first_line(exc: BaseException) -> str:
    text = str(getattr(exc, "orig", None) or exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__
