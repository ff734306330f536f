"""Telegram Desktop exports (``result.json``): find the file, list its chats, stream messages.

The file is never loaded whole: ijson (its C backend when installed) streams one message
at a time, so memory stays flat however large the export. A single-chat export is an
object with ``name``/``type``/``id``/``messages``; a full-account export holds its chats
under ``chats.list`` (and ``left_chats.list``).

Nesting is checked before parsing: the parser keeps the path to every open array or
object, so a crafted file of nothing but ``[[[[…`` would take memory growing with the
square of its depth (gigabytes for a few hundred kilobytes) and, once built, overflow the
stack of whatever walks it. Telegram's own exports nest about ten levels at most
(full-account export → chat → message → reactions → recent reactors), so anything deeper
than ``MAX_NESTING`` is refused before it is built: the messages are streamed by ijson's C
parser after a scan of the bytes (``json_depth``), and the chat listing, which walks
parse events in Python anyway, counts the depth as it goes, reading small pieces.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

import ijson

from tg_parser.errors import ChatNotFoundError, ExportFormatError, InputError
from tg_parser.models import numeric_channel_key
from tg_parser.sources.desktop_messages import without_nul
from tg_parser.sources.json_depth import nests_deeper

RESULT_FILE = "result.json"
SECTIONS = ("chats", "left_chats")
MAX_NESTING = 20
# bytes per read: the parser sees a whole read before the nesting check does, so a read
# can add at most this many levels; it bounds the memory a crafted file can take
READ_BYTES = 1024
_CHAT_FIELDS = ("id", "name", "type")
_OPENING = frozenset({"start_map", "start_array"})
_CLOSING = frozenset({"end_map", "end_array"})


@dataclass(frozen=True)
class ExportChat:
    """One chat of an export; ``section`` is empty for a single-chat export."""

    id: int
    name: str | None = None
    type: str | None = None
    section: str = ""
    index: int = 0

    @property
    def messages_prefix(self) -> str:
        return f"{self.section}.list.item.messages.item" if self.section else "messages.item"

    def matches(self, wanted: str) -> bool:
        text = wanted.strip()
        ids = {str(self.id), numeric_channel_key(self.id)}
        return text in ids or (self.name or "").casefold() == text.casefold()

    def to_json_dict(self) -> dict[str, Any]:
        data = {"id": self.id, "name": self.name, "type": self.type}
        return {key: value for key, value in data.items() if value is not None}


class ExportFile:
    """A readable export file; ``bytes_read`` tells how far the current pass has got."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.size = path.stat().st_size
        self._handle: IO[bytes] | None = None

    @classmethod
    def open(cls, path: Path) -> ExportFile:
        if path.is_dir():
            path = path / RESULT_FILE
        if not path.is_file():
            problem = "is not a regular file" if path.exists() else "does not exist"
            raise InputError(f"{path} {problem}: give a result.json or the export's folder")
        return cls(path)

    @property
    def bytes_read(self) -> int:
        handle = self._handle
        return self.size if handle is None or handle.closed else handle.tell()

    def chats(self) -> list[ExportChat]:
        """Every chat in the file (one for a single-chat export), read without the messages."""
        chats: list[ExportChat] = []
        for kind, chat in self._scan():
            if kind == "single":
                return [chat]
            chats.append(chat)
        return chats

    def choose(self, wanted: str | None) -> ExportChat:
        chats = self.chats()
        if not chats:
            raise InputError(
                f"{self.path} holds no chats: export at least one chat from Telegram Desktop"
            )
        if wanted is None:
            if len(chats) != 1:
                raise InputError(
                    f"{self.path} holds {len(chats)} chats: pass --chat NAME_OR_ID "
                    "(see them with --list-chats)"
                )
            return chats[0]
        found = [chat for chat in chats if chat.matches(wanted)]
        if not found:
            raise ChatNotFoundError(
                f"no chat {wanted!r} in {self.path}: see the chats with --list-chats"
            )
        if len(found) > 1:
            raise InputError(f"several chats are named {wanted!r}: pass --chat with the chat's id")
        return found[0]

    def messages(self, chat: ExportChat) -> Iterator[dict[str, Any]]:
        """The chat's message objects, one at a time, in file order."""
        with self._reading() as handle:
            if chat.section:
                events = _chat_events(self._events(handle), chat)
                items = ijson.items(events, chat.messages_prefix)
            else:
                self._check_nesting(handle)
                items = self._guarded(
                    handle, ijson.items(handle, chat.messages_prefix, use_float=True)
                )
            for item in items:
                if not isinstance(item, dict):
                    raise self._damaged(handle, "a message that is not an object")
                yield item

    def _scan(self) -> Iterator[tuple[str, ExportChat]]:
        """Yield ("single", chat) for a single-chat export, else ("chat", chat) per chat."""
        with self._reading() as handle:
            events = self._events(handle)
            top: dict[str, Any] = {}
            current: dict[str, Any] = {}
            counts = dict.fromkeys(SECTIONS, 0)
            has_messages = has_chats = False
            for prefix, event, value in events:
                if prefix == "" and event not in ("start_map", "map_key", "end_map"):
                    raise self._not_export()
                if prefix in _CHAT_FIELDS and event not in ("start_map", "start_array"):
                    top[prefix] = value
                elif prefix == "messages" and event == "start_array":
                    has_messages = True
                elif prefix in SECTIONS:
                    has_chats = True
                section, inside, rest = prefix.partition(".list.item")
                if section in SECTIONS and inside:
                    if rest == "" and event == "start_map":
                        current = {}
                    elif rest[1:] in _CHAT_FIELDS and event not in ("start_map", "start_array"):
                        current[rest[1:]] = value
                    elif rest == "" and event == "end_map":
                        yield "chat", self._chat(current, section, counts[section])
                        counts[section] += 1
                if has_messages and "id" in top:
                    yield "single", self._chat(top, "", 0)
                    return
            if has_messages:
                yield "single", self._chat(top, "", 0)
            elif not has_chats:
                raise self._not_export()

    def _chat(self, fields: dict[str, Any], section: str, index: int) -> ExportChat:
        chat_id = fields.get("id")
        if not isinstance(chat_id, int) or isinstance(chat_id, bool):
            raise ExportFormatError(
                f"{self.path}: a chat has no numeric 'id'; the export is damaged: export it again"
            )
        name, kind = fields.get("name"), fields.get("type")
        return ExportChat(
            id=chat_id,
            name=without_nul(str(name)) if name is not None else None,
            type=str(kind) if kind is not None else None,
            section=section,
            index=index,
        )

    @contextmanager
    def _reading(self) -> Iterator[IO[bytes]]:
        with self.path.open("rb") as handle:
            self._handle = handle
            yield handle

    def _check_nesting(self, handle: IO[bytes]) -> None:
        """Refuse a file nested deeper than ``MAX_NESTING`` (then read it from the start)."""
        if nests_deeper(handle, MAX_NESTING):
            raise self._damaged(
                handle, f"arrays or objects nested deeper than {MAX_NESTING} levels"
            )
        handle.seek(0)

    def _events(self, handle: IO[bytes]) -> Iterator[tuple[str, str, Any]]:
        """ijson's parse events of the file; too deeply nested JSON is an ExportFormatError."""
        events = ijson.parse(handle, buf_size=READ_BYTES, use_float=True)
        yield from self._guarded(handle, self._nesting_checked(handle, events))

    def _guarded(self, handle: IO[bytes], items: Iterator[Any]) -> Iterator[Any]:
        """``items``; unreadable JSON or invalid UTF-8 is an ExportFormatError."""
        try:
            yield from items
        except ijson.JSONError as exc:
            raise ExportFormatError(
                f"{self.path} is not valid JSON near byte {handle.tell()}: {_first_line(exc)}; "
                "export it again"
            ) from exc
        except UnicodeDecodeError as exc:
            raise ExportFormatError(
                f"{self.path} is not valid UTF-8 near byte {handle.tell()} ({exc.reason}: a "
                "damaged character or a lone surrogate); export it again"
            ) from None

    def _nesting_checked(
        self, handle: IO[bytes], events: Iterator[tuple[str, str, Any]]
    ) -> Iterator[tuple[str, str, Any]]:
        depth = 0
        for event in events:
            if event[1] in _OPENING:
                depth += 1
                if depth > MAX_NESTING:
                    raise self._damaged(
                        handle, f"arrays or objects nested deeper than {MAX_NESTING} levels"
                    )
            elif event[1] in _CLOSING:
                depth -= 1
            yield event

    def _not_export(self) -> ExportFormatError:
        return ExportFormatError(
            f"{self.path} is not a Telegram Desktop export (no 'messages' or 'chats' list): "
            "export the chat from Telegram Desktop as JSON"
        )

    def _damaged(self, handle: IO[bytes], what: str) -> ExportFormatError:
        return ExportFormatError(
            f"{self.path} has {what} near byte {handle.tell()}; "
            "the export is damaged: export it again"
        )


def list_chats(path: Path) -> list[ExportChat]:
    return ExportFile.open(path).chats()


def _chat_events(
    events: Iterator[tuple[str, str, Any]], chat: ExportChat
) -> Iterator[tuple[str, str, Any]]:
    """Only the events of one chat's messages inside a full-account export."""
    item = f"{chat.section}.list.item"
    inside = item + ".messages"
    index = -1
    for prefix, event, value in events:
        if prefix == item and event == "start_map":
            index += 1
        elif index == chat.index and prefix.startswith(inside):
            yield prefix, event, value
        elif index == chat.index and prefix == item and event == "end_map":
            return


def _first_line(exc: BaseException) -> str:
    text = str(exc)
    if text.startswith(("b'", 'b"')):
        text = ast.literal_eval(text).decode(errors="replace")
    return text.strip().splitlines()[0] if text.strip() else type(exc).__name__
