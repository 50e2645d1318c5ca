"""Every error code, raised at the right line, whatever the container."""

from __future__ import annotations

import gzip
import inspect
import io
import os
import subprocess
import sys
import time
from pathlib import Path

import orjson
import pytest
import zstandard

from streaming import BackupError, BackupFormatError, ErrorCode, Limits, iter_records, verify
from streaming.format import section_end_record, section_record
from tests.streaming import test_streaming_hardening, test_streaming_hostile
from tests.streaming.samples import (
    as_document,
    build_backup,
    craft,
    fails,
    sample_header,
    simple_records,
    with_end,
    zstd,
)

ROOT = Path(__file__).resolve().parents[2]
PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(64)


def sample_lines() -> list[bytes]:
    return build_backup("ndjson").splitlines(keepends=True)


def big_backup(rows: int = 5000) -> bytes:
    return build_backup("ndjson", [("app.model", ["id", "name"], [(i, f"name {i}") for i in range(rows)])])


@pytest.mark.parametrize(
    "data",
    [b"", b" \n\t\r\n", gzip.compress(b""), b"\xef\xbb\xbf", gzip.compress(b"\n\n")],
    ids=["empty", "whitespace", "gzip", "bom", "gzip-blank"],
)
def test_empty_file(data: bytes) -> None:
    fails(data, ErrorCode.EMPTY_FILE)


def test_empty_zstd_frame_reads_as_cut_off() -> None:
    """A zstd stream that decodes to nothing is far more likely cut off than deliberately empty."""
    fails(zstd(b""), ErrorCode.TRUNCATED)


@pytest.mark.parametrize(
    ("data", "line"),
    [
        (PNG, None),
        (gzip.compress(PNG), None),
        (zstd(PNG), None),
        (b"%PDF-1.7\n", None),
        (b"x" * 100, None),
        (b" " * 70_000 + b"{}", None),
        (b'{"foo": 1}\n', 1),
        (b"[1, 2]", 1),
        (b"[]", None),
        (b'{"kind":"section","model":"a","fields":[]}\n', 1),
        (b"{not json\n", 1),
        (b"[oops]", 1),
    ],
    ids=[
        "png",
        "gzip-png",
        "zstd-png",
        "pdf",
        "text",
        "far-first-byte",
        "other-json",
        "json-array",
        "empty-array",
        "headless",
        "broken-first-line",
        "broken-json",
    ],
)
def test_not_a_backup(data: bytes, line: int | None) -> None:
    error = fails(data, ErrorCode.NOT_A_BACKUP, line)
    assert "not a backup" in error.message


def test_not_a_backup_is_raised_when_opening() -> None:
    with pytest.raises(BackupFormatError) as caught:
        iter_records(io.BytesIO(PNG))
    assert caught.value.code == ErrorCode.NOT_A_BACKUP


def test_wrong_format() -> None:
    error = fails(craft([{**sample_header(), "format": "someone-else"}]), ErrorCode.WRONG_FORMAT, 1)
    assert "someone-else" in error.message
    fails(craft([{**sample_header(), "version": "1"}]), ErrorCode.WRONG_FORMAT, 1)


def test_newer_version_is_explained() -> None:
    error = fails(craft([{**sample_header(), "version": 2}]), ErrorCode.UNSUPPORTED_VERSION, 1)
    assert "newer release" in error.message
    assert "version 2" in error.message
    fails(craft([{**sample_header(), "version": 0}]), ErrorCode.UNSUPPORTED_VERSION, 1)


def test_truncated_without_end_record() -> None:
    lines = sample_lines()
    fails(b"".join(lines[:-1]), ErrorCode.TRUNCATED, len(lines))
    fails(as_document(b"".join(lines[:-1])), ErrorCode.TRUNCATED, len(lines))


def test_truncated_inside_a_section_names_it() -> None:
    lines = sample_lines()
    error = fails(b"".join(lines[:3]), ErrorCode.TRUNCATED, 4)
    assert error.section == "clientes_servicios.cliente"


def test_truncated_mid_line() -> None:
    data = build_backup("ndjson")
    cut = data.index(b"Ana")
    fails(data[:cut], ErrorCode.TRUNCATED, 3)


