"""Writer contract: state machine, interruption leaves a detectably incomplete file, encoding rules."""

from __future__ import annotations

import io
from datetime import UTC, datetime, timedelta, timezone
from decimal import Decimal
from typing import Any

import orjson
import pytest

from streaming import BackupFormatError, BackupWriter, ErrorCode, duration_iso, encode_record, header_record, verify
from tests.streaming.samples import sample_header


def test_interrupted_section_leaves_no_end_record() -> None:
    def rows() -> Any:
        yield (1, "a")
        yield (2, "b")
        raise ConnectionError("database went away")

    writer = BackupWriter("ndjson", chunk_size=16)
    out = b"".join(writer.header(sample_header()))
    with pytest.raises(ConnectionError):
        for chunk in writer.section("app.m", ["id", "name"], rows()):
            out += chunk
    with pytest.raises(RuntimeError):
        list(writer.finish())
    with pytest.raises(RuntimeError):
        list(writer.section("app.other", ["id"], []))
    with pytest.raises(BackupFormatError) as caught:
        verify(io.BytesIO(out))
    assert caught.value.code == ErrorCode.TRUNCATED


def test_abandoned_section_refuses_to_finish() -> None:
    writer = BackupWriter("ndjson.zst", chunk_size=1024)
    list(writer.header(sample_header()))
    chunks = writer.section("app.m", ["id"], ((i,) for i in range(100_000)))
    next(chunks)
    chunks.close()  # the HTTP client went away
    with pytest.raises(RuntimeError):
        list(writer.finish())


def test_call_order_is_enforced() -> None:
    writer = BackupWriter("ndjson")
    with pytest.raises(RuntimeError):
        list(writer.section("app.m", ["id"], []))
    with pytest.raises(RuntimeError):
        list(writer.finish())
    list(writer.header(sample_header()))
    with pytest.raises(RuntimeError):
        list(writer.header(sample_header()))
    list(writer.section("app.m", ["id"], [(1,)]))
    with pytest.raises(ValueError, match="already"):
        list(writer.section("app.m", ["id"], []))
    list(writer.finish())
    with pytest.raises(RuntimeError):
        list(writer.finish())


@pytest.mark.parametrize(
    ("model", "fields"), [("", ["id"]), ("app.m", ["id", "id"]), ("app.m", ["id", ""]), ("app.m", ["id", 3])]
)
def test_section_names_are_checked(model: str, fields: list[Any]) -> None:
    writer = BackupWriter("ndjson")
    list(writer.header(sample_header()))
    with pytest.raises(ValueError):
        list(writer.section(model, fields, []))


def test_header_must_be_a_backup_header() -> None:
    with pytest.raises(ValueError):
        list(BackupWriter().header({"kind": "backup"}))
    with pytest.raises(ValueError):
        list(BackupWriter().header({**sample_header(), "version": 2}))


def test_row_width_is_checked() -> None:
    writer = BackupWriter("ndjson")
    list(writer.header(sample_header()))
    with pytest.raises(ValueError, match="2 values"):
        list(writer.section("app.m", ["id", "name"], [(1, "a"), (2,)]))


def test_invalid_options() -> None:
    with pytest.raises(ValueError):
        BackupWriter("ndjson.gz")
    with pytest.raises(ValueError):
        BackupWriter(chunk_size=0)


def test_header_record() -> None:
    moment = datetime(2024, 5, 1, 7, 0, 0, 123, tzinfo=timezone(timedelta(hours=-5)))
    record = header_record(moment, tenant={"slug": "x"}, schema={"app.m": ["id"]})
    assert list(record)[:4] == ["kind", "format", "version", "created_at"]
    assert record["created_at"] == "2024-05-01T12:00:00.000123Z"
    assert record["tenant"] == {"slug": "x"}
    with pytest.raises(ValueError):
        header_record(datetime(2024, 5, 1))
    with pytest.raises(ValueError):
        header_record(datetime.now(UTC), version=3)


def test_encode_record() -> None:
    row = (Decimal("10.10"), Decimal("1E+2"), datetime(2024, 1, 1, tzinfo=UTC), timedelta(seconds=90))
    assert encode_record(row) == b'["10.10","1E+2","2024-01-01T00:00:00Z","P0DT00H01M30S"]'
    assert Decimal(orjson.loads(encode_record([Decimal("0.1")]))[0]) == Decimal("0.1")


@pytest.mark.parametrize("value", [b"raw", bytearray(b"x"), memoryview(b"x"), object(), {1, 2}])
def test_unencodable_values_raise_type_error(value: Any) -> None:
    with pytest.raises(TypeError):
        encode_record([value])


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (timedelta(0), "P0DT00H00M00S"),
        (timedelta(days=3, hours=4, minutes=5, seconds=6, microseconds=7), "P3DT04H05M06.000007S"),
        (timedelta(seconds=-1), "-P0DT00H00M01S"),
        (timedelta(days=-2, hours=1), "-P1DT23H00M00S"),
    ],
)
def test_duration_matches_django_duration_iso_string(value: timedelta, text: str) -> None:
    assert duration_iso(value) == text
