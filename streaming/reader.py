"""Reading a backup: detection, decoding, parsing and framing checks composed into one stream of events."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from .codecs import Readable, open_decoded
from .document import DocumentRecords
from .events import End, Event, Header, SectionEnd
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
    """

    def __init__(self, fileobj: Readable, *, limits: Limits = DEFAULT_LIMITS) -> None:
        self._stream = open_decoded(fileobj, limits)
        self._limits = limits
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
        source_type = NdjsonRecords if self.layout is Layout.NDJSON else DocumentRecords
        source = source_type(self._stream.reader, self._limits)
        return frame_records(source, source.digest_before)


def iter_records(fileobj: Readable, *, limits: Limits = DEFAULT_LIMITS) -> Iterator[Event]:
    """Events of the backup in ``fileobj`` (see ``BackupReader``); detection errors raise at once."""
    return iter(BackupReader(fileobj, limits=limits))


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
