"""Writing a backup as a stream of bounded chunks, for a streaming HTTP response or a file.

Rows are encoded one by one into a bytearray (each orjson result is freed at once: holding a thousand
of them for a ``b"".join`` makes glibc trim and re-fault the heap on every batch, twenty times slower
here), and every ``chunk_size`` of encoded rows is hashed and handed to the sink in one call.  Memory
stays at about one chunk plus one batch of rows whatever the number of rows.

The writer applies the reader's ``Limits`` to every line it writes (``max_line_bytes``,
``max_line_items``), so every file it produces can be read back: a row over them raises
``UnrestorableRow`` naming the model, the row's id and the field responsible.  The common row pays
one length comparison for this.

The writer is a small state machine: ``header``, then any number of ``section``, then ``finish``; each
returns an iterator of chunks that must be exhausted before the next call.  If a section is abandoned
or its rows raise, the writer refuses to ``finish``: the output then has no end record and every
reader rejects it as truncated.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from itertools import islice
from typing import Any

import zstandard

from .encoding import encode_line, encode_record
from .errors import UnrestorableRow, gettext_noop, render, shorten
from .format import (
    FORMAT_NAME,
    FORMAT_VERSION,
    KIND_HEADER,
    Container,
    end_record,
    section_end_record,
    section_record,
)
from .limits import DEFAULT_LIMITS, KiB, Limits, human_size, line_items

DEFAULT_CHUNK_SIZE = 128 * KiB
_FIRST_BATCH = 64
_MAX_BATCH = 1024
"""Rows taken from the caller's iterable at a time (checked for width together); adapted to chunk_size."""
MAX_LEVEL = 19
"""Levels above 19 ("ultra") need zstd windows over 32 MiB, which the reader refuses by default."""


@dataclass(slots=True)
class WriterStats:
    """Progress counters, updated as chunks are produced."""

    sections: dict[str, int] = field(default_factory=dict)
    rows: int = 0
    raw_bytes: int = 0
    bytes_out: int = 0
    sha256: str | None = None