@pytest.mark.parametrize("keep", [0.3, 0.5, 0.9, 0.999])
def test_truncated_zstd(keep: float) -> None:
    compressed = zstd(big_backup(50_000))
    cut = compressed[: int(len(compressed) * keep)]
    decoded = zstandard.ZstdDecompressor().stream_reader(io.BytesIO(cut), read_across_frames=True).read()
    assert decoded, "the cut must leave some whole zstd blocks"
    fails(cut, ErrorCode.TRUNCATED, decoded.count(b"\n") + 1)


def test_truncated_zstd_before_its_first_block_is_complete() -> None:
    """zstd yields nothing until a whole block arrived; a cut that small must not pass for an empty file."""
    compressed = zstd(build_backup("ndjson"))
    for cut in (4, 12, len(compressed) // 2, len(compressed) - 5):
        error = fails(compressed[:cut], ErrorCode.TRUNCATED)
        assert "cut off" in error.message


def test_truncated_gzip() -> None:
    fails(gzip.compress(big_backup())[:-100], ErrorCode.TRUNCATED)


def test_truncated_json_document() -> None:
    data = build_backup("json")
    record_5 = data.split(b"\n", 5)  # line 1 is "[", so record 5 is on line 6
    cuts = {10: 1, len(data) - len(record_5[-1]) + 3: 5, len(data) - 3: 13}
    for cut, line in cuts.items():
        error = fails(data[:cut], ErrorCode.TRUNCATED, line)
        assert "incomplete" in error.message


def test_corrupt_zstd() -> None:
    compressed = bytearray(zstd(big_backup()))
    compressed[len(compressed) // 2] ^= 0xFF
    with pytest.raises(BackupFormatError) as caught:
        verify(io.BytesIO(bytes(compressed)))
    assert caught.value.code in {ErrorCode.CORRUPT, ErrorCode.INVALID_JSON, ErrorCode.INVALID_UTF8}


def test_corrupt_gzip_checksum() -> None:
    compressed = bytearray(gzip.compress(big_backup()))
    compressed[-6] ^= 0xFF  # inside the CRC32 trailer
    fails(bytes(compressed), ErrorCode.CORRUPT)


def test_garbage_after_zstd_frame_is_corrupt() -> None:
    fails(zstd(build_backup("ndjson")) + b"garbage!", ErrorCode.CORRUPT)


@pytest.mark.parametrize("container", ["ndjson", "json"])
def test_bit_flip_in_a_row_is_a_digest_mismatch_at_the_end_line(container: str) -> None:
    data = build_backup(container).replace(b"Ana P", b"Ana Q")
    error = fails(data, ErrorCode.DIGEST_MISMATCH, 12)
    assert "checksum" in error.message


def test_bit_flip_in_zstd_content() -> None:
    data = zstd(build_backup("ndjson").replace(b"1234.50", b"1234.59"))
    fails(data, ErrorCode.DIGEST_MISMATCH, 12)


def test_reordered_rows_are_a_digest_mismatch() -> None:
    lines = sample_lines()
    lines[2], lines[3] = lines[3], lines[2]
    fails(b"".join(lines), ErrorCode.DIGEST_MISMATCH, 12)


def test_reordered_sections_are_a_digest_mismatch() -> None:
    lines = sample_lines()
    reordered = [lines[0], *lines[5:9], *lines[1:5], *lines[9:]]
    fails(b"".join(reordered), ErrorCode.DIGEST_MISMATCH, 12)


def test_row_moved_before_its_section_is_bad_framing() -> None:
    lines = sample_lines()
    lines[1], lines[2] = lines[2], lines[1]
    error = fails(b"".join(lines), ErrorCode.BAD_FRAMING, 2)
    assert "outside any section" in error.message


@pytest.mark.parametrize("blank", [b"\n", b"  \n", b"\t\r\n"], ids=["empty", "spaces", "tab-cr"])
@pytest.mark.parametrize(("where", "line"), [(0, 1), (3, 4), (12, 13)], ids=["before-header", "inside", "after-end"])
def test_blank_line_is_bad_framing(blank: bytes, where: int, line: int) -> None:
    lines = sample_lines()
    lines.insert(where, blank)
    error = fails(b"".join(lines), ErrorCode.BAD_FRAMING, line)
    assert error.message == f"The backup is malformed: a blank line, where a record must be (line {line})."


def test_many_blank_lines_cost_little() -> None:
    """16 MiB of newlines used to cost a minute of CPU (one orjson error per line); now the first one stops."""
    data = build_backup("ndjson") + b"\n" * (16 << 20)
    started = time.process_time()
    fails(data, ErrorCode.BAD_FRAMING, 13)
    assert time.process_time() - started < 2


def test_tampered_digest() -> None:
    data = build_backup("ndjson")
    end = orjson.loads(data.splitlines()[-1])
    tampered = data.replace(end["sha256"].encode(), b"0" * 64)
    fails(tampered, ErrorCode.DIGEST_MISMATCH, 12)


def test_section_count_mismatch() -> None:
    records = simple_records(3)
    records[-1] = section_end_record("app.model", 4)
    error = fails(craft(records), ErrorCode.COUNT_MISMATCH, 6)
    assert error.section == "app.model"


def test_end_totals_mismatch() -> None:
    lines = sample_lines()
    end = orjson.loads(lines[-1])
    for key in ("rows", "sections"):
        wrong = {**end, key: end[key] + 1}
        fails(b"".join([*lines[:-1], orjson.dumps(wrong) + b"\n"]), ErrorCode.COUNT_MISMATCH, 12)


def test_row_arity() -> None:
    records = simple_records(3)
    records[3] = [1, "two", 3]
    error = fails(craft(records, end=False), ErrorCode.ROW_ARITY, 4)
    assert error.section == "app.model"
    assert "3 values" in error.message and "2 fields" in error.message


def test_row_outside_a_section() -> None:
    fails(craft([sample_header(), [1, 2]]), ErrorCode.BAD_FRAMING, 2)
    fails(craft([*simple_records(1), [1, 2]]), ErrorCode.BAD_FRAMING, 5)


def test_section_not_closed() -> None:
    records = [*simple_records(1)[:3], section_record("app.other", ["id"])]
    error = fails(craft(records), ErrorCode.BAD_FRAMING, 4)
    assert error.section == "app.model"


def test_end_before_section_closed() -> None:
    fails(craft(simple_records(1)[:3]), ErrorCode.BAD_FRAMING, 4)


def test_section_end_for_another_model() -> None:
    records = [*simple_records(1)[:3], section_end_record("app.other", 1)]
    fails(craft(records), ErrorCode.BAD_FRAMING, 4)


def test_section_end_without_section() -> None:
    fails(craft([sample_header(), section_end_record("app.model", 0)]), ErrorCode.BAD_FRAMING, 2)


@pytest.mark.parametrize(
    "record",
    [{"kind": "weird"}, {"no": "kind"}, "a string", 42, None, True],
    ids=["unknown-kind", "no-kind", "string", "number", "null", "bool"],
)
def test_unknown_record(record: object) -> None:
    fails(craft([*simple_records(1), record]), ErrorCode.BAD_FRAMING, 5)


@pytest.mark.parametrize(
    "record",
    [
        {"kind": "section", "model": "", "fields": []},
        {"kind": "section", "model": "a.b", "fields": "id"},
        {"kind": "section", "model": "a.b", "fields": ["id", 3]},
        {"kind": "section", "model": "a.b", "fields": ["id", "id"]},
        {"kind": "section", "model": 7, "fields": ["id"]},
    ],
    ids=["empty-model", "fields-not-list", "field-not-str", "field-twice", "model-not-str"],
)
def test_malformed_section_record(record: dict) -> None:
    fails(craft([sample_header(), record]), ErrorCode.BAD_FRAMING, 2)


def test_malformed_end_record() -> None:
    body = craft(simple_records(1), end=False)
    fails(body + b'{"kind":"end","sections":1,"rows":"1","sha256":"x"}\n', ErrorCode.BAD_FRAMING, 5)


def test_second_header() -> None:
    fails(craft([*simple_records(1), sample_header()]), ErrorCode.BAD_FRAMING, 5)


def test_records_after_end() -> None:
    data = build_backup("ndjson")
    fails(data + b'{"kind":"section","model":"x","fields":[]}\n', ErrorCode.BAD_FRAMING, 13)
    fails(data + b"[1]\n", ErrorCode.BAD_FRAMING, 13)
    fails(data + data, ErrorCode.BAD_FRAMING, 13)


def test_data_after_json_document() -> None:
    fails(build_backup("json") + b"[]", ErrorCode.INVALID_JSON, 13)


def test_duplicate_section() -> None:
    records = [*simple_records(1), *simple_records(1)[1:]]
    error = fails(craft(records), ErrorCode.DUPLICATE_SECTION, 5)
    assert error.section == "app.model"


@pytest.mark.parametrize("container", ["ndjson", "json"])
def test_invalid_utf8(container: str) -> None:
    data = build_backup("ndjson").replace("Pérez".encode(), b"P\xe9rez")
    fails(data if container == "ndjson" else as_document(data), ErrorCode.INVALID_UTF8, 3)
    in_header = build_backup("ndjson").replace(b"Taller Sur", b"Taller \xff\xfe")
    fails(in_header if container == "ndjson" else as_document(in_header), ErrorCode.INVALID_UTF8, 1)


@pytest.mark.parametrize("container", ["ndjson", "json"])
def test_invalid_json(container: str) -> None:
    data = build_backup("ndjson").replace(b'"Ana', b"Ana")
    fails(data if container == "ndjson" else as_document(data), ErrorCode.INVALID_JSON, 3)


@pytest.mark.parametrize("container", ["ndjson", "json"])
def test_line_too_long(container: str) -> None:
    records = simple_records(3)
    records[3] = [1, "x" * 5000]
    data = craft(records)
    if container == "json":
        data = as_document(data)
    error = fails(data, ErrorCode.LINE_TOO_LONG, 4, max_line_bytes=1000, read_size=512)
    assert "1000 bytes" in error.message


def test_line_too_long_is_refused_before_its_end_arrives() -> None:
    """An endless line is refused once the limit is passed: it is never buffered whole."""

    class Endless:
        def __init__(self) -> None:
            self.served = 0
            self.head = craft(simple_records(0)[:2], end=False) + b'[1,"'

        def read(self, size: int = -1) -> bytes:
            if self.head:
                data, self.head = self.head, b""
                return data
            self.served += size
            return b"x" * size

    source = Endless()
    with pytest.raises(BackupFormatError) as caught:
        verify(source, limits=Limits(max_line_bytes=1 << 20, read_size=64 << 10))
    assert (caught.value.code, caught.value.line) == (ErrorCode.LINE_TOO_LONG, 3)
    assert source.served <= (1 << 20) + (64 << 10)


def test_error_to_dict() -> None:
    error = fails(craft([sample_header(), [1, 2]]), ErrorCode.BAD_FRAMING, 2)
    assert error.to_dict() == {
        "code": "bad_framing",
        "message": error.message,
        "line": 2,
        "section": None,
        "field": None,
    }
    assert orjson.dumps(error.to_dict())


def test_every_error_code_is_covered_here() -> None:
    source = "".join(
        inspect.getsource(module)
        for module in (sys.modules[__name__], test_streaming_hostile, test_streaming_hardening)
    )
    missing = [code.name for code in ErrorCode if f"ErrorCode.{code.name}" not in source]
    assert missing == []


def test_with_end_helper_builds_valid_files() -> None:
    assert verify(io.BytesIO(with_end(b"".join(sample_lines()[:-1])))).rows == 4


def test_backup_error_is_reusable_by_subclasses() -> None:
    class RestoreInProgress(BackupError):
        code = "restore_in_progress"

    error = RestoreInProgress("Another restore is running.", section="app.m")
    assert error.to_dict() == {
        "code": "restore_in_progress",
        "message": "Another restore is running.",
        "line": None,
        "section": "app.m",
        "field": None,
    }
    assert str(error) == "restore_in_progress: Another restore is running."
    assert isinstance(BackupFormatError(ErrorCode.TRUNCATED, "cut"), BackupError)
    with pytest.raises(ValueError):
        BackupFormatError("no_such_code", "x")  # type: ignore[arg-type]


def test_streaming_never_imports_django() -> None:
    script = "import sys, streaming; sys.exit(any(m.split('.')[0] == 'django' for m in sys.modules))"
    done = subprocess.run([sys.executable, "-c", script], env={**os.environ, "PYTHONPATH": str(ROOT)}, check=False)
    assert done.returncode == 0
