"""A Telethon client over messages rebuilt from real `Message.to_dict()` dumps, with
Telegram's paging semantics and scripted errors."""

from __future__ import annotations

import asyncio
import re
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from tg_parser.sources.telegram import telethon_error, tl_object

TELETHON_CHUNK = 100  # messages Telegram returns per history request
_INVITE = re.compile(r"(?:https?://)?(?:t\.me/)?(?:\+|joinchat/)([\w-]+)$")


@dataclass
class FakeChat:
    """A channel or discussion group of :class:`FakeTelegramClient`; ``messages`` hold the
    ``to_dict()`` form (as in the saved dumps), rebuilt into Telethon objects when stored
    (as a server holds them: building them is not the client's work).

    ``forbidden``: the account cannot read it (Telegram lists it as ``ChannelForbidden``;
    reading its history raises ChannelPrivateError).
    """

    id: int  # bare channel id, as Telethon's Channel.id
    title: str
    username: str | None = None
    access_hash: int = 0
    megagroup: bool = False
    about: str | None = None
    participants: int | None = None
    invite_hash: str | None = None
    forbidden: bool = False
    linked: FakeChat | None = None
    messages: dict[int, dict[str, Any]] = field(default_factory=dict)
    objects: dict[int, Any] = field(default_factory=dict)

    def add(self, messages: list[dict[str, Any]]) -> None:
        self.messages |= {message["id"]: dict(message) for message in messages}
        self.objects |= {message["id"]: tl_object(message) for message in messages}

    def edit(self, message_id: int, text: str, edit_date: datetime) -> None:
        self.messages[message_id] |= {"message": text, "edit_date": edit_date.isoformat()}
        self.objects[message_id] = tl_object(self.messages[message_id])

    def entity(self) -> dict[str, Any]:
        kind = "ChannelForbidden" if self.forbidden else "Channel"
        return {
            "_": kind,
            "id": self.id,
            "title": self.title,
            "username": self.username,
            "access_hash": self.access_hash,
            "broadcast": not self.megagroup,
            "megagroup": self.megagroup,
            "photo": {"_": "ChatPhotoEmpty"},
            "date": "2020-01-01T00:00:00+00:00",
        }


@dataclass
class _Failure:
    error: BaseException
    after: int  # fires on a request once this many requests were made
    chat: int | None
    reply_to: int | None
    times: int


