"""Grouping rows for bulk inserts."""

from __future__ import annotations

import io

import pytest

from streaming import End, Header, Row, RowBatch, Section, SectionEnd, batch_rows, iter_records
from tests.streaming.samples import build_backup


def test_batches_never_span_sections() -> None:
    sections = [("app.a", ["id"], [(i,) for i in range(5)]), ("app.b", ["id"], [(i,) for i in range(3)])]
    events = list(batch_rows(iter_records(io.BytesIO(build_backup("ndjson", sections))), 2))
    shape = [
        (type(e).__name__, e.section.model, [r[0] for r in e.rows]) if isinstance(e, RowBatch) else type(e).__name__
        for e in events
    ]
    assert shape == [
        "Header",
        "Section",
        ("RowBatch", "app.a", [0, 1]),
        ("RowBatch", "app.a", [2, 3]),
        ("RowBatch", "app.a", [4]),
        "SectionEnd",
        "Section",
        ("RowBatch", "app.b", [0, 1]),
        ("RowBatch", "app.b", [2]),
        "SectionEnd",
        "End",
    ]
    assert isinstance(events[0], Header) and isinstance(events[1], Section)
    assert isinstance(events[5], SectionEnd) and isinstance(events[-1], End)
    assert [e.first_line for e in events if isinstance(e, RowBatch)] == [3, 5, 7, 10, 12]


def test_batch_size_must_be_positive() -> None:
    with pytest.raises(ValueError):
        list(batch_rows([], 0))


def test_rows_need_a_section() -> None:
    with pytest.raises(ValueError):
        list(batch_rows([Row([1], 3)], 10))
