"""Writing then reading every container gives back the same records and the same digest."""

from __future__ import annotations

import gzip
import io
from typing import Any

import orjson
import pytest
import zstandard

from streaming import (
    BackupReader,
    BackupWriter,
    Compression,
    Container,
    End,
    Header,
    Layout,
    Row,
    Section,
    SectionEnd,
    detect,
    encode_record,
    iter_records,
    verify,
)
from tests.streaming.samples import CLIENT_FIELDS, TASK_FIELDS, build_backup, sample_header, sample_sections

CONTAINERS = ["ndjson.zst", "ndjson", "json"]


def expected_events() -> list[tuple[Any, ...]]:
    """What the reader must yield for the sample backup, values as JSON would carry them."""
    events: list[tuple[Any, ...]] = [("header", orjson.loads(encode_record(sample_header())))]
    for model, fields, rows in sample_sections():
        events.append(("section", model, fields))
        events.extend(("row", orjson.loads(encode_record(row))) for row in rows)
        events.append(("section_end", model, len(rows)))
    return events


def summarize(events: list[Any]) -> list[tuple[Any, ...]]:
    out: list[tuple[Any, ...]] = []
    for event in events:
        match event:
            case Header(data=data):
                out.append(("header", data))
            case Section(model=model, fields=fields):
                out.append(("section", model, fields))
            case Row(values=values):
                out.append(("row", values))
            case SectionEnd(model=model, rows=rows):
                out.append(("section_end", model, rows))
    return out


@pytest.mark.parametrize(
    ("container", "gzipped"),
    [("ndjson.zst", False), ("ndjson", False), ("json", False), ("ndjson", True), ("json", True)],
)
def test_round_trip(container: str, gzipped: bool) -> None:
    data = build_backup(container)
    if gzipped:
        data = gzip.compress(data)
    events = list(iter_records(io.BytesIO(data)))
    assert summarize(events) == expected_events()
    assert isinstance(events[-1], End)
    assert (events[-1].sections, events[-1].rows) == (3, 4)


def test_values_are_encoded_as_documented() -> None:
    rows = [e.values for e in iter_records(io.BytesIO(build_backup())) if isinstance(e, Row)]
    client = dict(zip(CLIENT_FIELDS, rows[0], strict=True))
    assert client["saldo"] == "1234.50"
    assert client["alta"] == "2024-03-09T08:30:15.250000-05:00"
    assert client["nacimiento"] == "1990-02-28"
    assert client["uuid"] == "12345678-1234-5678-1234-567812345678"
    assert client["notas"] is None
    assert client["nombre"] == "Ana Pérez"
    assert client["extra"]["nested"]["n"] == [1, [2, [3]]]
    assert dict(zip(CLIENT_FIELDS, rows[1], strict=True))["alta"] == "2024-12-31T23:59:59Z"
    task = dict(zip(TASK_FIELDS, rows[2], strict=True))
    assert task["hora"] == "09:15:00"
    assert task["duracion"] == "P0DT01H30M00S"
    assert task["grande"] == 2**62
    assert task["ratio"] == 0.1
    assert dict(zip(TASK_FIELDS, rows[3], strict=True))["duracion"] == "-P0DT23H59M55S"


def test_same_digest_in_every_container() -> None:
    digests = {c: verify(io.BytesIO(build_backup(c))).sha256 for c in CONTAINERS}
    digests["json.gz"] = verify(io.BytesIO(gzip.compress(build_backup("json")))).sha256
    assert len(set(digests.values())) == 1


def test_json_container_is_one_record_per_line_array() -> None:
    data = build_backup("json")
    assert data.startswith(b"[\n") and data.endswith(b"\n]\n")
    document = orjson.loads(data)
    ndjson = [orjson.loads(line) for line in build_backup("ndjson").splitlines()]
    assert document == ndjson
    assert data.count(b"\n") == len(document) + 2


def test_json_document_reformatted_by_a_tool_still_verifies() -> None:
    """The digest covers records, not formatting: a pretty-printed export still checks out."""
    document = orjson.loads(build_backup("json"))
    pretty = orjson.dumps(document, option=orjson.OPT_INDENT_2)
    assert verify(io.BytesIO(pretty)).sha256 == verify(io.BytesIO(build_backup("ndjson"))).sha256


@pytest.mark.parametrize(
    ("data", "compression", "layout"),
    [
        (build_backup("ndjson.zst"), Compression.ZSTD, Layout.NDJSON),
        (build_backup("ndjson"), Compression.NONE, Layout.NDJSON),
        (build_backup("json"), Compression.NONE, Layout.JSON),
        (gzip.compress(build_backup("ndjson")), Compression.GZIP, Layout.NDJSON),
        (gzip.compress(build_backup("json")), Compression.GZIP, Layout.JSON),
    ],
)
def test_detection_is_from_the_bytes(data: bytes, compression: Compression, layout: Layout) -> None:
    assert detect(data[:4096]) == (compression, layout)
    reader = BackupReader(io.BytesIO(data))
    assert (reader.compression, reader.layout) == (compression, layout)
    report = verify(io.BytesIO(data))
    assert (report.compression, report.layout) == (compression, layout)


