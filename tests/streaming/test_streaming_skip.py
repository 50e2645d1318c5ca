"""Skipping the rows of a section: ``skip`` drops them from the events, ``verified`` lets NDJSON pass them over
unparsed.  Either way the other events, their line numbers and every count check stay what a full read gives."""

from __future__ import annotations

import hashlib
import io
from typing import Any

import pytest

from streaming import (
    BackupFormatError,
    ErrorCode,
    Limits,
    Row,
    Section,
    encode_line,
    end_record,
    iter_records,
    section_end_record,
    section_record,
)
from tests.streaming.samples import as_document, craft, peak_memory, sample_header, with_end, zstd


def big_section_records(rows: int) -> list[Any]:
    """A small section, a big one to skip, then a section after it."""
    return [
        sample_header(),
        section_record("app.first", ["id", "name"]),
        [1, "uno"],
        [2, "dos"],
        section_end_record("app.first", 2),
        section_record("app.log", ["id", "text"]),
        *([i, f"entrada {i} [con] {{llaves}}"] for i in range(1, rows + 1)),
        section_end_record("app.log", rows),
        section_record("app.after", ["id", "x"]),
        [1, "a"],
        [2, "b"],
        section_end_record("app.after", 2),
    ]


def skip_log(section: Section) -> bool:
    return section.model == "app.log"


def events(data: bytes, **options: Any) -> list[Any]:
    return list(iter_records(io.BytesIO(data), **options))


def without_log_rows(full: list[Any]) -> list[Any]:
    """The events a skipping reader must yield: all of them but the rows of ``app.log``."""
    kept, inside = [], False
    for event in full:
        if type(event) is Section:
            inside = event.model == "app.log"
        if not (inside and type(event) is Row):
            kept.append(event)
    return kept


@pytest.mark.parametrize("read_size", [256 * 1024, 4096, 97], ids=["one-block", "blocks", "tiny-blocks"])
@pytest.mark.parametrize("verified", [False, True], ids=["checked", "verified"])
@pytest.mark.parametrize("compressed", [False, True], ids=["ndjson", "zst"])
def test_ndjson_skip_yields_every_other_event_with_its_line(read_size, verified, compressed):
    data = craft(big_section_records(3000))
    data = zstd(data) if compressed else data
    full = events(data)
    skipped = events(data, skip=skip_log, verified=verified, limits=Limits(read_size=read_size))
    assert skipped == without_log_rows(full)
    assert [e.line for e in skipped if type(e) is Row] == [3, 4, 3009, 3010]


@pytest.mark.parametrize("verified", [False, True], ids=["checked", "verified"])
def test_json_document_skip_parses_and_drops_the_rows(verified):
    data = as_document(craft(big_section_records(500)))
    assert events(data, skip=skip_log, verified=verified) == without_log_rows(events(data))


def test_empty_and_neighbouring_skipped_sections():
    records = [
        sample_header(),
        section_record("app.log", ["id"]),
        section_end_record("app.log", 0),
        section_record("app.other", ["id"]),
        [7],
        section_end_record("app.other", 1),
    ]
    data = craft(records)
    everything = lambda section: True  # noqa: E731
    got = events(data, skip=everything, verified=True, limits=Limits(read_size=8))
    assert [(type(e).__name__, e.line) for e in got] == [
        ("Header", 1), ("Section", 2), ("SectionEnd", 3), ("Section", 4), ("SectionEnd", 6), ("End", 7)
    ]
    assert got[4].rows == 1


@pytest.mark.parametrize("read_size", [256 * 1024, 300], ids=["one-block", "blocks"])
def test_rows_that_are_not_plain_lines_are_parsed_instead(read_size):
    """A row or a control record with leading whitespace (valid JSON, not what the writer makes): the
    byte scan does not recognise the lines, so the source parses them, and the counts still hold."""
    body = craft(big_section_records(50), end=False)
    body = body.replace(b"\n[7,", b"\n [7,").replace(b'\n{"kind":"section_end","model":"app.log"', b'\n\t{"kind":"section_end","model":"app.log"')
    data = body + encode_line(end_record(3, 54, hashlib.sha256(body).hexdigest()))
    expected = without_log_rows(events(data))
    assert events(data, skip=skip_log, verified=True, limits=Limits(read_size=read_size)) == expected


def test_later_errors_keep_their_line_numbers():
    records = big_section_records(2000)
    records[-2] = [2, "b", "one value too many"]
    data = craft(records)
    for options in ({}, {"skip": skip_log, "verified": True, "limits": Limits(read_size=1000)}):
        with pytest.raises(BackupFormatError) as caught:
            events(data, **options)
        assert (caught.value.code, caught.value.line, caught.value.section) == (ErrorCode.ROW_ARITY, 2010, "app.after")


def test_verified_skip_still_checks_the_row_count():
    records = big_section_records(100)
    records[106] = section_end_record("app.log", 99)
    with pytest.raises(BackupFormatError) as caught:
        events(craft(records), skip=skip_log, verified=True)
    assert (caught.value.code, caught.value.line, caught.value.section) == (ErrorCode.COUNT_MISMATCH, 107, "app.log")


def test_verified_skip_still_checks_the_digest():
    """Every byte still goes into the digest: a skipped row changed after the file was made is caught."""
    data = craft(big_section_records(100)).replace(b"entrada 50 ", b"entrada 51 ")
    with pytest.raises(BackupFormatError) as caught:
        events(data, skip=skip_log, verified=True)
    assert caught.value.code == ErrorCode.DIGEST_MISMATCH


def test_only_verified_passes_rows_over_unparsed():
    """Without ``verified`` a skipped row is checked like any other; with it, the row is not even parsed
    (the trust ``verified`` states: those bytes passed a full read already)."""
    body = craft(big_section_records(100), end=False).replace(b'\n[50,"entrada 50', b'\n[50,"entrada 50" "')
    data = with_end(body)
    with pytest.raises(BackupFormatError) as caught:
        events(data, skip=skip_log)
    assert (caught.value.code, caught.value.line) == (ErrorCode.INVALID_JSON, 56)
    assert [e.rows for e in events(data, skip=skip_log, verified=True) if hasattr(e, "rows")][1:3] == [100, 2]


@pytest.mark.slow
def test_verified_skip_memory_stays_flat():
    """Passing over a section costs a few read blocks whatever its size (both files span many blocks)."""

    def read(rows: int) -> Any:
        data = zstd(craft(big_section_records(rows)))
        return lambda: events(data, skip=skip_log, verified=True)

    small, large = read(20_000), read(200_000)
    peak_small, peak_large = peak_memory(small), peak_memory(large)
    assert peak_large - peak_small < 256 * 1024, (peak_small, peak_large)
    assert peak_large < 8 * Limits().read_size, peak_large
