"""Typed records yielded by the reader, each with its 1-based line (record) number."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(slots=True)
class Header:
    data: dict[str, Any]
    line: int


@dataclass(slots=True)
class Section:
    model: str
    fields: list[str]
    line: int


@dataclass(slots=True)
class Row:
    """One row; ``values`` is aligned with the ``fields`` of the enclosing ``Section``.

    ``size`` is the length of the row's canonical NDJSON line, newline included, whatever the container:
    what the row weighs, for batching by bytes.
    """

    values: list[Any]
    line: int
    size: int


@dataclass(slots=True)
class SectionEnd:
    model: str
    rows: int
    line: int


@dataclass(slots=True)
class End:
    sections: int
    rows: int
    sha256: str
    line: int


Event = Header | Section | Row | SectionEnd | End
