"""Hostile input: bombs, huge windows, deep nesting, endless numbers.  Each must end in a clean error.

The parsing cases also run in a subprocess, so a crash in a C extension (ijson's yajl2_c turns a
5000-digit integer into a SystemError or a segfault) fails the test instead of killing pytest.
"""

from __future__ import annotations

import gzip
import io
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
import zstandard

from streaming import BackupFormatError, ErrorCode, Limits, verify
from streaming.digits import NumberScanner
from tests.streaming.samples import build_backup, craft, fails, peak_memory, simple_records

ROOT = Path(__file__).resolve().parents[2]
MiB = 1 << 20


def ndjson_with_row(row: bytes) -> bytes:
    """Header and section of a valid file, then ``row`` as line 3."""
    return craft(simple_records(0)[:2], end=False) + row + b"\n"


def document_with_row(row: bytes) -> bytes:
    """The same as a JSON document: ``row`` is record 3."""
    head = craft(simple_records(0)[:2], end=False).replace(b"\n", b",\n")
    return b"[\n" + head + row + b"\n]\n"


def run_isolated(data: bytes, tmp_path: Path, **limits: int) -> str:
    """``verify`` in a fresh interpreter; returns ``code line`` of the error it printed."""
    source = tmp_path / "hostile.bin"
    source.write_bytes(data)
    script = textwrap.dedent(
        f"""
        from streaming import BackupFormatError, Limits, verify
        try:
            with open({str(source)!r}, "rb") as f:
                verify(f, limits=Limits(**{limits!r}))
        except BackupFormatError as e:
            print(e.code, e.line)
        else:
            print("accepted")
        """
    )
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, env=env, timeout=120, check=False
    )
    assert done.returncode == 0, f"interpreter died ({done.returncode}): {done.stderr[-2000:]}"
    return done.stdout.strip()


def zstd_stream(chunks, **params) -> bytes:
    compressor = zstandard.ZstdCompressor(**params)
    chunker = compressor.chunker(chunk_size=1 << 16)
    out = [piece for chunk in chunks for piece in chunker.compress(chunk)]
    return b"".join([*out, *chunker.finish()])


def test_zstd_bomb_is_stopped_at_the_limit_without_filling_memory() -> None:
    zeros = bytes(MiB)
    head = craft(simple_records(0)[:2], end=False) + b'[1,"'
    bomb = zstd_stream([head, *([zeros] * 1024)], level=3)  # 1 GiB of zeros
    assert len(bomb) < 64 * 1024
    limit = 4 * MiB

    def read() -> None:
        fails(bomb, ErrorCode.TOO_LARGE, max_decompressed_bytes=limit)

    assert peak_memory(read) < 3 * limit


def test_bomb_of_many_short_lines_is_stopped_too() -> None:
    row = b'[1,"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"]\n'
    head = craft(simple_records(0)[:2], end=False)
    bomb = zstd_stream([head, *([row * 20000] * 300)], level=3)  # about 300 MB of rows
    error = fails_any(bomb, max_decompressed_bytes=2 * MiB)
    assert error.code == ErrorCode.TOO_LARGE


def fails_any(data: bytes, **limits: int) -> BackupFormatError:
    with pytest.raises(BackupFormatError) as caught:
        verify(io.BytesIO(data), limits=Limits(**limits))
    return caught.value


def test_gzip_bomb() -> None:
    bomb = gzip.compress(b"{" + bytes(64 * MiB), compresslevel=9)
    assert len(bomb) < 128 * 1024
    assert fails_any(bomb, max_decompressed_bytes=MiB).code == ErrorCode.TOO_LARGE


def test_uncompressed_input_counts_against_the_limit() -> None:
    data = build_backup("ndjson")
    assert fails_any(data, max_decompressed_bytes=len(data) - 1).code == ErrorCode.TOO_LARGE
    assert verify(io.BytesIO(data), limits=Limits(max_decompressed_bytes=len(data))).rows == 4


def test_huge_zstd_window_is_refused() -> None:
    params = zstandard.ZstdCompressionParameters(window_log=30, compression_level=3, write_content_size=False)
    data = zstd_stream([build_backup("ndjson")], compression_params=params)
    assert zstandard.get_frame_parameters(data).window_size == 1 << 30
    error = fails(data, ErrorCode.TOO_LARGE)
    assert "memory" in error.message