class FakeTelegramClient:
    """A Telethon ``TelegramClient`` stand-in with Telegram's real semantics for the calls
    tg-parser makes: ``iter_messages`` (newest first unless ``reverse``; ``min_id``,
    ``max_id``, ``offset_id``, ``offset_date``, ``limit``, ``reply_to``; 100 messages per
    request), ``get_messages(ids=…)``, ``get_entity``, ``GetFullChannelRequest``,
    ``connect``/``disconnect``/``is_user_authorized``, ``start`` and ``get_me``.

    ``requests`` names every server request made (``history``, ``replies``,
    ``get_messages``, ``resolve``, ``full_channel``); ``latency`` delays each one. Errors
    are scripted with :meth:`fail`; a FloodWait up to ``flood_sleep_threshold`` seconds is
    absorbed as Telethon does (recorded in ``slept``, then the request is repeated).
    Use :meth:`factory` as ``TelegramSource(settings, client_factory=fake.factory)``.
    """

    def __init__(
        self,
        *,
        latency: float = 0.0,
        authorized: bool = True,
        code: str = "12345",
        password: str | None = None,
        user: tuple[int, str, str | None] = (777000, "Test User", "test_user"),
    ) -> None:
        self.latency = latency
        self.authorized = authorized
        self.code, self.password, self.user = code, password, user
        self.flood_sleep_threshold = 60
        self.chats: dict[int, FakeChat] = {}
        self.requests: list[str] = []
        self.slept: list[int] = []
        self.sessions: list[Any] = []
        self.phones: list[str] = []
        self.connected = False
        self._failures: list[_Failure] = []

    # --- set-up ---

    def add_chat(self, messages: list[dict[str, Any]], **details: Any) -> FakeChat:
        chat = FakeChat(**details)
        chat.add(messages)
        self.chats[chat.id] = chat
        return chat

    def fail(
        self,
        error: BaseException,
        *,
        after: int = 0,
        chat: int | None = None,
        reply_to: int | None = None,
        times: int = 1,
    ) -> None:
        """Raise ``error`` on the first matching request once ``after`` requests were made."""
        self._failures.append(_Failure(error, after, chat, reply_to, times))

    def factory(self, settings: Any, session: Any) -> FakeTelegramClient:
        self.sessions.append(session)
        return self

    def count(self, kind: str) -> int:
        return self.requests.count(kind)

    # --- the client calls ---

    async def connect(self) -> None:
        self.connected = True

    async def disconnect(self) -> None:
        self.connected = False

    async def is_user_authorized(self) -> bool:
        return self.authorized

    async def start(
        self, phone: Any, password: Any, *, code_callback: Any, max_attempts: int = 3
    ) -> FakeTelegramClient:
        await self.connect()
        if self.authorized:
            return self
        self.phones.append(phone() if callable(phone) else phone)
        if not _answered(code_callback, self.code, max_attempts):
            raise telethon_error("PhoneCodeInvalidError")
        if self.password is not None and not _answered(password, self.password, max_attempts):
            raise telethon_error("PasswordHashInvalidError")
        self.authorized = True
        return self

    async def get_me(self) -> Any:
        user_id, name, username = self.user
        return tl_object({"_": "User", "id": user_id, "first_name": name, "username": username})

    @property
    def session(self) -> Any:
        return _FakeStringSession(self.user[0] if self.authorized else 0)

    async def get_entity(self, reference: str | int) -> Any:
        await self._request("resolve", None)
        chat = self._resolve(reference)
        return tl_object(chat.entity())

    async def __call__(self, request: Any) -> Any:
        if type(request).__name__ != "GetFullChannelRequest":
            raise TypeError(f"FakeTelegramClient does not implement {type(request).__name__}")
        chat = self._chat_of(request.channel, reading=False)
        await self._request("full_channel", chat.id)
        linked = chat.linked
        full = {
            "_": "messages.ChatFull",
            "full_chat": {
                "_": "ChannelFull",
                "id": chat.id,
                "about": chat.about or "",
                "participants_count": chat.participants,
                "linked_chat_id": linked.id if linked else None,
            },
            "chats": [chat.entity()] + ([linked.entity()] if linked else []),
            "users": [],
        }
        return tl_object(full)

    async def get_messages(self, entity: Any, ids: list[int]) -> list[Any]:
        chat = self._chat_of(entity)
        await self._request("get_messages", chat.id)
        return [tl_object(chat.messages[i]) if i in chat.messages else None for i in ids]

    def iter_messages(
        self,
        entity: Any,
        limit: int | None = None,
        *,
        offset_date: datetime | None = None,
        offset_id: int = 0,
        max_id: int = 0,
        min_id: int = 0,
        reverse: bool = False,
        reply_to: int | None = None,
    ) -> Any:
        return self._iterate(
            entity, limit, offset_date, offset_id, max_id, min_id, reverse, reply_to
        )

    # --- semantics ---

    async def _iterate(
        self,
        entity: Any,
        limit: int | None,
        offset_date: datetime | None,
        offset_id: int,
        max_id: int,
        min_id: int,
        reverse: bool,
        reply_to: int | None,
    ) -> Any:
        chat = self._chat_of(entity, reading=reply_to is None)
        owner = chat.linked if reply_to is not None and chat.linked else chat
        pool = (
            self._thread(chat, reply_to) if reply_to is not None else list(chat.messages.values())
        )
        if reverse:  # Telethon: min_id becomes the offset; offset_id wins over offset_date
            offset = max(offset_id, min_id)
            chosen = [
                m
                for m in pool
                if m["id"] > offset
                and (not max_id or m["id"] < max_id)
                and (offset or offset_date is None or _when(m) > offset_date)
            ]
            chosen.sort(key=lambda m: m["id"])
        else:
            offset = max(offset_id, max_id)
            chosen = [
                m
                for m in pool
                if (not offset or m["id"] < offset)
                and m["id"] > min_id
                and (offset_date is None or _when(m) < offset_date)
            ]
            chosen.sort(key=lambda m: -m["id"])
        left = len(chosen) + 1 if limit is None else limit
        position = 0
        while left > 0:
            size = min(left, TELETHON_CHUNK)
            await self._request("replies" if reply_to is not None else "history", chat.id, reply_to)
            chunk = chosen[position : position + size]
            for message in chunk:
                yield owner.objects[message["id"]]
            position, left = position + len(chunk), left - len(chunk)
            if len(chunk) < size:
                return

    def _thread(self, chat: FakeChat, post: int) -> list[dict[str, Any]]:
        """GetReplies: the comments of ``post`` in the linked group (MsgIdInvalid if none)."""
        group = chat.linked
        copy = next(
            (
                m["id"]
                for m in (group.messages.values() if group else [])
                if (m.get("fwd_from") or {}).get("channel_post") == post
            ),
            None,
        )
        if group is None or copy is None:
            raise telethon_error("MsgIdInvalidError")
        return [m for m in group.messages.values() if _top(m) == copy]

    async def _request(self, kind: str, chat: int | None, reply_to: int | None = None) -> None:
        while True:
            self.requests.append(kind)
            if self.latency:
                await asyncio.sleep(self.latency)
            error = self._scripted(chat, reply_to)
            if error is None:
                return
            seconds: int = getattr(error, "seconds", 0)
            if type(error).__name__ != "FloodWaitError" or seconds > self.flood_sleep_threshold:
                raise error
            self.slept.append(seconds)  # Telethon sleeps, then repeats the request

    def _scripted(self, chat: int | None, reply_to: int | None) -> BaseException | None:
        for failure in self._failures:
            if (
                failure.times > 0
                and len(self.requests) > failure.after
                and failure.chat in (None, chat)
                and failure.reply_to in (None, reply_to)
            ):
                failure.times -= 1
                return failure.error
        return None

    def _resolve(self, reference: str | int) -> FakeChat:
        if isinstance(reference, int):
            bare = int(str(reference).removeprefix("-100"))
            if bare not in self.chats:
                raise ValueError(f"Could not find the input entity for PeerChannel({bare})")
            return self.chats[bare]
        invite = _INVITE.match(reference.strip())
        if invite:
            found = [c for c in self.chats.values() if c.invite_hash == invite.group(1)]
            if not found:
                raise telethon_error("InviteHashExpiredError")
            return found[0]
        name = reference.strip().rstrip("/").rsplit("/", 1)[-1].lstrip("@").lower()
        for chat in self.chats.values():
            if (chat.username or "").lower() == name:
                return chat
        raise telethon_error("UsernameNotOccupiedError")

    def _chat_of(self, entity: Any, *, reading: bool = True) -> FakeChat:
        bare = getattr(entity, "channel_id", None) or entity.id
        chat = self.chats.get(bare)
        if chat is None or getattr(entity, "access_hash", chat.access_hash) != chat.access_hash:
            raise telethon_error("ChannelInvalidError")
        if chat.forbidden and reading:
            raise telethon_error("ChannelPrivateError")
        return chat


@dataclass(frozen=True)
class _FakeStringSession:
    user_id: int

    def save(self) -> str:
        return f"1FakeSessionString-user{self.user_id}"


def _answered(prompt: Any, expected: str, attempts: int) -> bool:
    """Ask up to ``attempts`` times, as Telethon's ``start`` does."""
    return any(
        str(prompt() if callable(prompt) else prompt).strip() == expected for _ in range(attempts)
    )


def _when(message: dict[str, Any]) -> datetime:
    return datetime.fromisoformat(str(message["date"]))


def _top(message: dict[str, Any]) -> int | None:
    header = message.get("reply_to") or {}
    return header.get("reply_to_top_id") or header.get("reply_to_msg_id")
