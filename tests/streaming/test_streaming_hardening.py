"""Issue 12: bounded echo, compression ratio, values per line, canonical sizes, a writer that only writes
what the reader accepts, and one verdict for the same content in every container."""

from __future__ import annotations

import gzip
import io
from collections.abc import Callable
from typing import Any

import pytest

from streaming import (
    BackupError,
    BackupFormatError,
    BackupWriter,
    ErrorCode,
    Limits,
    Row,
    encode_line,
    encode_record,
    iter_records,
    verify,
)
from streaming.errors import UnrestorableRow, shorten
from tests.streaming.samples import (
    as_document,
    build_backup,
    craft,
    fails,
    peak_memory,
    sample_header,
    sample_sections,
    simple_records,
    zstd,
)

MiB = 1 << 20
CONTAINERS = ["ndjson.zst", "ndjson", "json"]


def both_layouts(records: list[Any]) -> list[bytes]:
    """The same records (with a correct end record) as NDJSON and as a JSON document."""
    ndjson = craft(records)
    return [ndjson, as_document(ndjson)]


# --- a) bounded echo ---------------------------------------------------------------------------------


def test_shorten() -> None:
    assert shorten("app.model") == "'app.model'"
    assert shorten(7) == "7"
    cut = shorten("x" * 10_000)
    assert len(cut) == 200 and cut.endswith("…") and cut.startswith("'xxx")
    assert shorten(list(range(1000)), 20) == "[0, 1, 2, 3, 4, 5, …"
    assert shorten("abc", 3) == "'a…"


def test_backup_error_caps_every_string() -> None:
    error = BackupError("m" * 5000, section="s" * 500, field="f" * 500)
    assert (len(error.message), len(error.section), len(error.field)) == (1000, 200, 200)
    assert error.message.endswith("…") and str(error).endswith("…")
    assert error.to_dict() == {
        "code": "backup_error",
        "message": error.message,
        "line": None,
        "section": error.section,
        "field": error.field,
    }
    assert BackupFormatError(ErrorCode.CORRUPT, "x", field="id").to_dict()["field"] == "id"


def test_hostile_format_name_is_quoted_shortly() -> None:
    for data in both_layouts([{**sample_header(), "format": "evil" * 100_000}]):
        error = fails(data, ErrorCode.WRONG_FORMAT, 1)
        quoted = shorten("evil" * 100_000)
        assert error.message == f"This file is a {quoted} file, not a tenant backup of this application."
        assert len(error.message) < 300


def test_hostile_model_name_is_quoted_shortly() -> None:
    model = "m" * (1 << 20)
    section = {"kind": "section", "model": model, "fields": ["id"]}
    records = [sample_header(), section, {"kind": "section_end", "model": model, "rows": 0}, section]
    for data in both_layouts(records):
        error = fails(data, ErrorCode.DUPLICATE_SECTION, 4)
        assert len(error.message) < 400 and "…" in error.message
        assert error.section == model[:199] + "…"


# --- c) compression ratio ------------------------------------------------------------------------------


def short_lines_bomb(compress: Callable[[bytes], bytes]) -> bytes:
    head = craft(simple_records(0)[:2], end=False)
    return compress(head + b'[1,"' + b"a" * 40 + b'"]\n' * 1 + (b'[1,"' + b"a" * 40 + b'"]\n') * 1_500_000)


@pytest.mark.parametrize("compress", [zstd, gzip.compress], ids=["zstd", "gzip"])
def test_compression_ratio_stops_a_bomb_early(compress: Callable[[bytes], bytes]) -> None:
    bomb = short_lines_bomb(compress)
    assert len(bomb) * 200 < 70 * MiB  # about 70 MB of rows

    def read() -> None:
        error = fails(bomb, ErrorCode.TOO_LARGE, ratio_allowance=MiB)
        assert error.message == (
            "The backup unpacks to more than 200 times its compressed size, far more than any backup "
            "this application writes: it looks like a decompression bomb."
        )

    assert peak_memory(read) < 8 * MiB


def test_compression_ratio_lets_real_backups_through() -> None:
    rows = [(i, f"cliente {i}", "notas " * (i % 7), i * 3) for i in range(50_000)]
    data = build_backup("ndjson.zst", [("app.m", ["id", "nombre", "notas", "n"], rows)])
    assert verify(io.BytesIO(data), limits=Limits(ratio_allowance=1024)).rows == 50_000
    fails(data, ErrorCode.TOO_LARGE, max_compression_ratio=2, ratio_allowance=1024)


def test_uncompressed_files_have_no_ratio() -> None:
    data = build_backup("ndjson")
    assert verify(io.BytesIO(data), limits=Limits(max_compression_ratio=1, ratio_allowance=1)).rows == 4


# --- d) values per line --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "value", [list(range(200)), {str(i): i for i in range(120)}, "," * 150], ids=["list", "dict", "commas"]
)
def test_too_many_values_same_verdict_in_both_layouts(value: Any) -> None:
    records = simple_records(2)
    records[2] = [1, value]
    for data in both_layouts(records):
        error = fails(data, ErrorCode.TOO_MANY_VALUES, 3, max_line_items=100)
        assert error.message == (
            "Line 3 holds more than the 100 values (counted as commas and brackets) allowed for one record."
        )


def test_a_line_within_max_line_items_bytes_is_never_counted() -> None:
    records = simple_records(2)
    records[2] = [1, "," * 90]  # 97 bytes, 92 commas
    for data in both_layouts(records):
        assert verify(io.BytesIO(data), limits=Limits(max_line_items=100)).rows == 2


