"""Framework-free streaming of tenant backups: format v1 writer and hardened reader.

Never imports Django.  See ``format`` for the file layout, ``writer`` to produce a backup as chunks,
``reader`` to read one back as typed events, ``errors`` for the error codes.
"""

from .batching import RowBatch, batch_rows
from .codecs import detect, sniff_compression, sniff_layout
from .encoding import duration_iso, encode_line, encode_record
from .errors import BackupError, BackupFormatError, ErrorCode
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
from .limits import Limits
from .reader import DEFAULT_LIMITS, BackupReader, VerifyReport, iter_records, verify
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
    "RowBatch",
    "Section",
    "SectionEnd",
    "VerifyReport",
    "WriterStats",
    "batch_rows",
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
    "sniff_layout",
    "verify",
    "write_backup",
]
