"""Over-long numbers in raw JSON text, found before a parser sees them, in C (``re`` and bytes methods).

Both readers apply one rule so they give the same verdict (``number_too_long``) for the same record: a
number literal whose run of digits is longer than ``max_number_digits``, or an integer literal outside
the 64-bit range orjson (and so the writer) handles.  Digits inside strings never count: a text value
may hold any run of digits.

Finding the runs costs one ``translate`` and one ``find`` per chunk.  Knowing whether a run is inside a
string needs the string state, which the document scanner carries across chunks with two regular
expressions that step over whole strings (never a Python loop per byte, never re-scanning a byte).
"""

from __future__ import annotations

import re
import sys

_DIGITS_TO_ZERO = bytes(0x30 if 0x30 <= byte <= 0x39 else 0x2E for byte in range(256))
"""Maps every digit to ``0`` and everything else to ``.``, so a run is found with ``bytes.find``."""

_OUTSIDE = re.compile(rb'[^"]*(?:"[^"\\]*(?:\\.[^"\\]*)*"[^"]*)*', re.S)
"""From a position outside strings: as far as the text stays outside one (stops at an unclosed quote)."""
_STRING_REST = re.compile(rb'[^"\\]*(?:\\.[^"\\]*)*', re.S)
"""From a position inside a string: up to its closing quote, or a final lone backslash, or the end."""
_ESCAPED = re.compile(rb"\\.", re.S)
"""An escape sequence's first two bytes; removing them leaves only the quotes that open or close strings."""

INT64_DIGITS = 19
"""Digits of the longest integer that may not fit in 64 bits; shorter integer literals always fit."""
_INT_MIN, _UINT_MAX = -(2**63), 2**64 - 1


def safe_digit_limit(limit: int) -> int:
    """``limit``, lowered to the interpreter's int-string limit when that one is smaller."""
    interpreter = sys.get_int_max_str_digits()
    return min(limit, interpreter) if interpreter else limit


def _string_end(text: bytes, start: int) -> tuple[int, bool]:
    """Inside a string from ``start``: (offset after its closing quote, False), or (-1, escape pending)."""
    end = _STRING_REST.match(text, start).end()
    if end == len(text):
        return -1, False
    if text[end] == 0x5C:  # a backslash whose escaped byte is in the next chunk
        return -1, True
    return end + 1, False


def number_suspects(block: bytes, first_line: int, limit: int) -> set[int]:
    """Numbers of the lines of ``block`` holding a digit run ``bad_number`` must look at (usually none)."""
    masked = block.translate(_DIGITS_TO_ZERO)
    needle = b"0" * min(INT64_DIGITS, limit + 1)
    suspects: set[int] = set()
    line, counted = first_line, 0
    found = masked.find(needle)
    while found >= 0:
        line += block.count(b"\n", counted, found)
        suspects.add(line)
        counted = block.find(b"\n", found)
        found = masked.find(needle, counted) if counted >= 0 else -1
    return suspects


def bad_number(text: bytes, limit: int) -> bool:
    """Whether one whole JSON text holds a number literal longer than ``limit`` digits or beyond 64 bits."""
    masked = text.translate(_DIGITS_TO_ZERO)
    needle = b"0" * min(INT64_DIGITS, limit + 1)
    outside = 0  # an offset known to be outside strings
    found = masked.find(needle)
    while found >= 0:
        stop = _OUTSIDE.match(text, outside, found).end()
        if stop < found:  # the run is inside the string opened at ``stop``
            outside = _string_end(text, stop + 1)[0]
            if outside < 0:
                return False
            found = masked.find(needle, outside)
            continue
        end = _run_end(masked, found)
        if end - found > limit or _outside_int64(text, found, end):
            return True
        outside = end
        found = masked.find(needle, end)
    return False


def _run_end(masked: bytes, start: int) -> int:
    end = masked.find(b".", start)
    return len(masked) if end < 0 else end


def _outside_int64(text: bytes, start: int, end: int) -> bool:
    """Whether the digits ``text[start:end]`` are an integer literal outside orjson's range."""
    before = text[start - 1 : start]
    if text[end : end + 1] in (b".", b"e", b"E") or before in (b".", b"e", b"E", b"+"):
        return False  # a fraction or an exponent: a float either way
    if before == b"-" and text[start - 2 : start - 1] in (b"e", b"E"):
        return False
    if end - start > INT64_DIGITS + 1:
        return True
    number = int(text[start:end])
    return -number < _INT_MIN if before == b"-" else number > _UINT_MAX


class NumberScanner:
    """Finds the first number literal with more than ``limit`` digits in a JSON text fed chunk by chunk."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self._needle = b"0" * (limit + 1)
        self._carry = 0  # digits of a number literal that ended the previous chunk
        self._in_string = False
        self._escape = False  # the previous chunk ended inside a string, on a backslash

    def find(self, chunk: bytes) -> int:
        """Offset in ``chunk`` where an over-long number starts (0 if it began in earlier chunks), or -1."""
        outside = 0
        if self._in_string:
            outside, self._escape = _string_end(chunk, 1 if self._escape else 0)
            if outside < 0:
                return -1
            self._in_string = False
        masked = chunk.translate(_DIGITS_TO_ZERO)
        if self._carry and outside == 0 and self._carry + len(masked) - len(masked.lstrip(b"0")) > self.limit:
            return 0
        found = masked.find(self._needle, outside)
        while found >= 0:
            stop = _OUTSIDE.match(chunk, outside, found).end()
            if stop == found:
                return found
            outside, self._escape = _string_end(chunk, stop + 1)
            if outside < 0:
                self._in_string, self._carry = True, 0
                return -1
            found = masked.find(self._needle, outside)
        self._end_state(chunk, masked, outside)
        return -1

    def _end_state(self, chunk: bytes, masked: bytes, outside: int) -> None:
        """Record whether ``chunk`` ends inside a string, or on the digits of a number.

        From ``outside`` on, an odd number of unescaped quotes means a string is left open.
        """
        rest = chunk
        if chunk.find(b"\\", outside) >= 0:
            rest = _ESCAPED.sub(b"", chunk[outside:])
            outside = 0
        if rest.count(b'"', outside) % 2:
            self._in_string, self._escape, self._carry = True, rest.endswith(b"\\"), 0
            return
        trailing = len(masked) - len(masked.rstrip(b"0"))
        self._carry = self._carry + trailing if trailing == len(masked) else trailing