class BackupWriter:
    def __init__(
        self,
        container: Container | str = Container.NDJSON_ZST,
        *,
        chunk_size: int = DEFAULT_CHUNK_SIZE,
        level: int = 3,
        limits: Limits = DEFAULT_LIMITS,
        threads: int = 0,
    ) -> None:
        if chunk_size < 1:
            raise ValueError("chunk_size must be positive")
        self.container = Container(container)
        self.limits = limits
        # A line (newline included) no longer than this passes both line limits without a closer look.
        self._fits = min(limits.max_line_bytes, limits.max_line_items) + 1
        self.stats = WriterStats()
        self._chunk_size = chunk_size
        self._sink = ZstdSink(chunk_size, level, threads) if self.container is Container.NDJSON_ZST else PlainSink(chunk_size)
        self._hasher = hashlib.sha256()
        self._state = "new"

    @property
    def content_type(self) -> str:
        return self.container.content_type

    @property
    def extension(self) -> str:
        return self.container.extension

    def header(self, record: Mapping[str, Any]) -> Iterator[bytes]:
        """Write the header record (build it with ``header_record``)."""
        self._expect("new", "header() must be the first call")
        if record.get("kind") != KIND_HEADER or record.get("format") != FORMAT_NAME:
            raise ValueError("not a backup header record; build it with header_record()")
        if record.get("version") != FORMAT_VERSION:
            raise ValueError(f"this writer produces format version {FORMAT_VERSION}")
        line = encode_line(record)
        self._check_control(line, "header")
        self._state = "body"
        if self.container is Container.JSON:
            yield from self._out(b"[\n")
        yield from self._emit(line)

    def section(self, model: str, fields: Sequence[str], rows: Iterable[Sequence[Any]]) -> Iterator[bytes]:
        """Write one section: its record, every row of ``rows``, and a ``section_end`` with the real count."""
        self._expect("body", "section() must come after header() and before finish()")
        _check_section(model, fields)
        if model in self.stats.sections:
            raise ValueError(f"section {model} was already written")
        line = encode_line(section_record(model, fields))
        self._check_control(line, f"section {model}")
        self._state = "section"
        self.stats.sections[model] = 0
        yield from self._emit(line)
        written = yield from self._rows(model, fields, rows)
        yield from self._emit(encode_line(section_end_record(model, written)))
        self._state = "body"

    def finish(self) -> Iterator[bytes]:
        """Write the end record (totals and digest) and flush the compressor."""
        self._expect("body", "finish() needs a header, and every section written completely")
        self._state = "finished"
        digest = self._hasher.hexdigest()
        self.stats.sha256 = digest
        record = encode_line(end_record(len(self.stats.sections), self.stats.rows, digest))
        yield from self._emit(record, last=True)
        yield from self._out_chunks(self._sink.close())

    def _rows(self, model: str, fields: Sequence[str], rows: Iterable[Sequence[Any]]) -> Iterator[bytes]:
        """Encode and emit ``rows``; returns (as the generator's value) how many were written."""
        width, fits = len(fields), self._fits
        written = 0
        buffer = bytearray()
        size = _FIRST_BATCH
        iterator = iter(rows)
        while batch := list(islice(iterator, size)):
            if set(map(len, batch)) != {width}:
                raise ValueError(f"a row of section {model} does not have {width} values")
            start = len(buffer)
            for row in batch:
                line = encode_line(row)
                if len(line) > fits:
                    self._check_row(model, fields, row, line)
                buffer += line
            written += len(batch)
            self.stats.rows += len(batch)
            self.stats.sections[model] = written
            size = max(1, min(_MAX_BATCH, self._chunk_size * len(batch) // (len(buffer) - start)))
            if len(buffer) >= self._chunk_size:
                yield from self._emit(bytes(buffer))
                buffer.clear()
        if buffer:
            yield from self._emit(bytes(buffer))
        return written

    def _check_row(self, model: str, fields: Sequence[str], row: Sequence[Any], line: bytes) -> None:
        """Raise ``UnrestorableRow`` if ``line`` breaks a reader limit; values are encoded one by one only then."""
        limits, size = self.limits, len(line) - 1
        if size > limits.max_line_bytes:
            field = _worst(fields, row, len)
            problem = render(
                gettext_noop("field %(field)s makes the row %(size)s, over the %(limit)s one backup line may hold"),
                {"field": shorten(field), "size": human_size(size), "limit": human_size(limits.max_line_bytes)},
            )
        elif size > limits.max_line_items and (items := line_items(line)) > limits.max_line_items:
            field = _worst(fields, row, line_items)
            problem = render(
                gettext_noop(
                    "field %(field)s gives the row %(items)s values (counted as commas and brackets), "
                    "over the %(limit)s one backup line may hold"
                ),
                {"field": shorten(field), "items": items, "limit": limits.max_line_items},
            )
        else:
            return
        raise UnrestorableRow(
            gettext_noop("%(section)s #%(id)s: %(problem)s; shorten it, then back up again."),
            params={"section": model, "id": shorten(row[0]), "problem": problem},
            section=model,
            field=field,
            values_id=row[0],
        )

    def _check_control(self, line: bytes, what: str) -> None:
        """Header and section records obey the reader's limits too (they only grow with the schema)."""
        limits = self.limits
        if len(line) - 1 > limits.max_line_bytes or line_items(line) > limits.max_line_items:
            raise ValueError(f"the {what} record is over the reader's line limits")

    def _emit(self, canonical: bytes, *, last: bool = False) -> Iterator[bytes]:
        """Hash canonical NDJSON bytes and send them, in this container's layout, to the sink.

        orjson escapes every control character inside strings, so each ``\n`` ends a record: the JSON
        document layout is one ``replace`` away.
        """
        self._hasher.update(canonical)
        self.stats.raw_bytes += len(canonical)
        if self.container is Container.JSON:
            canonical = canonical + b"]\n" if last else canonical.replace(b"\n", b",\n")
        return self._out(canonical)

    def _out(self, data: bytes) -> Iterator[bytes]:
        return self._out_chunks(self._sink.write(data))

    def _out_chunks(self, chunks: list[bytes]) -> Iterator[bytes]:
        for chunk in chunks:
            self.stats.bytes_out += len(chunk)
            yield chunk

    def _expect(self, state: str, problem: str) -> None:
        if self._state != state:
            raise RuntimeError(f"{problem} (writer state: {self._state})")


def _check_section(model: str, fields: Sequence[str]) -> None:
    """Refuse what readers refuse, so a written backup is always readable."""
    names = [model, *fields]
    if not all(isinstance(name, str) and name for name in names):
        raise ValueError("model and field names must be non-empty strings")
    if len(set(fields)) != len(fields):
        raise ValueError(f"section {model} lists a field twice")


def _worst(fields: Sequence[str], row: Sequence[Any], measure: Any) -> str:
    """The field whose value, encoded alone, measures the most."""
    sizes = [measure(encode_record(value)) for value in row]
    return fields[sizes.index(max(sizes))]


class PlainSink:
    """Bytes in, chunks of exactly ``chunk_size`` bytes out (the last may be short)."""

    def __init__(self, chunk_size: int) -> None:
        self._chunk_size = chunk_size
        self._buffer = bytearray()

    def write(self, data: bytes) -> list[bytes]:
        buffer, size = self._buffer, self._chunk_size
        buffer += data
        if len(buffer) < size:
            return []
        cut = len(buffer) - len(buffer) % size
        chunks = [bytes(buffer[start : start + size]) for start in range(0, cut, size)]
        del buffer[:cut]
        return chunks

    def close(self) -> list[bytes]:
        rest = bytes(self._buffer)
        self._buffer.clear()
        return [rest] if rest else []


class ZstdSink:
    """One zstd frame with a content checksum, compressed as the data arrives, in chunks of ``chunk_size``.

    ``threads`` > 0 compresses on that many worker threads while the caller goes on encoding;
    the frame's bytes then differ from a single-threaded one's, its content does not.
    """

    def __init__(self, chunk_size: int, level: int, threads: int = 0) -> None:
        if level > MAX_LEVEL:
            raise ValueError(f"zstd level {level} is above {MAX_LEVEL}; readers would refuse its window size")
        if threads < 0:
            raise ValueError("threads must be 0 (compress in the caller's thread) or more")
        compressor = zstandard.ZstdCompressor(level=level, write_checksum=True, threads=threads)
        self._chunker = compressor.chunker(chunk_size=chunk_size)

    def write(self, data: bytes) -> list[bytes]:
        return list(self._chunker.compress(data))

    def close(self) -> list[bytes]:
        return list(self._chunker.finish())


def write_backup(
    header: Mapping[str, Any],
    sections: Iterable[tuple[str, Sequence[str], Iterable[Sequence[Any]]]],
    *,
    container: Container | str = Container.NDJSON_ZST,
    chunk_size: int = DEFAULT_CHUNK_SIZE,
    level: int = 3,
    limits: Limits = DEFAULT_LIMITS,
) -> Iterator[bytes]:
    """A whole backup as chunks: ``header``, each ``(model, fields, rows)`` of ``sections``, the end."""
    writer = BackupWriter(container, chunk_size=chunk_size, level=level, limits=limits)
    yield from writer.header(header)
    for model, fields, rows in sections:
        yield from writer.section(model, fields, rows)
    yield from writer.finish()
