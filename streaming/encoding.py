"""Value encoding shared by the writer and the JSON-document reader, so digests agree byte for byte.

orjson handles ``int``, ``float``, ``str``, ``bool``, ``None``, ``list``, ``tuple``, ``dict``, ``UUID``
(as its canonical string), ``date`` (``YYYY-MM-DD``), ``time`` and ``datetime`` natively; aware datetimes
come out as ISO 8601 with their offset, UTC as ``Z``.  Naive datetimes come out without an offset: Django
with ``USE_TZ = True`` never returns them, and catching them would need a Python call per datetime.
``default`` adds what a Django ``values_list`` can return beyond that:

* ``Decimal`` -> its exact ``str`` (money must not go through float);
* ``timedelta`` -> an ISO 8601 duration in the form Django's ``duration_iso_string`` writes
  (``P3DT04H05M06.000007S``, ``-P...`` when negative), which ``parse_duration`` reads back;
* ``bytes`` / ``memoryview`` (BinaryField) -> ``TypeError``: binary columns are not part of a backup.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from decimal import Decimal
from functools import partial
from typing import Any

import orjson

_OPTIONS = orjson.OPT_UTC_Z


def _default(value: Any) -> Any:
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, timedelta):
        return duration_iso(value)
    if isinstance(value, (bytes, bytearray, memoryview)):
        raise TypeError("binary values (BinaryField) cannot be stored in a backup")
    raise TypeError(f"a value of type {type(value).__name__} cannot be stored in a backup")


def duration_iso(value: timedelta) -> str:
    """ISO 8601 duration, the same text Django's ``duration_iso_string`` produces."""
    sign = "-" if value < timedelta(0) else ""
    value = abs(value)
    minutes, seconds = divmod(value.seconds, 60)
    hours, minutes = divmod(minutes, 60)
    fraction = f".{value.microseconds:06d}" if value.microseconds else ""
    return f"{sign}P{value.days}DT{hours:02d}H{minutes:02d}M{seconds:02d}{fraction}S"


encode_record: Callable[[Any], bytes] = partial(orjson.dumps, default=_default, option=_OPTIONS)
"""The canonical encoding of one record, without the newline (a ``partial``: no Python frame per call)."""

encode_line: Callable[[Any], bytes] = partial(
    orjson.dumps, default=_default, option=_OPTIONS | orjson.OPT_APPEND_NEWLINE
)
"""The canonical NDJSON line of one record: ``encode_record(obj) + b"\\n"`` in one call."""
