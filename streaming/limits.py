"""Resource limits applied while reading a backup that may be hostile."""

from __future__ import annotations

from dataclasses import dataclass

KiB = 1024
MiB = 1024 * KiB
GiB = 1024 * MiB

MAX_DEPTH = 254
"""Deepest record orjson can encode: deeper ones are never written, and could not be re-encoded to check
the digest of a JSON document."""


@dataclass(frozen=True, slots=True)
class Limits:
    """Limits checked incrementally, so no input can make the reader hold more than about one record.

    max_decompressed_bytes
        Total bytes after decompression (also counted for uncompressed files).  64 GiB by default: far
        above a real tenant, low enough to stop a decompression bomb from running for hours.
    max_compression_ratio, ratio_allowance
        Compressed files only: once more than ``ratio_allowance`` bytes are decoded, decoded bytes may not
        pass ``max_compression_ratio`` times the compressed bytes read.  A backup the writer makes
        compresses about 5x (zstd level 3; very repetitive tables reach 20-50x), so 200 leaves ample room,
        while a bomb (1 GiB of zeros is 32 KiB of zstd) is stopped after the allowance, in well under a
        second, instead of running up to ``max_decompressed_bytes``.
    max_window_size
        Largest zstd window accepted (memory the decoder must allocate).  32 MiB covers every level up
        to 19, which is all the writer produces; zstd's own default ceiling is 128 MiB.
    max_line_bytes
        Largest NDJSON line (without its newline), or largest record of a JSON document once re-encoded
        canonically; the writer refuses rows over it, so every backup written is readable.
    max_line_items
        Upper bound on the values one record may create: a line longer than this many bytes may hold at
        most this many ``,``, ``[`` and ``{`` bytes (strings included: a cheap count the writer applies
        too).  Bounds the Python objects, hence the memory and time, one 16 MiB line can cost.
    max_depth
        Deepest nesting of arrays/objects in one record, the record itself counting as 1.  Defaults to
        the most the writer can produce, so every backup written is readable; nesting costs the reader
        memory and time linear in depth, so no lower default is needed for safety.
    max_number_digits
        Longest run of digits in one number literal (digits in strings do not count), checked in the raw
        text before a parser sees it: ijson's C backend crashes on integer literals longer than Python's
        int-string limit (4300 digits by default), which also caps this limit.  The writer never produces
        more than 20 digits.  Integer literals beyond 64 bits are refused too (``number_too_long``):
        orjson, hence the writer, cannot represent them.
    read_size
        Bytes asked from the decoder per read; bounds the memory used by one step.
    """

    max_decompressed_bytes: int = 64 * GiB
    max_compression_ratio: int = 200
    ratio_allowance: int = 64 * MiB
    max_window_size: int = 32 * MiB
    max_line_bytes: int = 16 * MiB
    max_line_items: int = 100_000
    max_depth: int = MAX_DEPTH
    max_number_digits: int = 1000
    read_size: int = 256 * KiB

    def __post_init__(self) -> None:
        for name in self.__slots__:
            if getattr(self, name) < 1:
                raise ValueError(f"Limits.{name} must be positive")
        if self.max_window_size < KiB:
            raise ValueError("Limits.max_window_size must be at least 1 KiB (zstd's smallest window)")
        if self.max_depth > MAX_DEPTH:
            raise ValueError(f"Limits.max_depth cannot exceed {MAX_DEPTH} (the deepest record orjson encodes)")


DEFAULT_LIMITS = Limits()
"""The limits every reader applies unless told otherwise; the dataclass defaults above are their one source."""


def human_size(size: int) -> str:
    """``size`` in the largest binary unit it reaches: ``16 MiB``, ``1.5 GiB``, ``300 bytes``."""
    for unit, name in ((GiB, "GiB"), (MiB, "MiB"), (KiB, "KiB")):
        if size >= unit:
            return f"{size / unit:g} {name}"
    return f"{size} bytes"


def line_items(line: bytes) -> int:
    """The ``max_line_items`` rule's count: ``,``, ``[`` and ``{`` bytes, an upper bound of the values of a line."""
    return line.count(b",") + line.count(b"[") + line.count(b"{")