def test_many_values_in_a_json_document_stay_small() -> None:
    """ten million values in one record: refused before the record is built, in bounded memory."""
    data = as_document(craft(simple_records(0)[:2], end=False) + b"[1,[" + b"7," * 10_000_000 + b"7]]\n")

    def read() -> None:
        fails(data, ErrorCode.TOO_MANY_VALUES, 3, max_line_bytes=64 * MiB)

    assert peak_memory(read) < 24 * MiB


def test_many_values_in_ndjson_are_refused_before_parsing() -> None:
    data = craft(simple_records(0)[:2], end=False) + b"[1,[" + b"7," * 10_000_000 + b"7]]\n"
    assert peak_memory(lambda: fails(data, ErrorCode.TOO_MANY_VALUES, 3, max_line_bytes=64 * MiB)) < 64 * MiB


def test_line_length_same_verdict_in_both_layouts() -> None:
    records = simple_records(2)
    records[2] = [1, "x" * 990]
    size = len(encode_record(records[2]))
    for data in both_layouts(records):
        assert verify(io.BytesIO(data), limits=Limits(max_line_bytes=size)).rows == 2
        fails(data, ErrorCode.LINE_TOO_LONG, 3, max_line_bytes=size - 1)


# --- e) Row.size ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("container", CONTAINERS)
def test_row_size_is_the_canonical_line_length(container: str) -> None:
    rows = [e for e in iter_records(io.BytesIO(build_backup(container))) if type(e) is Row]
    expected = [len(encode_line(row)) for _, _, section_rows in sample_sections() for row in section_rows]
    assert [row.size for row in rows] == expected


# --- f) the writer writes only what the reader reads ---------------------------------------------------


def test_writer_refuses_a_row_over_max_line_bytes() -> None:
    limits = Limits(max_line_bytes=MiB)
    rows = [(16, 3, "short"), (17, 3, "x" * (MiB + MiB // 2 - len('[17,3,""]')))]
    writer = BackupWriter("ndjson", limits=limits)
    list(writer.header(sample_header()))
    with pytest.raises(UnrestorableRow) as caught:
        list(writer.section("clientes_servicios.nota", ["id", "cliente", "texto"], rows))
    error = caught.value
    assert (error.code, error.section, error.field, error.values_id) == (
        "unrestorable_row",
        "clientes_servicios.nota",
        "texto",
        17,
    )
    assert error.message == (
        "clientes_servicios.nota #17: field 'texto' makes the row 1.5 MiB, over the 1 MiB one backup "
        "line may hold; shorten it, then back up again."
    )
    assert error.to_dict()["field"] == "texto"


def test_writer_refuses_a_row_over_max_line_items_and_leaves_no_readable_file() -> None:
    limits = Limits(max_line_items=100)
    writer = BackupWriter("ndjson", chunk_size=16, limits=limits)
    out = b"".join(writer.header(sample_header()))
    with pytest.raises(UnrestorableRow) as caught:
        for chunk in writer.section("app.m", ["id", "lista", "nota"], [(5, list(range(150)), "a,b")]):
            out += chunk
    assert (caught.value.field, caught.value.values_id) == ("lista", 5)
    assert "field 'lista' gives the row 154 values" in caught.value.message
    with pytest.raises(RuntimeError):
        list(writer.finish())
    with pytest.raises(BackupFormatError) as read:
        verify(io.BytesIO(out))
    assert read.value.code == ErrorCode.TRUNCATED


@pytest.mark.parametrize("container", CONTAINERS)
def test_a_row_exactly_at_the_limits_is_written_and_read_back(container: str) -> None:
    row = (1, 2, "x" * 992)  # canonical line: 1000 bytes plus the newline
    assert len(encode_line(row)) == 1001
    limits = Limits(max_line_bytes=1000, max_line_items=1000)
    data = build_backup(container, [("app.m", ["id", "a", "b"], [row])], limits=limits)
    assert verify(io.BytesIO(data), limits=limits).rows == 1
    with pytest.raises(UnrestorableRow):
        build_backup(container, [("app.m", ["id", "a", "b"], [row])], limits=Limits(max_line_bytes=999))


# --- g) numbers: digits in strings do not count, long integers are refused in both layouts ---------------


@pytest.mark.parametrize("container", CONTAINERS)
def test_long_digit_runs_in_text_round_trip(container: str) -> None:
    rows = [(1, "1" * 1010), (2, "9" * 5000 + '"\\' + "8" * 2000), (3, {"k": "7" * 1500})]
    data = build_backup(container, [("app.m", ["id", "texto"], rows)])
    values = [e.values for e in iter_records(io.BytesIO(data)) if type(e) is Row]
    assert values == [list(row) for row in (rows[0], rows[1], [3, {"k": "7" * 1500}])]


@pytest.mark.parametrize(
    "number",
    [b"99999999999999999999999", b"18446744073709551616", b"-9223372036854775809", b"1" + b"0" * 400],
    ids=["u77", "2**64", "below-i64", "400-digits"],
)
def test_integers_beyond_64_bits_same_verdict_in_both_layouts(number: bytes) -> None:
    head = craft(simple_records(0)[:2], end=False)
    ndjson = head + b"[1," + number + b"]\n"
    for data in (ndjson, as_document(ndjson)):
        error = fails(data, ErrorCode.NUMBER_TOO_LONG, 3)
        assert error.message.startswith("Line 3 holds a number too long or too large to read")


def test_64_bit_edges_and_long_floats_are_fine_in_both_layouts() -> None:
    records = simple_records(0)[:2]
    rows = [[1, 2**64 - 1], [2, -(2**63)], [3, 1.2345678901234567e300], [4, "12345678901234567890123"]]
    records += [*rows, {"kind": "section_end", "model": "app.model", "rows": 4}]
    for data in both_layouts(records):
        assert verify(io.BytesIO(data)).rows == 4
