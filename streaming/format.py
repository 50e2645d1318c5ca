"""File format v1: names, versions, containers and the builders of the control records.

A backup is a sequence of records, one JSON value each: a header, then for every model a ``section``
record, its rows (JSON arrays aligned with ``fields``) and a ``section_end``, then one ``end`` record
carrying the totals and the SHA-256 of the canonical NDJSON bytes of every record before it.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any

FORMAT_NAME = "erp-tenant-backup"
FORMAT_VERSION = 1
SUPPORTED_VERSIONS: frozenset[int] = frozenset({1})

KIND_HEADER = "backup"
KIND_SECTION = "section"
KIND_SECTION_END = "section_end"
KIND_END = "end"

_RESERVED_HEADER_KEYS = frozenset({"kind", "format", "version", "created_at"})


class Container(StrEnum):
    """How the records are laid out in a file (and whether zstd wraps them)."""

    NDJSON_ZST = "ndjson.zst"
    NDJSON = "ndjson"
    JSON = "json"

    @property
    def content_type(self) -> str:
        return _CONTENT_TYPES[self]

    @property
    def extension(self) -> str:
        """File name suffix, with the leading dot."""
        return "." + self.value


_CONTENT_TYPES = {
    Container.NDJSON_ZST: "application/zstd",
    Container.NDJSON: "application/x-ndjson",
    Container.JSON: "application/json",
}


class Compression(StrEnum):
    """Compression detected on a file being read."""

    NONE = "none"
    ZSTD = "zstd"
    GZIP = "gzip"


class Layout(StrEnum):
    """Record layout detected on a file being read, once decompressed."""

    NDJSON = "ndjson"
    JSON = "json"


def format_timestamp(moment: datetime) -> str:
    """ISO 8601 in UTC with a ``Z`` suffix; naive datetimes are refused (their zone is unknown)."""
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError("created_at must be a timezone-aware datetime")
    return moment.astimezone(UTC).isoformat().replace("+00:00", "Z")


def header_record(created_at: datetime, **extra: Any) -> dict[str, Any]:
    """The first record. ``extra`` holds caller keys such as ``tenant``, ``source`` and ``schema``."""
    clash = _RESERVED_HEADER_KEYS.intersection(extra)
    if clash:
        raise ValueError(f"header keys reserved by the format: {sorted(clash)}")
    return {
        "kind": KIND_HEADER,
        "format": FORMAT_NAME,
        "version": FORMAT_VERSION,
        "created_at": format_timestamp(created_at),
        **extra,
    }


def section_record(model: str, fields: Sequence[str]) -> dict[str, Any]:
    return {"kind": KIND_SECTION, "model": model, "fields": list(fields)}


def section_end_record(model: str, rows: int) -> dict[str, Any]:
    return {"kind": KIND_SECTION_END, "model": model, "rows": rows}


def end_record(sections: int, rows: int, sha256: str) -> dict[str, Any]:
    return {"kind": KIND_END, "sections": sections, "rows": rows, "sha256": sha256}
