"""JSON-document records: the elements of one top-level array, parsed incrementally with ijson.

Hostile documents are the concern here.  ijson's yajl2_c backend (3.6) hands integer literals to
``int()``; past Python's int-string limit (4300 digits) the error is lost in C and the process gets a
SystemError from ``basic_parse`` and a segfault from ``items``.  Its prefix-based functions (``parse``,
``items``) also build a prefix string per level, memory quadratic in nesting depth.  So:

* every chunk is scanned for number literals longer than ``max_number_digits`` before the parser sees
  it (``digits.NumberScanner``: digits inside strings do not count, as in NDJSON);
* only ``basic_parse_coro`` is used (no prefixes), records are built here with a depth limit, and the
  input is fed in slices of FEED_SIZE so one step holds a bounded number of events;
* a record still open well after ``max_line_bytes``, or after the events ``max_line_items`` allows, is
  refused while it is being built; a complete one gets the exact verdict of its canonical line.

``use_float=True`` would avoid Python ints altogether, but yajl then refuses ``-2**63`` and integers
above ``2**63 - 1`` that the writer can produce.  Without it, integers come back as ``int`` and other
numbers as ``Decimal``, turned into ``float`` here, so re-encoding a record with orjson gives the bytes
the writer produced: the digest is computed over those re-encoded NDJSON lines.
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Iterator
from decimal import Decimal, InvalidOperation
from typing import Any

import ijson
import orjson

from .codecs import Readable
from .digits import NumberScanner, safe_digit_limit
from .encoding import encode_line
from .errors import (
    BackupFormatError,
    ErrorCode,
    gettext_noop,
    line_too_long,
    nesting_too_deep,
    not_a_backup,
    not_json,
    not_utf8,
    number_too_long,
    too_many_values,
)
from .limits import KiB, Limits, line_items
from .textscan import TextScreen

FEED_SIZE = 64 * KiB
_HASH_BATCH = 256 * KiB
_OPENERS = {"start_map": dict, "start_array": list}
_SCALARS = frozenset({"string", "number", "null", "boolean"})
_EVENT_SLACK = FEED_SIZE + 16
"""Events one parser step may add beyond a record's own (a FEED_SIZE slice holds at most about that many)."""


class _RecordBuilder:
    """Builds the elements of the top-level array from basic_parse events, refusing deep nesting.

    ``stack[0]`` stands for the top-level array and never holds anything (records are handed out, not
    kept); ``keys[i]`` is the pending key when ``stack[i]`` is an object.
    """

    def __init__(self, max_depth: int) -> None:
        self._max_depth = max_depth
        self._stack: list[Any] = []
        self._keys: list[Any] = []
        self.completed = 0

    @property
    def current(self) -> int:
        """Number of the record being built (1-based)."""
        return self.completed + 1

    def inside_record(self) -> bool:
        return len(self._stack) > 1

    def feed(self, events: list[tuple[str, Any]]) -> list[Any]:
        """Records completed by ``events``, in order.  One loop with few calls: it runs once per value."""
        done: list[Any] = []
        stack, keys = self._stack, self._keys
        for event, value in events:
            if event in _SCALARS:
                scalar = self._float(value) if type(value) is Decimal else value
                if len(stack) > 1:
                    parent = stack[-1]
                    if type(parent) is list:
                        parent.append(scalar)
                    else:
                        parent[keys[-1]] = scalar
                else:
                    self._complete(scalar, done)
            elif event == "map_key":
                keys[-1] = value
            elif event in _OPENERS:
                self._open(_OPENERS[event](), done)
            else:
                container = stack.pop()
                keys.pop()
                if len(stack) == 1:
                    self._complete(container, done)
        return done

    def _float(self, value: Decimal) -> float:
        number = float(value)
        if math.isinf(number):
            raise number_too_long(self.current)
        return number

    def _open(self, container: Any, done: list[Any]) -> None:
        stack = self._stack
        if not stack:
            if type(container) is not list or self.completed:
                raise not_a_backup()
        elif len(stack) > self._max_depth:
            raise nesting_too_deep(self.current, self._max_depth)
        elif len(stack) > 1:
            parent = stack[-1]
            if type(parent) is list:
                parent.append(container)
            else:
                parent[self._keys[-1]] = container
        stack.append(container)
        self._keys.append(None)

    def _complete(self, record: Any, done: list[Any]) -> None:
        if not self._stack:
            raise not_a_backup()
        self.completed += 1
        done.append(record)


