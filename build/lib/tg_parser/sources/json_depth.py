"""How deep a JSON file nests, measured on its bytes before anything parses it.

A JSON parser keeps the path to every open array or object, so a crafted file of nothing
but ``[[[[…`` takes memory growing with the square of its depth. Scanning the bytes first
bounds that at the cost of one more read of the file. Inside strings brackets do not
nest: escaped backslashes and quotes are dropped, after which every quote left opens or
closes a string; of the rest only quotes and brackets are kept, and two quotes side by
side are dropped too (which leaves every bracket as inside or outside a string as it was),
so what is left is short: the brackets outside strings, whose running depth
``itertools.accumulate`` sums. Every step runs in C and holds one read; the trailing
backslashes of a read, which may escape the next byte, are carried into the next read.
"""

from __future__ import annotations

from itertools import accumulate
from typing import IO

READ_BYTES = 1 << 20
_NOT_MARKS = bytes(b for b in range(256) if b not in b'[]{}"')
_STEP = {ord("["): 1, ord("{"): 1, ord("]"): -1, ord("}"): -1}


def nests_deeper(handle: IO[bytes], limit: int, read_bytes: int = READ_BYTES) -> bool:
    """Whether the JSON in ``handle``, from where it stands, nests deeper than ``limit``;
    it stops reading at the read where it does."""
    depth, in_string, carry = 0, False, b""
    while chunk := handle.read(read_bytes):
        text, carry = _split_escape(carry + chunk)
        structure, in_string = _structure(text, in_string)
        depth, deepest = _depths(structure, depth)
        if deepest > limit:
            return True
    return False


def _split_escape(text: bytes) -> tuple[bytes, bytes]:
    """``text`` without its escaped backslashes and quotes, and its trailing backslashes
    (kept for the next read, whose first byte they may escape)."""
    kept = text.rstrip(b"\\")
    carry = text[len(kept) :]
    return kept.replace(b"\\\\", b"").replace(b'\\"', b""), carry


def _structure(text: bytes, in_string: bool) -> tuple[bytes, bool]:
    """The brackets of ``text`` outside strings, and whether it ends inside a string."""
    marks = text.translate(None, _NOT_MARKS).replace(b'""', b"")
    parts = marks.split(b'"')
    outside = parts[1::2] if in_string else parts[0::2]
    return b"".join(outside), in_string != (len(parts) % 2 == 0)


def _depths(brackets: bytes, depth: int) -> tuple[int, int]:
    """The depth after the brackets (entered at ``depth``) and the deepest it reached."""
    levels = list(accumulate(map(_STEP.__getitem__, brackets), initial=depth))
    return levels[-1], max(levels)
