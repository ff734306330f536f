"""The Telethon source (a user account, full fidelity) — the one module importing Telethon.

It resolves channels, walks their posts oldest first (``telegram_walk``), reads comments
from the linked discussion group (``telegram_comments``), logs in (``telegram login``),
and turns Telethon's exceptions into tg-parser's by exception type. The session file is
private and held by one process at a time (``telegram_session``).
"""

from __future__ import annotations

import functools
import inspect
from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

import structlog
from telethon import TelegramClient, errors
from telethon.sessions import StringSession
from telethon.tl import types
from telethon.tl.functions.channels import GetFullChannelRequest

from tg_parser.config import Settings
from tg_parser.errors import (
    ConfigError,
    InputError,
    RateLimitedError,
    RetryableSourceError,
    SourceError,
    SourceUnavailableError,
)
from tg_parser.models import Source, numeric_channel_key
from tg_parser.sources.base import Batch, ChannelInfo, Window
from tg_parser.sources.telegram_comments import CommentReader
from tg_parser.sources.telegram_session import (
    SessionLock,
    create_private,
    session_path,
    telegram_configured,
)
from tg_parser.sources.telegram_walk import PostWalk

log = structlog.get_logger(__name__)

# the session a client opens: a session file, or a session string ("" = a new one)
SessionSpec = Path | str
ClientFactory = Callable[[Settings, SessionSpec], Any]

NO_SESSION = (
    "no authorised Telegram session: run `tg-parser telegram login` or set TELEGRAM_SESSION_STRING"
)
NO_API_KEYS = (
    "TELEGRAM_API_ID and TELEGRAM_API_HASH are not set: get them at my.telegram.org and "
    "set them in the environment or .env"
)
# permanent: retrying will not help until the user acts
_UNAVAILABLE: tuple[type[BaseException], ...] = (
    errors.ChannelPrivateError,
    errors.ChannelInvalidError,
    errors.ChannelPublicGroupNaError,
    errors.UsernameNotOccupiedError,
    errors.UsernameInvalidError,
    errors.InviteHashExpiredError,
    errors.InviteHashInvalidError,
    errors.PeerIdInvalidError,
    errors.AuthKeyError,
    errors.UnauthorizedError,  # AuthKeyUnregistered, UserDeactivated, SessionRevoked, …
    errors.ForbiddenError,
    errors.BadRequestError,
    ValueError,  # Telethon: "Could not find the input entity for …"
)
# temporary: network, timeouts, Telegram's server errors
_RETRYABLE: tuple[type[BaseException], ...] = (
    ConnectionError,
    TimeoutError,
    errors.ServerError,  # RpcCallFailError and other 5xx
    errors.TimedOutError,
    errors.RPCError,
)


def default_client(settings: Settings, session: SessionSpec) -> Any:
    """A real Telethon client on a session file or a session string."""
    assert settings.telegram_api_id is not None and settings.telegram_api_hash is not None
    return TelegramClient(
        StringSession(session) if isinstance(session, str) else str(session),
        settings.telegram_api_id,
        settings.telegram_api_hash.get_secret_value(),
        proxy=proxy_of(settings.telegram_proxy),
        flood_sleep_threshold=settings.telegram_flood_sleep_threshold,
    )


def proxy_of(url: str | None) -> dict[str, Any] | None:
    """``socks5://user:pass@host:1080`` → the proxy dict Telethon (python-socks) takes."""
    if not url:
        return None
    parts = urlsplit(url)
    if not parts.hostname or not parts.port:
        raise ConfigError(f"TELEGRAM_PROXY {url!r} needs a host and port: socks5://host:1080")
    proxy: dict[str, Any] = {"proxy_type": parts.scheme, "addr": parts.hostname}
    proxy |= {"port": parts.port, "rdns": True}
    if parts.username:
        proxy |= {"username": unquote(parts.username), "password": unquote(parts.password or "")}
    return proxy


def classify(exc: BaseException, channel: str, max_wait: int) -> SourceError:
    """A Telethon (or network) exception as tg-parser's error, decided by its type."""
    name = type(exc).__name__
    if isinstance(exc, errors.FloodWaitError | errors.FloodError):
        seconds = min(int(getattr(exc, "seconds", 0) or max_wait), max_wait)
        return RateLimitedError(
            f"Telegram asks to wait {seconds}s before reading {channel}", seconds
        )
    if isinstance(exc, _UNAVAILABLE):
        return SourceUnavailableError(
            f"Telegram refuses {channel} ({name}): check that this account can open it, "
            f"then `tg-parser sources resume {channel}`"
        )
    if isinstance(exc, _RETRYABLE):
        return RetryableSourceError(
            f"reading {channel} from Telegram failed ({name}); retrying later"
        )
    raise exc