class DocumentRecords:
    """Iterates ``(record number, parsed value, canonical size)`` over a JSON document ``[record, ...]``.

    Each record is re-encoded canonically before it is handed out: the digest covers those bytes, and
    ``max_line_bytes`` / ``max_line_items`` are applied to them, so a record gets the verdict its NDJSON
    line would get.  While a record is being built, its raw bytes and its parser events are bounded too
    (with one slice of slack, so the exact verdict is the canonical one).
    """

    def __init__(self, reader: Readable, limits: Limits) -> None:
        self._reader = reader
        self._limits = limits
        self._hasher = hashlib.sha256()
        self._pending = bytearray()
        self._builder = _RecordBuilder(limits.max_depth)
        self._events = ijson.sendable_list()
        self._open_events = 0
        self._marked = 0  # number of the first record found invalid by ``TextScreen``, once seen
        self._marked_error: Any = not_json
        # A record within max_line_items creates at most 3 events per counted byte, plus one.
        self._max_events = 3 * limits.max_line_items + 1 + _EVENT_SLACK

    def skip_rows(self) -> None:
        """A document's rows are always parsed: records are only found by parsing (ijson), and the digest
        covers their canonical re-encoding.  The framing still drops the rows of a skipped section."""

    def digest_before(self, line: int) -> str:
        """Hex SHA-256 of the canonical NDJSON lines of every record before the current one."""
        hasher = self._hasher.copy()
        hasher.update(self._pending)
        return hasher.hexdigest()

    def __iter__(self) -> Iterator[tuple[int, Any, int]]:
        parser = ijson.basic_parse_coro(self._events)
        scanner = NumberScanner(safe_digit_limit(self._limits.max_number_digits))
        screen = TextScreen()
        for data in self._pieces():
            piece, bad_utf8, bad_escape = screen.cut(data)
            if piece:
                yield from self._feed(parser.send, piece, scanner.find(piece), bad_utf8, bad_escape)
        if rest := screen.rest():  # a cut-off character or escape: the parser reports how it ends
            yield from self._step(parser.send, rest)
        yield from self._step(parser.close)

    def _feed(self, send: Any, piece: bytes, number: int, bad_utf8: int, bad_escape: int) -> Iterator[Any]:
        """Feed ``piece`` up to its first over-long number, and refuse that number.

        Invalid UTF-8 and lone surrogate escapes only mark their record: ijson is fed on (it reads them
        as ``?`` or fails), because orjson refuses a line for an over-long number anywhere in it first,
        then for invalid UTF-8 anywhere in it, then for invalid JSON.  The marked record is refused with
        its mark's code once it is complete, or when the parser fails inside it.
        """
        end = number if number >= 0 else len(piece)
        start = 0
        for offset, error in sorted((mark for mark in ((bad_utf8, not_utf8), (bad_escape, not_json)) if mark[0] >= 0)):
            if offset >= end:
                break
            if offset > start:  # sending b"" would tell ijson the input ended
                yield from self._step(send, piece[start:offset])
                start = offset
            self._mark(error)
        if end > start:
            yield from self._step(send, piece[start:end])
        if end == number:
            raise number_too_long(self._builder.current)

    def _mark(self, error: Any) -> None:
        """Note the first record found invalid; invalid UTF-8 outranks invalid JSON in the same record."""
        line = self._builder.current
        if not self._marked:
            self._marked, self._marked_error = line, error
        elif line == self._marked and error is not_utf8:
            self._marked_error = error

    def _step(self, step: Any, *args: bytes) -> Iterator[tuple[int, Any, int]]:
        """Run one parser step and hand out the records it completed, then report its failure if any."""
        events, builder = self._events, self._builder
        failure = None
        try:
            step(*args)
        except (ijson.JSONError, InvalidOperation, UnicodeDecodeError) as exc:
            failure = exc
        records = builder.feed(events)
        if failure is None:
            self._count_events(len(events), bool(records))
        del events[:]
        first = builder.completed - len(records) + 1
        for number, record in enumerate(records, first):
            line = self._canonical(record, number)  # its limits and numbers come first, as in NDJSON
            if number == self._marked:
                raise self._marked_error(number)
            yield number, record, len(line)
            self._hash(line)
        if failure is not None:
            line = builder.current
            raise _parse_error(failure, line, self._marked_error if line == self._marked else not_json) from None

    def _count_events(self, count: int, completed: bool) -> None:
        """Refuse a record whose parser events alone show it holds more than ``max_line_items`` values."""
        if not self._builder.inside_record():
            self._open_events = 0
            return
        self._open_events = count if completed else self._open_events + count
        if self._open_events > self._max_events:
            raise too_many_values(self._builder.current, self._limits.max_line_items)

    def _pieces(self) -> Iterator[bytes]:
        """Input in slices of at most FEED_SIZE, refusing a record that stays open well past the limit.

        The size of the open record is known to within one slice (a slice that completes a record
        restarts the count at that slice's length), hence the slice of slack.
        """
        read, size = self._reader.read, self._limits.read_size
        limit = self._limits.max_line_bytes
        builder = self._builder
        open_bytes = 0
        while data := read(size):
            for start in range(0, len(data), FEED_SIZE):
                completed = builder.completed
                piece = data[start : start + FEED_SIZE]
                yield piece
                if not builder.inside_record():
                    open_bytes = 0
                elif builder.completed != completed:
                    open_bytes = len(piece)
                else:
                    open_bytes += len(piece)
                if open_bytes > limit + FEED_SIZE:
                    raise line_too_long(builder.current, limit)

    def _canonical(self, record: Any, number: int) -> bytes:
        """The record's canonical NDJSON line, checked against the limits its NDJSON line would meet."""
        try:
            line = encode_line(record)
        except orjson.JSONEncodeError:
            raise number_too_long(number) from None
        limits = self._limits
        if len(line) > limits.max_line_bytes + 1:
            raise line_too_long(number, limits.max_line_bytes)
        if len(line) > limits.max_line_items + 1 and line_items(line) > limits.max_line_items:
            raise too_many_values(number, limits.max_line_items)
        return line

    def _hash(self, line: bytes) -> None:
        """Add a canonical line to the pending digest input.

        Copied into a bytearray at once: orjson's result objects reserve far more memory than their
        length, so holding thousands of them would cost megabytes.
        """
        self._pending += line
        if len(self._pending) >= _HASH_BATCH:
            self._hasher.update(self._pending)
            self._pending.clear()


def _parse_error(exc: Exception, line: int, invalid: Any) -> BackupFormatError:
    """The error for a parser failure in record ``line``: cut off, an over-long number, or ``invalid``
    (``not_json``, or ``not_utf8`` when ``TextScreen`` found invalid UTF-8 in that record).  ijson's own
    UTF-8 errors and its ``UnicodeDecodeError`` (a lone low surrogate escape) mean a marked record."""
    if isinstance(exc, InvalidOperation):
        return number_too_long(line)
    if "premature EOF" in str(exc):
        return BackupFormatError(
            ErrorCode.TRUNCATED,
            gettext_noop(
                "The backup is incomplete: the JSON document stops inside record %(line)s. "
                "It was probably cut off while downloading; download it again."
            ),
            params={"line": line},
            line=line,
        )
    return invalid(line)