def test_verify_report() -> None:
    data = build_backup("ndjson.zst")
    report = verify(io.BytesIO(data))
    assert report.header["tenant"] == {"slug": "taller-sur", "name": "Taller Sur"}
    assert report.header["created_at"] == "2024-05-01T12:00:00Z"
    assert report.sections == {
        "clientes_servicios.cliente": 2,
        "operaciones_inventario.tarea": 2,
        "finanzas_facturacion.pago": 0,
    }
    assert report.rows == 4
    assert report.decompressed_bytes == len(build_backup("ndjson"))
    assert report.sha256 == orjson.loads(build_backup("ndjson").splitlines()[-1])["sha256"]


def test_line_numbers_match_ndjson_lines_in_every_container() -> None:
    lines = {c: [e.line for e in iter_records(io.BytesIO(build_backup(c)))] for c in CONTAINERS}
    assert lines["ndjson"] == list(range(1, 13))
    assert lines["ndjson"] == lines["json"] == lines["ndjson.zst"]


def test_bom_and_leading_whitespace_are_tolerated() -> None:
    data = build_backup("ndjson")
    assert verify(io.BytesIO(b"\xef\xbb\xbf" + data)).rows == 4
    assert verify(io.BytesIO(b"\xef\xbb\xbf \n\t" + build_backup("json"))).rows == 4


def test_trailing_whitespace_after_a_json_document_is_accepted() -> None:
    """JSON allows whitespace after the document; NDJSON allows no blank line (test_streaming_errors)."""
    assert verify(io.BytesIO(build_backup("json") + b"\n  \n")).rows == 4


def test_end_record_without_final_newline_is_accepted() -> None:
    assert verify(io.BytesIO(build_backup("ndjson").rstrip(b"\n"))).rows == 4


def test_concatenated_zstd_frames_are_read_across() -> None:
    data = build_backup("ndjson")
    cut = data.index(b"\n", len(data) // 2) + 1
    compressor = zstandard.ZstdCompressor()
    two_frames = compressor.compress(data[:cut]) + compressor.compress(data[cut:])
    assert verify(io.BytesIO(two_frames)).rows == 4


@pytest.mark.parametrize("container", CONTAINERS)
@pytest.mark.parametrize("chunk_size", [1, 100, 4096])
def test_chunks_are_bounded(container: str, chunk_size: int) -> None:
    rows = [(i, "x" * (i % 50)) for i in range(3000)]
    writer = BackupWriter(container, chunk_size=chunk_size)
    chunks = [*writer.header(sample_header()), *writer.section("app.big", ["id", "text"], rows), *writer.finish()]
    assert max(map(len, chunks)) <= chunk_size
    if container != "ndjson.zst":
        assert all(len(c) == chunk_size for c in chunks[:-1])
    data = b"".join(chunks)
    assert writer.stats.bytes_out == len(data)
    assert verify(io.BytesIO(data)).rows == 3000


def test_writer_stats() -> None:
    writer = BackupWriter("ndjson")
    data = b"".join([*writer.header(sample_header())])
    for model, fields, rows in sample_sections():
        data += b"".join(writer.section(model, fields, rows))
    data += b"".join(writer.finish())
    assert writer.stats.sections == {
        "clientes_servicios.cliente": 2,
        "operaciones_inventario.tarea": 2,
        "finanzas_facturacion.pago": 0,
    }
    assert writer.stats.rows == 4
    assert writer.stats.raw_bytes == writer.stats.bytes_out == len(data)
    assert writer.stats.sha256 == verify(io.BytesIO(data)).sha256


def test_rows_may_be_any_iterable_of_sequences() -> None:
    rows = ([i, str(i)] for i in range(10))
    writer = BackupWriter("ndjson")
    data = b"".join([*writer.header(sample_header()), *writer.section("app.m", ("id", "name"), rows), *writer.finish()])
    assert verify(io.BytesIO(data)).sections == {"app.m": 10}


@pytest.mark.parametrize("container", list(Container))
def test_content_type_and_extension(container: Container) -> None:
    writer = BackupWriter(container)
    assert (
        writer.content_type
        == {
            "ndjson.zst": "application/zstd",
            "ndjson": "application/x-ndjson",
            "json": "application/json",
        }[container]
    )
    assert writer.extension == "." + container.value


def test_empty_backup_without_sections() -> None:
    for container in CONTAINERS:
        writer = BackupWriter(container)
        data = b"".join([*writer.header(sample_header()), *writer.finish()])
        report = verify(io.BytesIO(data))
        assert (report.sections, report.rows) == ({}, 0)
