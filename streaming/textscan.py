"""Raw-text checks that make a JSON document give the verdict orjson gives its NDJSON line, in C.

ijson's yajl2_c backend differs from orjson in two ways a hostile file can use:

* yajl lets through some invalid UTF-8 (overlong forms, encoded surrogates, code points past U+10FFFF)
  that Python then refuses with a ``UnicodeDecodeError``; bytes that are not UTF-8 outside strings are
  "invalid JSON" to yajl, while orjson checks the whole line first and says ``invalid_utf8``;
* yajl turns a lone surrogate escape (``"\\ud800"`` not followed by a low one, or a lone ``"\\udc00"``)
  into ``?`` or into bytes Python refuses, where orjson refuses the line as invalid JSON.

So each piece is checked before the parser sees it: ``str(piece, "utf-8")`` (skipped for pure ASCII)
and, only when the piece holds ``\\u``, one regular expression that steps over the text escape by escape
(so ``\\\\ud800``, an escaped backslash and then text, is no escape) and stops at the first surrogate
escape that is not half of a pair.  A piece never ends inside a UTF-8 character or inside an escape that
may still become a valid pair: those bytes are held back and start the next piece, so each piece starts
on a boundary and the checks need no other state.
"""

from __future__ import annotations

import re

_HEX = rb"[0-9a-fA-F]"
_PAIR_RE = rb"\\u[dD][89abAB]" + _HEX * 2 + rb"\\u[dD][c-fC-F]" + _HEX * 2
_CLEAN = re.compile(rb"(?:[^\\]+|\\[^u]|\\u(?:[0-9a-cA-Ce-fE-F]|[dD][0-7])|" + _PAIR_RE + rb")*+")
"""From an escape boundary: as far as the text holds no surrogate escape outside a valid pair."""
_PAIR = re.compile(_PAIR_RE)
_SAMPLE_PAIR = rb"\ud800\udc00"


def _utf8_tail(text: bytes) -> int:
    """How many bytes at the end of ``text`` start a UTF-8 character that continues beyond it."""
    for back in range(1, min(3, len(text)) + 1):
        byte = text[-back]
        if byte < 0x80:
            return 0
        if byte >= 0xC0:
            needed = 2 if byte < 0xE0 else 3 if byte < 0xF0 else 4
            return back if needed > back else 0
    return 0


def _undecided(rest: bytes) -> bool:
    """Whether ``rest``, where the clean text stopped at the end of a piece, may still become a pair."""
    return len(rest) < len(_SAMPLE_PAIR) and _PAIR.fullmatch(rest + _SAMPLE_PAIR[len(rest) :]) is not None


class TextScreen:
    """Re-cuts a JSON text into pieces on character and escape boundaries, and checks each one."""

    def __init__(self) -> None:
        self._held = b""

    def cut(self, data: bytes) -> tuple[bytes, int, int]:
        """``(piece, bad_utf8, bad_escape)``: the bytes that can be checked now and the offsets in it of
        the first byte that is not UTF-8 and of the first lone surrogate escape (each -1 if none)."""
        text = self._held + data if self._held else data
        bad_escape, end = -1, len(text) - _utf8_tail(text)
        if text.find(b"\\u") >= 0 or text.endswith(b"\\"):
            stop = _CLEAN.match(text).end()
            if stop < len(text):
                if _undecided(text[stop:]):
                    end = stop
                else:
                    bad_escape = stop
        piece, self._held = (text, b"") if end == len(text) else (text[:end], text[end:])
        return piece, _first_invalid_utf8(piece), bad_escape

    def rest(self) -> bytes:
        """Bytes still held back at the end of the input (the document cannot be complete then)."""
        held, self._held = self._held, b""
        return held


def _first_invalid_utf8(piece: bytes) -> int:
    if piece.isascii():
        return -1
    try:
        str(piece, "utf-8")
    except UnicodeDecodeError as exc:
        return exc.start
    return -1
