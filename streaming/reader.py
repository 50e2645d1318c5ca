"""Reading a backup: detection, decoding, parsing and framing checks composed into one stream of events."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

from .codecs import Readable, open_decoded
from .document import DocumentRecords
from .events import End, Event, Header, Section, SectionEnd
from .format import Compression, Layout
from .framing import frame_records
from .limits import DEFAULT_LIMITS, Limits
from .lines import NdjsonRecords


class BackupReader:
    """A backup opened for reading.

    Opening reads only the first bytes: compression and layout are known (and ``empty_file``,
    ``not_a_backup``... raised) before any record is parsed.  Iterating yields ``Header``, then for each
    section ``Section``, its ``Row``\\ s and ``SectionEnd``, then ``End`` once the totals and the digest
    have been verified.  Any problem raises ``BackupFormatError`` at the record where it shows.
    The file object is never closed here.

    ``skip(section)``, called for each section, returns True for a section whose rows the consumer does
    not want: it still gets the ``Section`` and ``SectionEnd`` (whose ``rows`` was checked against the
    rows the section holds), but no ``Row``.  By default those rows are still parsed and checked exactly
    as the others; skipping only spares the consumer.

    ``verified=True`` lets an NDJSON reader pass the skipped rows over without parsing them: it finds the
    section's end by scanning bytes and counts the lines, so line numbers stay right, and still feeds every
    byte to the digest (a file changed without its end record being rewritten still fails); but JSON
    validity, number lengths, values per line, nesting and row width are not checked for those rows.
    Use it only for bytes that passed a full read without ``verified`` and cannot have changed since:
    the restore's second pass over the server's own spooled copy of an upload, which it read and checked
    itself in its first pass, in the same request, and which no client can touch in between.  Never use it
    for a file a client hands over, or one that could be replaced between the two reads.  A JSON document
    is always parsed (ijson finds records only by parsing), so ``verified`` changes nothing there.
    """

    def __init__(
        self,
        fileobj: Readable,
        *,
        limits: Limits = DEFAULT_LIMITS,
        skip: Callable[[Section], bool] | None = None,
        verified: bool = False,
    ) -> None:
        self._stream = open_decoded(fileobj, limits)
        self._limits = limits
        self._skip = skip
        self._verified = verified
        self._started = False

    @property
    def compression(self) -> Compression:
        return self._stream.compression

    @property
    def layout(self) -> Layout:
        return self._stream.layout

    @property
    def bytes_read(self) -> int:
        """Decompressed bytes read so far (for progress reports)."""
        return self._stream.bytes_read

    def __iter__(self) -> Iterator[Event]:
        if self._started:
            raise RuntimeError("a BackupReader can be iterated only once")
        self._started = True
        reader = self._stream.reader
        source: NdjsonRecords | DocumentRecords
        if self.layout is Layout.NDJSON:
            source = NdjsonRecords(reader, self._limits, verified=self._verified)
        else:
            source = DocumentRecords(reader, self._limits)
        return frame_records(source, source.digest_before, skip=self._skip, skip_rows=source.skip_rows)


def iter_records(
    fileobj: Readable,
    *,
    limits: Limits = DEFAULT_LIMITS,
    skip: Callable[[Section], bool] | None = None,
    verified: bool = False,
) -> Iterator[Event]:
    """Events of the backup in ``fileobj`` (see ``BackupReader``); detection errors raise at once."""
    return iter(BackupReader(fileobj, limits=limits, skip=skip, verified=verified))


@dataclass(frozen=True, slots=True)
class VerifyReport:
    """What a full read of a valid backup found."""

    compression: Compression
    layout: Layout
    header: dict[str, Any]
    sections: dict[str, int] = field(default_factory=dict)
    rows: int = 0
    sha256: str = ""
    decompressed_bytes: int = 0


def verify(fileobj: Readable, *, limits: Limits = DEFAULT_LIMITS) -> VerifyReport:
    """Read the whole backup without a database; raise the first problem, else report its contents."""
    reader = BackupReader(fileobj, limits=limits)
    header: dict[str, Any] = {}
    sections: dict[str, int] = {}
    end: End | None = None
    for event in reader:
        if type(event) is SectionEnd:
            sections[event.model] = event.rows
        elif type(event) is Header:
            header = event.data
        elif type(event) is End:
            end = event
    if end is None:
        raise RuntimeError("the reader stopped without an end record or an error")
    return VerifyReport(
        compression=reader.compression,
        layout=reader.layout,
        header=header,
        sections=sections,
        rows=end.rows,
        sha256=end.sha256,
        decompressed_bytes=reader.bytes_read,
    )
