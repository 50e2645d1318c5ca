"""The ``Range`` and ``If-Range`` headers of a download (RFC 9110 §14): one byte range or the whole file.

Only a single range is served. A header this server does not serve (several ranges, another
unit, a malformed one) is ignored, as RFC 9110 allows: the answer is then the whole file (200).
A range that starts past the end is refused (416).
"""

from __future__ import annotations

import re

from ..errors import RangeNotSatisfiable

_SINGLE = re.compile(r"bytes=(?:(\d+)-(\d*)|-(\d+))")


def byte_range(header: str | None, size: int) -> tuple[int, int] | None:
    """The inclusive ``(first, last)`` byte positions ``header`` asks for in a file of ``size``
    bytes, or None for the whole file. ``RangeNotSatisfiable`` when it lies past the end."""
    match = _SINGLE.fullmatch((header or "").strip().replace(" ", ""))
    if match is None:
        return None
    first, last, suffix = match.groups()
    if suffix is not None:
        length = int(suffix)
        if length == 0 or size == 0:
            raise RangeNotSatisfiable()
        return max(0, size - length), size - 1
    start = int(first)
    if last and int(last) < start:
        return None  # an invalid range-spec: the header is ignored
    if start >= size:
        raise RangeNotSatisfiable()
    return start, min(int(last), size - 1) if last else size - 1


def if_range_matches(header: str | None, etag: str) -> bool:
    """Whether a ``Range`` may be honoured: no ``If-Range``, or one naming the current (strong)
    ETag. A date, or another ETag, means the client's copy is stale: the whole file is sent."""
    return header is None or header.strip() == etag
