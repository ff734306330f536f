"""Text and small values out of the nodes of a t.me web page (selectolax).

Text keeps its line breaks (``<br>`` → ``\\n``) and its links readable: a link whose text
differs from its target becomes ``label (href)``, the form the export import uses too.
"""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation
from typing import Any

from selectolax.lexbor import LexborNode

_SPACES = re.compile(r"[ \t\n\r\f]+")
_BLOCK_BREAK = "\ue000"  # a line break that blocks add, merged with its neighbours
_BLOCK_BREAKS = re.compile("\ue000[\ue000 ]*")
_KEPT_SPACE = "\ue001"  # a space inside <pre>, safe from collapsing
_INVISIBLE = " \u200b\u200c\u200d\u2060\ufeff"
_BLOCKS = frozenset({"div", "p", "blockquote", "pre", "li", "ul", "ol"})
_MULTIPLIERS = {"": 1, "K": 1_000, "M": 1_000_000, "B": 1_000_000_000}
# blocks whose content belongs to another message (a quoted reply, the reply template)
FOREIGN = ("tgme_widget_message_reply", "tgme_widget_message_reply_template")


# --- small readers -----------------------------------------------------------------------


def parse_count(value: str | None) -> int | None:
    """``"1.2K"`` → 1200, ``"3.4M"`` → 3400000, ``"217 094"`` → 217094; None when unreadable."""
    if not value:
        return None
    text = value.strip().replace("\xa0", "").replace(" ", "").replace(",", "")
    suffix = text[-1:].upper() if text[-1:].upper() in _MULTIPLIERS else ""
    number = text[: len(text) - len(suffix)]
    try:
        amount = Decimal(number) * _MULTIPLIERS[suffix]
    except InvalidOperation:
        return None
    return int(amount) if amount.is_finite() and amount >= 0 else None


def parse_duration(value: str | None) -> int | None:
    """``"1:09"`` → 69, ``"1:02:03"`` → 3723 seconds; None when unreadable."""
    parts = (value or "").strip().split(":")
    if not all(part.isascii() and part.isdigit() for part in parts):
        return None
    seconds = 0
    for part in parts:
        seconds = seconds * 60 + int(part)
    return seconds


def has_class(node: LexborNode, name: str) -> bool:
    return name in (node.attributes.get("class") or "").split()


def inside(node: LexborNode, stop: LexborNode, classes: tuple[str, ...]) -> bool:
    """Whether ``node`` sits in an element with one of ``classes`` below ``stop``."""
    parent = node.parent
    while parent is not None and parent.mem_id != stop.mem_id:
        if any(has_class(parent, name) for name in classes):
            return True
        parent = parent.parent
    return False


def own(scope: LexborNode, selector: str) -> list[LexborNode]:
    """Matches of ``selector`` in ``scope`` that belong to this message (not to a quote)."""
    return [node for node in scope.css(selector) if not inside(node, scope, FOREIGN)]


def first_text(scope: LexborNode, selector: str) -> str | None:
    nodes = own(scope, selector)
    text = render_text(nodes[0]) if nodes else ""
    return text or None


def attribute(node: LexborNode | None, name: str) -> str | None:
    value = node.attributes.get(name) if node is not None else None
    return value or None


# --- text --------------------------------------------------------------------------------


def render_text(node: LexborNode) -> str:
    """The readable text of an element: line breaks kept, links kept, spaces collapsed.

    Whitespace is collapsed as a browser would, except inside ``<pre>``; block elements
    start and end a line.
    """
    pieces: list[str] = []
    stack: list[tuple[LexborNode, bool] | str] = [(node, False)]
    while stack:
        item = stack.pop()
        if isinstance(item, str):
            pieces.append(item)
            continue
        element, pre = item
        if element.is_text_node:
            pieces.append(_spaced(element.text_content or "", pre))
        elif element.tag == "br":
            pieces.append("\n")
        elif element.tag == "a" and element.mem_id != node.mem_id:
            pieces.append(_link_text(element))
        elif element.is_element_node:
            stack.extend(_opened(element, pre or element.tag == "pre"))
    return _tidy("".join(pieces))


def _spaced(text: str, pre: bool) -> str:
    return text.replace(" ", _KEPT_SPACE) if pre else _SPACES.sub(" ", text)


def _opened(element: LexborNode, pre: bool) -> list[tuple[LexborNode, bool] | str]:
    """An element's children, last first (for the stack), framed by breaks for blocks."""
    children: list[tuple[LexborNode, bool] | str] = [
        (child, pre) for child in element.iter(include_text=True)
    ]
    if element.tag in _BLOCKS:
        children = [_BLOCK_BREAK, *children, _BLOCK_BREAK]
    return children[::-1]


def _tidy(text: str) -> str:
    """One break between blocks, no spaces at line ends, kept ``<pre>`` spaces restored."""
    text = _BLOCK_BREAKS.sub(_BLOCK_BREAK, text)
    text = text.replace("\n" + _BLOCK_BREAK, "\n").replace(_BLOCK_BREAK + "\n", "\n")
    lines = [line.strip(" ") for line in text.replace(_BLOCK_BREAK, "\n").split("\n")]
    return "\n".join(lines).strip("\n").replace(_KEPT_SPACE, " ")


def _link_text(link: LexborNode) -> str:
    label = render_text(link)
    href = (link.attributes.get("href") or "").strip()
    if not href.startswith(("http://", "https://")) or label.startswith(("#", "@", "/")):
        return label
    if not label.strip(_INVISIBLE):
        return ""  # a hidden link (Telegram's trick to force a preview): the preview has it
    if _bare(href) == _bare(label):
        return label
    if label.endswith("…") and _bare(href).startswith(_bare(label[:-1])):
        return href
    return f"{label} ({href})"


def _bare(url: str) -> str:
    for prefix in ("https://", "http://", "www."):
        url = url.removeprefix(prefix)
    return url.rstrip("/")


def compact(item: dict[str, Any]) -> dict[str, Any]:
    return {key: value for key, value in item.items() if value is not None}
