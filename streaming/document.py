"""JSON-document records: the elements of one top-level array, parsed incrementally with ijson.

Hostile documents are the concern here.  ijson's yajl2_c backend (3.6) hands integer literals to
``int()``; past Python's int-string limit (4300 digits) the error is lost in C and the process gets a
SystemError from ``basic_parse`` and a segfault from ``items``.  Its prefix-based functions (``parse``,
``items``) also build a prefix string per level, memory quadratic in nesting depth.  So:

* every chunk is scanned for digit runs longer than ``max_number_digits`` before the parser sees it;
* only ``basic_parse_coro`` is used (no prefixes), records are built here with a depth limit, and the
  input is fed in slices of FEED_SIZE so one step holds a bounded number of events;
* a record still open after ``max_line_bytes`` is refused.

``use_float=True`` would avoid Python ints altogether, but yajl then refuses ``-2**63`` and integers
above ``2**63 - 1`` that the writer can produce.  Without it, integers come back as ``int`` and other
numbers as ``Decimal``, turned into ``float`` here, so re-encoding a record with orjson gives the bytes
the writer produced: the digest is computed over those re-encoded NDJSON lines.
"""

from __future__ import annotations

import hashlib
import math
import sys
from collections.abc import Iterator
from decimal import Decimal, InvalidOperation
from typing import Any

import ijson
import orjson

from .codecs import Readable
from .encoding import encode_line
from .errors import BackupFormatError, ErrorCode, not_a_backup
from .limits import KiB, Limits

FEED_SIZE = 64 * KiB
_HASH_BATCH = 256 * KiB
_OPENERS = {"start_map": dict, "start_array": list}
_SCALARS = frozenset({"string", "number", "null", "boolean"})
_DIGITS_TO_ZERO = bytes(0x30 if 0x30 <= byte <= 0x39 else 0x2E for byte in range(256))
"""Maps every digit to ``0`` and everything else to ``.``, so a run is found with ``bytes.find``."""


def safe_digit_limit(limit: int) -> int:
    """``limit``, lowered to the interpreter's int-string limit when that one is smaller."""
    interpreter = sys.get_int_max_str_digits()
    return min(limit, interpreter) if interpreter else limit


class DigitRunScanner:
    """Reports the first run of more than ``limit`` digits in a stream fed chunk by chunk.

    About 0.4 ns a byte: one ``translate`` and one ``find`` per chunk, both in C.
    """

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self._needle = b"0" * (limit + 1)
        self._carry = 0

    def find(self, chunk: bytes) -> int:
        """Offset in ``chunk`` where an over-long run starts (0 if it began in earlier chunks), or -1."""
        masked = chunk.translate(_DIGITS_TO_ZERO)
        leading = len(masked) - len(masked.lstrip(b"0"))
        if self._carry + leading > self.limit:
            return 0
        found = masked.find(self._needle)
        if found >= 0:
            return found
        trailing = len(masked) - len(masked.rstrip(b"0"))
        self._carry = self._carry + trailing if trailing == len(masked) else trailing
        return -1


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
            raise _number_too_long(self.current)
        return number

    def _open(self, container: Any, done: list[Any]) -> None:
        stack = self._stack
        if not stack:
            if type(container) is not list or self.completed:
                raise not_a_backup()
        elif len(stack) > self._max_depth:
            raise BackupFormatError(
                ErrorCode.NESTING_TOO_DEEP,
                f"Record {self.current} nests values more than {self._max_depth} levels deep.",
                line=self.current,
            )
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
    """Iterates ``(record number, parsed value)`` over a JSON document ``[record, record, ...]``."""

    def __init__(self, reader: Readable, limits: Limits) -> None:
        self._reader = reader
        self._limits = limits
        self._hasher = hashlib.sha256()
        self._pending = bytearray()
        self._builder = _RecordBuilder(limits.max_depth)
        self._events = ijson.sendable_list()

    def digest_before(self, line: int) -> str:
        """Hex SHA-256 of the canonical NDJSON lines of every record before the current one."""
        hasher = self._hasher.copy()
        hasher.update(self._pending)
        return hasher.hexdigest()

    def __iter__(self) -> Iterator[tuple[int, Any]]:
        parser = ijson.basic_parse_coro(self._events)
        scanner = DigitRunScanner(safe_digit_limit(self._limits.max_number_digits))
        for piece in self._pieces():
            run = scanner.find(piece)
            if run >= 0:
                if run:  # sending b"" would tell ijson the input ended
                    yield from self._step(parser.send, piece[:run])
                raise _digit_run_too_long(self._builder.current, scanner.limit)
            yield from self._step(parser.send, piece)
        yield from self._step(parser.close)

    def _step(self, step: Any, *args: bytes) -> Iterator[tuple[int, Any]]:
        """Run one parser step and hand out the records it completed."""
        events = self._events
        try:
            step(*args)
        except (ijson.JSONError, InvalidOperation) as exc:
            self._builder.feed(events)
            raise _parse_error(exc, self._builder.current) from None
        records = self._builder.feed(events)
        del events[:]
        first = self._builder.completed - len(records) + 1
        for number, record in enumerate(records, first):
            yield number, record
            self._hash(record, number)

    def _pieces(self) -> Iterator[bytes]:
        """Input in slices of at most FEED_SIZE, refusing a record that stays open past the limit.

        The size of the open record is known to within one slice: a slice that completes a record
        restarts the count at that slice's length.
        """
        read, size, limit = self._reader.read, self._limits.read_size, self._limits.max_line_bytes
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
                if open_bytes > limit:
                    raise _record_too_large(builder.current, limit)

    def _hash(self, record: Any, number: int) -> None:
        """Re-encode ``record`` into the pending digest input.

        Copied into a bytearray at once: orjson's result objects reserve far more memory than their
        length, so holding thousands of them would cost megabytes.
        """
        try:
            self._pending += encode_line(record)
        except orjson.JSONEncodeError:
            raise _number_too_long(number) from None
        if len(self._pending) >= _HASH_BATCH:
            self._hasher.update(self._pending)
            self._pending.clear()


def _record_too_large(line: int, limit: int) -> BackupFormatError:
    return BackupFormatError(
        ErrorCode.LINE_TOO_LONG,
        f"Record {line} is larger than the {limit} bytes allowed for one record.",
        line=line,
    )


def _number_too_long(line: int) -> BackupFormatError:
    return BackupFormatError(ErrorCode.NUMBER_TOO_LONG, f"Record {line} holds a number too large to read.", line=line)


def _digit_run_too_long(line: int, limit: int) -> BackupFormatError:
    return BackupFormatError(
        ErrorCode.NUMBER_TOO_LONG,
        f"Record {line} holds a run of more than {limit} digits, longer than any number a backup contains.",
        line=line,
    )


def _parse_error(exc: Exception, line: int) -> BackupFormatError:
    if isinstance(exc, InvalidOperation):
        return _number_too_long(line)
    detail = str(exc)
    if "premature EOF" in detail:
        return BackupFormatError(
            ErrorCode.TRUNCATED,
            f"The backup is incomplete: the JSON document stops inside record {line}. "
            "It was probably cut off while downloading; download it again.",
            line=line,
        )
    if "UTF8" in detail:
        return BackupFormatError(ErrorCode.INVALID_UTF8, f"Record {line} is not valid UTF-8 text.", line=line)
    return BackupFormatError(ErrorCode.INVALID_JSON, f"Record {line} is not valid JSON.", line=line)
