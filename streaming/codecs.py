"""Compression detection and bounded decoding of a backup being read.

Decoders here are pull-based readers (``read(size) -> bytes``) wrapping the stream below them.  A push
decoder in the style of httpx's ``decode(data) -> bytes`` cannot be used for zstd: python-zstandard's
``decompressobj`` has no output bound, so a few KB of input can return gigabytes in one call.
``ZstdDecompressor.stream_reader(...).read(size)`` returns at most ``size`` bytes, so every read here is
bounded by the caller's read size, and ``CountingReader`` enforces ``max_decompressed_bytes`` as the
bytes flow, before they pile up anywhere.
"""

from __future__ import annotations

import gzip
import io
import zlib
from dataclasses import dataclass
from typing import Protocol

import zstandard

from .errors import BackupFormatError, ErrorCode, gettext_noop, not_a_backup
from .format import Compression, Layout
from .limits import DEFAULT_LIMITS, KiB, Limits, human_size

ZSTD_MAGIC = b"\x28\xb5\x2f\xfd"
GZIP_MAGIC = b"\x1f\x8b"
UTF8_BOM = b"\xef\xbb\xbf"
JSON_WHITESPACE = b" \t\r\n"
MAX_LEADING_WHITESPACE = 64 * KiB


class Readable(Protocol):
    def read(self, size: int = -1, /) -> bytes: ...


class PeekableReader:
    """Adds ``peek`` to a reader, so formats can be sniffed without a seekable file."""

    def __init__(self, inner: Readable) -> None:
        self._inner = inner
        self._buffer = b""

    def peek(self, size: int) -> bytes:
        """Up to ``size`` bytes from the front of the stream (fewer only at its end), not consumed."""
        while len(self._buffer) < size:
            data = self._inner.read(size - len(self._buffer))
            if not data:
                break
            self._buffer += data
        return self._buffer[:size]

    def skip(self, size: int) -> None:
        self._buffer = self._buffer[size:]

    def read(self, size: int = -1, /) -> bytes:
        if not self._buffer:
            return self._inner.read(size)
        if size < 0:
            data, self._buffer = self._buffer + self._inner.read(), b""
        else:
            data, self._buffer = self._buffer[:size], self._buffer[size:]
        return data


class ByteCounter:
    """Counts the bytes read through it."""

    def __init__(self, inner: Readable) -> None:
        self._inner = inner
        self.count = 0

    def read(self, size: int = -1, /) -> bytes:
        data = self._inner.read(size)
        self.count += len(data)
        return data


class CountingReader(ByteCounter):
    """Counts decoded bytes and raises ``too_large`` as soon as the total, or the ratio, passes its limit.

    ``compressed`` counts the bytes the decoder consumed; None for an uncompressed file (no ratio).
    """

    def __init__(self, inner: Readable, limits: Limits, compressed: ByteCounter | None) -> None:
        super().__init__(inner)
        self._limits = limits
        self._compressed = compressed

    def read(self, size: int = -1, /) -> bytes:
        data = super().read(size)
        limits = self._limits
        if self.count > limits.max_decompressed_bytes:
            raise BackupFormatError(
                ErrorCode.TOO_LARGE,
                gettext_noop("The backup unpacks to more than %(size)s, the largest size this server accepts."),
                params={"size": human_size(limits.max_decompressed_bytes)},
            )
        compressed = self._compressed
        ratio = limits.max_compression_ratio
        if compressed is not None and self.count > ratio * compressed.count + limits.ratio_allowance:
            raise BackupFormatError(
                ErrorCode.TOO_LARGE,
                gettext_noop(
                    "The backup unpacks to more than %(ratio)s times its compressed size, "
                    "far more than any backup this application writes: it looks like a decompression bomb."
                ),
                params={"ratio": ratio},
            )
        return data


class _ZstdReader:
    def __init__(self, source: Readable, limits: Limits) -> None:
        decompressor = zstandard.ZstdDecompressor(max_window_size=limits.max_window_size)
        self._reader = decompressor.stream_reader(source, read_across_frames=True, closefd=False)
        self._max_window_size = limits.max_window_size

    def read(self, size: int = -1, /) -> bytes:
        try:
            return self._reader.read(size)
        except zstandard.ZstdError as exc:
            raise self._error(str(exc)) from exc

    def _error(self, detail: str) -> BackupFormatError:
        if "too much memory" in detail:
            return BackupFormatError(
                ErrorCode.TOO_LARGE,
                gettext_noop(
                    "The compressed backup needs more memory to unpack than this server allows "
                    "(zstd window over %(size)s)."
                ),
                params={"size": human_size(self._max_window_size)},
            )
        return BackupFormatError(
            ErrorCode.CORRUPT,
            gettext_noop("The compressed backup is damaged and cannot be unpacked (zstd data is corrupt)."),
        )