@dataclass
class _Channel:
    """A resolved channel: what to pass to the client, and its discussion group."""

    entity: Any
    bare_id: int
    group: Any | None
    info: ChannelInfo


class TelegramSource:
    """The LiveSource for ``via = "telegram"``."""

    via = "telegram"

    def __init__(self, settings: Settings, client_factory: ClientFactory | None = None) -> None:
        self.settings = settings
        self.client_factory = client_factory or default_client
        self._client: Any | None = None
        self._lock: SessionLock | None = None
        self._channels: dict[int, _Channel] = {}

    async def describe(self, source: Source) -> ChannelInfo:
        channel = await self._channel(source)
        return channel.info

    async def resolve(self, reference: str) -> ChannelInfo:
        """A channel from a username, t.me link, invite link or ``-100…`` id."""
        text = reference.strip()
        target: str | int = int(text) if text.lstrip("-").isdigit() else text
        client = await self.client()
        with self._errors(text):
            return (await self._full(client, await client.get_entity(target))).info

    async def collect(
        self, source: Source, window: Window, comment_cursors: dict[int, int]
    ) -> AsyncIterator[Batch]:
        client = await self.client()
        key = source.channel_key
        with self._errors(key):
            channel = await self._channel(source)
            walk = PostWalk(client, channel.entity, source, window, self._lookback)
            async for batch in walk.batches():
                yield batch
            if not source.include_comments:
                return
            reader = CommentReader(client, channel.bare_id, source, window, comment_cursors)
            if channel.group is not None:
                comments = reader.from_group(channel.group)
            else:
                read = functools.partial(self._thread, client, channel.entity)
                comments = reader.per_post(walk.threads, read)
            async for batch in comments:
                yield batch

    async def close(self) -> None:
        if self._client is not None:
            await self._client.disconnect()
            self._client = None
        if self._lock is not None:
            self._lock.release()
            self._lock = None

    @property
    def _lookback(self) -> int:
        return self.settings.telegram_edit_lookback_posts

    async def client(self) -> Any:
        """The connected, authorised client (the session file locked while it is open)."""
        if self._client is not None:
            return self._client
        settings = self.settings
        if settings.telegram_api_id is None or settings.telegram_api_hash is None:
            raise ConfigError(NO_API_KEYS)
        if not telegram_configured(settings):
            raise ConfigError(NO_SESSION)
        session = self._session()
        client = self.client_factory(settings, session)
        client.flood_sleep_threshold = settings.telegram_flood_sleep_threshold
        with self._errors("Telegram"):
            await client.connect()
            authorised = await client.is_user_authorized()
        self._client = client
        if not authorised:
            await self.close()
            raise ConfigError(NO_SESSION)
        return client

    def _session(self) -> SessionSpec:
        string = self.settings.telegram_session_string
        if string is not None:
            return string.get_secret_value()
        path = session_path(self.settings.telegram_session_file)
        self._lock = open_session_file(path)
        return path

    async def _channel(self, source: Source) -> _Channel:
        if source.id not in self._channels:
            client = await self.client()
            with self._errors(source.channel_key):
                self._channels[source.id] = await self._full(client, _peer(source))
        return self._channels[source.id]

    async def _full(self, client: Any, entity: Any) -> _Channel:
        """The channel's details and linked group from one GetFullChannelRequest."""
        if isinstance(entity, str | int):
            entity = await client.get_entity(entity)
        if isinstance(entity, types.User | types.Chat):
            raise SourceUnavailableError(f"{_name(entity)} is not a channel: add a channel")
        full = await client(GetFullChannelRequest(entity))
        chats = {chat.id: chat for chat in full.chats}
        chat = chats[full.full_chat.id]
        linked = full.full_chat.linked_chat_id
        group = chats.get(linked) if linked else None
        info = ChannelInfo(
            title=chat.title,
            username=chat.username.lower() if chat.username else None,
            numeric_id=int(numeric_channel_key(chat.id)),
            description=full.full_chat.about or None,
            subscribers=full.full_chat.participants_count,
            discussion_group_id=int(numeric_channel_key(linked)) if linked else None,
            access_hash=chat.access_hash,
        )
        readable = group if isinstance(group, types.Channel) else None
        return _Channel(entity, chat.id, readable, info)

    async def _thread(self, client: Any, entity: Any, post: int, after: int) -> AsyncIterator[Any]:
        """One post's comments (GetReplies); a post without a thread yields nothing."""
        try:
            async for message in client.iter_messages(
                entity, reply_to=post, reverse=True, min_id=after
            ):
                yield message
        except errors.MsgIdInvalidError:
            log.info("telegram_thread_missing", post_id=post)

    @contextmanager
    def _errors(self, channel: str) -> Iterator[None]:
        try:
            yield
        except (errors.RPCError, ConnectionError, TimeoutError, ValueError) as exc:
            raise classify(exc, channel, self.settings.telegram_max_flood_wait) from exc


