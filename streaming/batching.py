"""Grouping the rows of a section for bulk inserts."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from .events import Event, Row, Section


@dataclass(slots=True)
class RowBatch:
    """Consecutive rows of one section, at most the batch size; ``first_line`` locates errors."""

    section: Section
    rows: list[list[Any]]
    first_line: int


def batch_rows(events: Iterable[Event], size: int) -> Iterator[Event | RowBatch]:
    """Pass events through, replacing ``Row`` events by ``RowBatch``\\ es of up to ``size`` rows.

    A batch never spans two sections and is always handed out before its section's ``SectionEnd``.
    """
    if size < 1:
        raise ValueError("size must be positive")
    section: Section | None = None
    batch: RowBatch | None = None
    for event in events:
        if type(event) is Row:
            if batch is None:
                if section is None:
                    raise ValueError("a Row came before any Section")
                batch = RowBatch(section, [], event.line)
            batch.rows.append(event.values)
            if len(batch.rows) >= size:
                yield batch
                batch = None
            continue
        if batch is not None:
            yield batch
            batch = None
        if type(event) is Section:
            section = event
        yield event
