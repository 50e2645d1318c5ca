"""Framework-free streaming of tenant backups: the format v1 writer and a hardened reader.

Never imports Django.  Read the modules in this order (docs/format.md is the normative spec):

* ``format``   - names, containers and the builders of the control records;
* ``encoding`` - the canonical JSON encoding of a record (the digest covers these bytes);
* ``writer``   - ``BackupWriter`` / ``write_backup``: records in, bounded chunks out;
* ``limits``   - ``Limits``: what one hostile file may cost the reader;
* ``errors``   - ``BackupError`` / ``BackupFormatError`` / ``UnrestorableRow``, their stable codes;
* ``reader``   - ``BackupReader`` / ``iter_records`` / ``verify``, composed of the three stages below;
* ``codecs``   - detection of compression and layout, bounded decompression;
* ``lines`` / ``document`` - NDJSON lines or a JSON document turned into ``(line, value, size)``,
  with ``digits`` finding over-long number literals for both;
* ``framing``  - the order of records checked and turned into the typed ``events``.
"""

from .codecs import detect, sniff_compression, sniff_layout
from .encoding import duration_iso, encode_line, encode_record
from .errors import BackupError, BackupFormatError, ErrorCode, UnrestorableRow, shorten
from .events import End, Event, Header, Row, Section, SectionEnd
from .format import (
    FORMAT_NAME,
    FORMAT_VERSION,
    SUPPORTED_VERSIONS,
    Compression,
    Container,
    Layout,
    end_record,
    header_record,
    section_end_record,
    section_record,
)
from .limits import DEFAULT_LIMITS, Limits
from .reader import BackupReader, VerifyReport, iter_records, verify
from .writer import DEFAULT_CHUNK_SIZE, BackupWriter, WriterStats, write_backup

__all__ = [
    "DEFAULT_CHUNK_SIZE",
    "DEFAULT_LIMITS",
    "FORMAT_NAME",
    "FORMAT_VERSION",
    "SUPPORTED_VERSIONS",
    "BackupError",
    "BackupFormatError",
    "BackupReader",
    "BackupWriter",
    "Compression",
    "Container",
    "End",
    "ErrorCode",
    "Event",
    "Header",
    "Layout",
    "Limits",
    "Row",
    "Section",
    "SectionEnd",
    "UnrestorableRow",
    "VerifyReport",
    "WriterStats",
    "detect",
    "duration_iso",
    "encode_line",
    "encode_record",
    "end_record",
    "header_record",
    "iter_records",
    "section_end_record",
    "section_record",
    "sniff_compression",
    "shorten",
    "sniff_layout",
    "verify",
    "write_backup",
]