def open_session_file(path: Path) -> SessionLock:
    """Lock the session file for this process and make sure it is private (0600)."""
    lock = SessionLock(path)
    lock.acquire()
    create_private(path)
    return lock


def _peer(source: Source) -> Any:
    """The input peer from the stored id + access hash, else what to resolve."""
    if source.numeric_id is not None and source.access_hash is not None:
        bare = int(str(source.numeric_id).removeprefix("-100"))
        return types.InputPeerChannel(channel_id=bare, access_hash=source.access_hash)
    if source.username:
        return source.username
    return int(source.channel_key) if source.channel_key.startswith("-") else source.channel_key


def _name(entity: Any) -> str:
    return getattr(entity, "username", None) or getattr(entity, "title", None) or str(entity.id)


# --- login ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class LoginPrompts:
    """How to ask the user for the phone number, the login code and the 2FA password."""

    phone: Callable[[], str]
    code: Callable[[], str]
    password: Callable[[], str]


@dataclass(frozen=True)
class LoginResult:
    name: str
    username: str | None
    session_file: Path | None = None
    session_string: str | None = None


async def login(
    settings: Settings,
    prompts: LoginPrompts,
    *,
    print_session: bool = False,
    client_factory: ClientFactory | None = None,
) -> LoginResult:
    """Sign in interactively; keep the session in the session file, or return it as a string."""
    if settings.telegram_api_id is None or settings.telegram_api_hash is None:
        raise ConfigError(NO_API_KEYS)
    path = None if print_session else session_path(settings.telegram_session_file)
    lock = open_session_file(path) if path is not None else None
    client = (client_factory or default_client)(settings, path if path is not None else "")
    try:
        with _login_errors():
            await client.start(
                phone=settings.telegram_phone or prompts.phone,
                code_callback=prompts.code,
                password=prompts.password,
            )
            me = await client.get_me()
            string = client.session.save() if print_session else None
        await client.disconnect()
    finally:
        if lock is not None:
            lock.release()
    name = " ".join(part for part in (me.first_name, me.last_name) if part) or str(me.id)
    log.info("telegram_login", user_id=me.id, session="string" if print_session else "file")
    return LoginResult(name, me.username, session_file=path, session_string=string)


@contextmanager
def _login_errors() -> Iterator[None]:
    try:
        yield
    except (errors.PhoneCodeInvalidError, errors.PhoneCodeExpiredError) as exc:
        raise InputError(
            "the login code was wrong or expired: run `tg-parser telegram login` again"
        ) from exc
    except errors.PasswordHashInvalidError as exc:
        raise InputError(
            "the 2FA password was wrong: run `tg-parser telegram login` again"
        ) from exc
    except errors.PhoneNumberInvalidError as exc:
        raise InputError(
            "Telegram does not accept this phone number: use +<country><number>"
        ) from exc
    except (errors.RPCError, ConnectionError, TimeoutError) as exc:
        raise classify(exc, "the login", 0) from exc


# --- Telethon objects from saved to_dict() dumps (for testing.FakeTelegramClient) ---------


def tl_object(data: Any) -> Any:
    """Rebuild a Telethon object (recursively) from its ``to_dict()`` form.

    ``"_"`` names the type (``"messages.ChatFull"`` for namespaced ones); dates may be ISO
    text; byte fields may be lists of ints; types and fields this Telethon version does not
    know are dropped and required fields missing from the dump are None.
    """
    if isinstance(data, list):
        return [tl_object(item) for item in data]
    if not isinstance(data, dict) or "_" not in data:
        return data
    cls = _tl_type(data["_"])
    if cls is None:
        return None
    params = _parameters(cls)
    values = {name: _field(name, data.get(name)) for name in params}
    return cls(**values)


def _tl_type(name: str) -> Any:
    """The Telethon class of a ``to_dict()`` name; None for types of older layers."""
    try:
        return functools.reduce(getattr, name.split("."), types)
    except AttributeError:
        return None


@functools.cache
def _parameters(cls: type) -> tuple[str, ...]:
    named = (inspect.Parameter.POSITIONAL_OR_KEYWORD, inspect.Parameter.KEYWORD_ONLY)
    parameters = inspect.signature(cls).parameters.values()
    return tuple(p.name for p in parameters if p.kind in named and p.name != "self")


def _field(name: str, value: Any) -> Any:
    if isinstance(value, str) and name.endswith("date"):
        return datetime.fromisoformat(value)
    if isinstance(value, list) and name in ("file_reference", "bytes"):
        return bytes(value)
    return tl_object(value)


def telethon_error(name: str, seconds: int | None = None) -> Exception:
    """A Telethon RPC error by class name (``FloodWaitError`` takes ``seconds``)."""
    cls = getattr(errors, name)
    error: Exception = cls(None) if seconds is None else cls(None, capture=seconds)
    return error