class _GzipReader:
    def __init__(self, source: Readable) -> None:
        self._reader = gzip.GzipFile(fileobj=source, mode="rb")

    def read(self, size: int = -1, /) -> bytes:
        try:
            return self._reader.read(size)
        except EOFError as exc:
            raise BackupFormatError(
                ErrorCode.TRUNCATED,
                gettext_noop("The gzip-compressed backup is incomplete: it was probably cut off while downloading."),
            ) from exc
        except (OSError, zlib.error) as exc:
            raise BackupFormatError(
                ErrorCode.CORRUPT, gettext_noop("The gzip-compressed backup is damaged and cannot be unpacked.")
            ) from exc


@dataclass(frozen=True, slots=True)
class DecodedStream:
    """A backup opened for reading: what was detected, and the decoded bytes positioned at the first record."""

    compression: Compression
    layout: Layout
    reader: PeekableReader
    counter: CountingReader

    @property
    def bytes_read(self) -> int:
        """Decoded bytes read so far."""
        return self.counter.count


def sniff_compression(head: bytes) -> Compression:
    """Compression from the first bytes of a file (never from its name)."""
    if head.startswith(ZSTD_MAGIC):
        return Compression.ZSTD
    if head.startswith(GZIP_MAGIC):
        return Compression.GZIP
    return Compression.NONE


def sniff_layout(decoded_head: bytes, *, at_end: bool, compression: Compression = Compression.NONE) -> Layout | None:
    """Layout from the first decoded bytes: ``[`` is a JSON document, ``{`` is NDJSON.

    A UTF-8 byte order mark and JSON whitespace in front are tolerated (editors add them).  Returns None
    when ``decoded_head`` is only whitespace and more data may follow.
    """
    text = decoded_head.removeprefix(UTF8_BOM).lstrip(JSON_WHITESPACE)
    if not text:
        if at_end:
            raise _nothing_decoded(compression)
        return None
    if text[:1] == b"[":
        return Layout.JSON
    if text[:1] == b"{":
        return Layout.NDJSON
    raise not_a_backup()


def open_decoded(fileobj: Readable, limits: Limits) -> DecodedStream:
    """Detect compression and layout from the bytes, and return the decoded stream without a BOM."""
    compressed = ByteCounter(fileobj)
    raw = PeekableReader(compressed)
    compression = sniff_compression(raw.peek(len(ZSTD_MAGIC)))
    ratio_base = None if compression is Compression.NONE else compressed
    counter = CountingReader(_decoder(raw, compression, limits), limits, ratio_base)
    decoded = PeekableReader(counter)
    layout = _sniff_decoded(decoded, compression)
    if decoded.peek(len(UTF8_BOM)) == UTF8_BOM:
        decoded.skip(len(UTF8_BOM))
    return DecodedStream(compression, layout, decoded, counter)


def detect(head: bytes) -> tuple[Compression, Layout]:
    """Compression and layout of a file from its first bytes (a few KiB is plenty).

    Raises ``BackupFormatError`` (``empty_file``, ``not_a_backup``...) when the head already shows the
    file cannot be a backup.
    """
    stream = open_decoded(io.BytesIO(head), DEFAULT_LIMITS)
    return stream.compression, stream.layout


def _decoder(raw: PeekableReader, compression: Compression, limits: Limits) -> Readable:
    if compression is Compression.ZSTD:
        return _ZstdReader(raw, limits)
    if compression is Compression.GZIP:
        return _GzipReader(raw)
    return raw


def _sniff_decoded(decoded: PeekableReader, compression: Compression) -> Layout:
    size = 64
    while True:
        head = decoded.peek(size)
        layout = sniff_layout(head, at_end=len(head) < size, compression=compression)
        if layout is not None:
            return layout
        if size >= MAX_LEADING_WHITESPACE:
            raise not_a_backup()
        size *= 4


def _nothing_decoded(compression: Compression) -> BackupFormatError:
    """zstd decodes nothing until a whole block (up to 128 KiB) has arrived: a cut file looks empty."""
    if compression is Compression.ZSTD:
        return BackupFormatError(
            ErrorCode.TRUNCATED,
            gettext_noop("The compressed backup holds no complete data: it was probably cut off while downloading."),
        )
    return BackupFormatError(ErrorCode.EMPTY_FILE, gettext_noop("The file is empty: it holds no backup data."))