def test_window_limit_is_configurable() -> None:
    data = build_backup("ndjson.zst", level=19)
    window = zstandard.get_frame_parameters(data).window_size
    assert verify(io.BytesIO(data), limits=Limits(max_window_size=window)).rows == 4
    fails(data, ErrorCode.TOO_LARGE, max_window_size=window // 2)


def test_writer_refuses_levels_whose_window_readers_refuse() -> None:
    with pytest.raises(ValueError, match="level"):
        build_backup("ndjson.zst", level=22)


@pytest.mark.parametrize("levels", [300, 1100, 100_000])
def test_deep_nesting_in_ndjson(levels: int) -> None:
    row = b"[1," + b"[" * levels + b"]" * levels + b"]"
    fails(ndjson_with_row(row), ErrorCode.NESTING_TOO_DEEP, 3, max_line_items=10**6)


def test_nesting_limit_is_configurable() -> None:
    row = b'[1,{"a":[[{"b":[]}]]}]'  # depth 6
    assert fails_any(ndjson_with_row(row), max_depth=5).line == 3
    with pytest.raises(BackupFormatError, match=r"digest|end record"):
        verify(io.BytesIO(ndjson_with_row(row)), limits=Limits(max_depth=6))


def test_deepest_record_the_writer_can_produce_is_readable() -> None:
    value: object = 1
    for _ in range(252):
        value = [value]
    data = build_backup("ndjson", [("app.m", ["id", "deep"], [(1, value)])])
    for container in ("ndjson", "json"):
        blob = data if container == "ndjson" else build_backup("json", [("app.m", ["id", "deep"], [(1, value)])])
        assert verify(io.BytesIO(blob)).rows == 1


@pytest.mark.parametrize("levels", [300, 100_000, 3_000_000])
def test_deep_nesting_in_json_document(levels: int, tmp_path: Path) -> None:
    row = b"[1," + b"[" * levels + b"]" * levels + b"]"
    assert run_isolated(document_with_row(row), tmp_path) == "nesting_too_deep 3"


def test_deep_nesting_in_json_document_stays_small() -> None:
    levels = 2_000_000
    data = document_with_row(b"[1," + b'{"k":' * levels + b"1" + b"}" * levels + b"]")
    assert peak_memory(lambda: fails(data, ErrorCode.NESTING_TOO_DEEP, 3)) < 8 * MiB


@pytest.mark.parametrize(
    "number",
    [b"9" * 5000, b"-" + b"9" * 5000, b"1." + b"9" * 5000, b"1e" + b"9" * 5000, b"9" * 1_000_000],
    ids=["int", "negative", "fraction", "exponent", "million-digits"],
)
@pytest.mark.parametrize("container", ["ndjson", "json"])
def test_endless_number_is_a_clean_error(number: bytes, container: str, tmp_path: Path) -> None:
    row = b"[1," + number + b"]"
    data = ndjson_with_row(row) if container == "ndjson" else document_with_row(row)
    assert run_isolated(data, tmp_path) == "number_too_long 3"


def test_digit_run_split_across_reads_is_caught(tmp_path: Path) -> None:
    row = b"[1," + b"7" * 5000 + b"]"
    assert run_isolated(document_with_row(row), tmp_path, read_size=1024) == "number_too_long 3"


def test_digit_limit_is_capped_by_the_interpreter(tmp_path: Path) -> None:
    row = b"[1," + b"7" * 4400 + b"]"
    outcome = run_isolated(document_with_row(row), tmp_path, max_number_digits=100_000)
    assert outcome == "number_too_long 3"


@pytest.mark.parametrize(
    "number", [b"1e400", b"-1e999", b"1e" + b"9" * 30, b"99999999999999999999999"], ids=["inf", "-inf", "exp", "u65"]
)
def test_numbers_out_of_range_in_json_document(number: bytes) -> None:
    fails(document_with_row(b"[1," + number + b"]"), ErrorCode.NUMBER_TOO_LONG, 3)


def test_full_64_bit_integer_range_round_trips() -> None:
    rows = [(1, -(2**63)), (2, 2**63 - 1), (3, 2**64 - 1), (4, 0)]
    for container in ("ndjson", "json", "ndjson.zst"):
        data = build_backup(container, [("app.m", ["id", "n"], rows)])
        assert verify(io.BytesIO(data)).rows == 4


def test_json_record_over_the_size_limit() -> None:
    row = b'[1,"' + b"x" * (3 * MiB) + b'"]'

    def read() -> None:
        fails(document_with_row(row), ErrorCode.LINE_TOO_LONG, 3, max_line_bytes=MiB)

    assert peak_memory(read) < 3 * MiB + 8 * MiB  # the test's own input is 3 MiB


def test_number_scanner() -> None:
    scanner = NumberScanner(5)
    assert scanner.find(b"[12345,") == -1
    assert scanner.find(b"[1,123") == -1
    assert scanner.find(b"456]") == 0  # 123456 spans the two chunks
    scanner = NumberScanner(5)
    assert [scanner.find(b"12") for _ in range(2)] == [-1, -1]
    assert scanner.find(b"12") == 0
    assert NumberScanner(5).find(b'{"x": 123456}') == 6
    assert NumberScanner(5).find(b"-1.2345e123") == -1


def test_number_scanner_ignores_digits_in_strings_across_chunks() -> None:
    scanner = NumberScanner(5)
    assert [scanner.find(chunk) for chunk in (b'["12345', b'6789", 12', b"3456]")] == [-1, -1, 0]
    scanner = NumberScanner(5)  # an escaped quote does not close the string, even split from its backslash
    assert [scanner.find(chunk) for chunk in (b'["ab\\', b'"123456789"', b", 1234", b"5]")] == [-1, -1, -1, -1]
    assert NumberScanner(5).find(b'["\\\\", 123456]') == 7  # an escaped backslash does not escape the quote


def test_limits_are_validated() -> None:
    with pytest.raises(ValueError):
        Limits(max_depth=255)
    with pytest.raises(ValueError):
        Limits(max_line_bytes=0)
    with pytest.raises(ValueError):
        Limits(max_window_size=512)
