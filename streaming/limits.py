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
    max_window_size
        Largest zstd window accepted (memory the decoder must allocate).  32 MiB covers every level up
        to 19, which is all the writer produces; zstd's own default ceiling is 128 MiB.
    max_line_bytes
        Largest NDJSON line, or (approximately, to within one read) largest element of a JSON document.
    max_depth
        Deepest nesting of arrays/objects in one record, the record itself counting as 1.  Defaults to
        the most the writer can produce, so every backup written is readable; nesting costs the reader
        memory and time linear in depth, so no lower default is needed for safety.
    max_number_digits
        JSON documents only: longest run of ASCII digits in the raw text, checked before ijson sees it
        (its C backend crashes on integer literals longer than Python's int-string limit, 4300 digits by
        default).  A run inside a string counts too, hence a default far above any real number or ID;
        the interpreter's own limit caps it.  NDJSON needs no such check: orjson reads a long integer as
        a float and refuses one beyond a double (``number_too_long``).
    read_size
        Bytes asked from the decoder per read; bounds the memory used by one step.
    """

    max_decompressed_bytes: int = 64 * GiB
    max_window_size: int = 32 * MiB
    max_line_bytes: int = 16 * MiB
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
