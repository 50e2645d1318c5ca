"""NDJSON records: split decoded bytes into lines, check and parse each with orjson, keep the running digest.

Lines are found block by block (one ``read_size`` read, cut at its last newline), so a long line is
never concatenated piece by piece, and an over-long line is refused once ``max_line_bytes`` have
arrived without a newline.  Before parsing, a line longer than ``max_line_items`` bytes has its
commas and brackets counted, and a block holding a run of 19 digits or more has the lines holding it
checked for over-long numbers (``digits``): both are C-speed byte counts, and the common line pays one
length comparison.  Every line must hold a record: a blank line is ``bad_framing``.  The digest is fed
whole blocks, after their lines were handed out; the digest up to any line of the current block is
computed on demand (only the ``end`` record needs it).

Skipping rows (``skip_rows``, only when the stream was opened with ``verified=True``): the rows of the
section just opened are found by their bytes, not parsed.  From the current line, the next line starting
with ``{`` is the next control record (a JSON string cannot hold a raw newline, so every ``\n`` ends a
line); the lines before it are counted (``bytes.count``) and must all start with ``[``, which is what
the writer produces.  Anything else (a row with leading whitespace, say) makes the source parse the rest
of the section as usual.  The lines are still counted, so later line numbers stay right, and every block
still goes into the digest.  What is not done for those lines is every per-row check: JSON validity,
number lengths, values per line, nesting, row width.  That is only sound for bytes that already passed
those checks in a full read (see ``BackupReader``).
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from itertools import islice
from typing import Any

import orjson

from .codecs import Readable
from .digits import bad_number, number_suspects, safe_digit_limit
from .errors import (
    BackupFormatError,
    bad_framing,
    cut_off,
    gettext_noop,
    line_too_long,
    nesting_too_deep,
    not_json,
    not_utf8,
    number_too_long,
    too_many_values,
)
from .framing import SkippedRows
from .limits import Limits, line_items


class NdjsonRecords:
    """Iterates ``(line number, parsed value, canonical size)`` over an NDJSON stream."""

    def __init__(self, reader: Readable, limits: Limits, *, verified: bool = False) -> None:
        self._reader = reader
        self._limits = limits
        self._verified = verified
        self._hasher = hashlib.sha256()
        self._lines: list[bytes] = []
        self._first_line = 1
        self._skip_request: list[bool] = []  # non-empty while the rows ahead may be passed over

    def skip_rows(self) -> None:
        """Pass the rows ahead over unparsed, up to the next control record (only if ``verified``)."""
        if self._verified:
            self._skip_request.append(True)

    def digest_before(self, line: int) -> str:
        """Hex SHA-256 of every byte before ``line``, which must belong to the block being read."""
        hasher = self._hasher.copy()
        for data in self._lines[: line - self._first_line]:
            hasher.update(data)
            hasher.update(b"\n")
        return hasher.hexdigest()

    def __iter__(self) -> Iterator[tuple[int, Any, int]]:
        loads = orjson.loads
        max_depth, max_items = self._limits.max_depth, self._limits.max_line_items
        digits = safe_digit_limit(self._limits.max_number_digits)
        # A JSON text nesting deeper than max_depth has an opening and a closing bracket per level.
        deep_enough = 2 * (max_depth + 1)
        request = self._skip_request
        for block, complete in self._blocks():
            if request and complete and (run := _rows_ahead(block, 0, complete)) and not run[1]:
                yield from self._skip_block(block, run[0])  # rows only: not even split into lines
                continue
            lines = block.split(b"\n")
            if complete:
                lines.pop()
            self._lines = lines
            line = self._first_line
            suspects = number_suspects(block, line, digits)
            pending = iter(lines)
            for data in pending:
                if request:
                    index = line - self._first_line
                    run = _rows_ahead(block, sum(map(len, lines[:index])) + index, complete)
                    if run is None or run[1]:
                        request.clear()  # past the section's rows, or they are not plain rows: parse
                    if run and run[0]:
                        yield line, SkippedRows(run[0]), 0
                        next(islice(pending, run[0] - 1, run[0] - 1), None)
                        line += run[0]
                        continue
                if len(data) > max_items and line_items(data) > max_items:
                    raise too_many_values(line, max_items)
                if suspects and line in suspects and bad_number(data, digits):
                    raise number_too_long(line)
                try:
                    value = loads(data)
                except orjson.JSONDecodeError as exc:
                    raise _parse_error(exc, data, line, complete, max_depth) from None
                if len(data) >= deep_enough and data.count(b"[") + data.count(b"{") > max_depth:
                    _check_depth(value, max_depth, line)
                yield line, value, len(data) + 1
                line += 1
            self._hasher.update(block)
            self._first_line = line

    def _skip_block(self, block: bytes, rows: int) -> Iterator[tuple[int, Any, int]]:
        """A block holding only rows to pass over: count and digest it."""
        first, self._lines = self._first_line, []
        self._hasher.update(block)
        self._first_line += rows
        yield first, SkippedRows(rows), 0

    def _blocks(self) -> Iterator[tuple[bytes, bool]]:
        """Runs of whole lines; the last one may lack its newline (``complete`` False) at end of input."""
        read, size, limit = self._reader.read, self._limits.read_size, self._limits.max_line_bytes
        pending: list[bytes] = []
        pending_size = 0
        while data := read(size):
            cut = data.rfind(b"\n")
            if cut < 0:
                pending.append(data)
                pending_size += len(data)
                if pending_size > limit:
                    raise line_too_long(self._first_line, limit)
                continue
            block = b"".join((*pending, data[: cut + 1])) if pending else data[: cut + 1]
            if len(block) > limit:
                _check_line_lengths(block, self._first_line, limit)
            pending = [data[cut + 1 :]]
            pending_size = len(pending[0])
            yield block, True
        tail = b"".join(pending)
        if tail:
            yield tail, False


def _rows_ahead(block: bytes, offset: int, complete: bool) -> tuple[int, bool] | None:
    """``(rows, control)``: the lines from ``offset`` (a line start) up to the next line starting with ``{``
    or the end of the block, and whether such a control line follows; None unless each of those lines
    starts with ``[`` (or when the block is the unterminated tail and holds no control line)."""
    if block.startswith(b"{", offset):
        return 0, True
    control = block.find(b"\n{", offset)
    if control < 0 and not complete:
        return None
    end = len(block) if control < 0 else control + 1
    rows = block.count(b"\n", offset, end)
    starts = block.count(b"\n[", offset, end - 1) + block.startswith(b"[", offset)
    return (rows, control >= 0) if rows == starts else None


def _check_line_lengths(block: bytes, first_line: int, limit: int) -> None:
    lines = block.split(b"\n")
    if max(map(len, lines)) > limit:
        index = next(i for i, data in enumerate(lines) if len(data) > limit)
        raise line_too_long(first_line + index, limit)


def _check_depth(value: Any, limit: int, line: int) -> None:
    if nesting_depth(value) > limit:
        raise nesting_too_deep(line, limit)


def nesting_depth(value: Any) -> int:
    """Deepest nesting of lists/dicts in ``value``; a scalar is 0, ``[1]`` is 1, ``[{"a": []}]`` is 3."""
    deepest = 0
    pending = [(value, 1)]
    while pending:
        item, depth = pending.pop()
        if isinstance(item, dict):
            item = item.values()
        elif not isinstance(item, list):
            continue
        deepest = max(deepest, depth)
        pending.extend((child, depth + 1) for child in item)
    return deepest


def _parse_error(
    exc: orjson.JSONDecodeError, data: bytes, line: int, complete: bool, max_depth: int
) -> BackupFormatError:
    if not data.strip():
        return bad_framing(gettext_noop("a blank line, where a record must be"), line)
    if not complete:
        return cut_off(line)
    detail = str(exc)
    if "UTF-8" in detail:
        return not_utf8(line)
    if "depth limit" in detail:
        return nesting_too_deep(line, max_depth)
    if "number is infinity" in detail:
        return number_too_long(line)
    return not_json(line)
