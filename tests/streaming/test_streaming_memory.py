"""Memory stays flat: ten times more rows must not raise the peak by more than a small fixed amount.

tracemalloc sees Python allocations only (zstd's window lives in C and is fixed per level anyway).
"""

from __future__ import annotations

from collections.abc import Iterator
from itertools import chain
from pathlib import Path
from typing import Any

import pytest

from streaming import BackupWriter, iter_records
from tests.streaming.samples import peak_memory, sample_header

pytestmark = pytest.mark.slow  # memory at scale

SLACK = 512 * 1024
CHUNK = 64 * 1024


def rows(count: int) -> Iterator[tuple[Any, ...]]:
    for i in range(count):
        yield (i, f"cliente {i} ñandú descripción", i * 3, None, {"k": [i, "x" * (i % 40)]})


def write(container: str, count: int, sink: Any = None) -> None:
    writer = BackupWriter(container, chunk_size=CHUNK)
    for chunk in chain(
        writer.header(sample_header()),
        writer.section("app.big", ["id", "text", "n", "none", "extra"], rows(count)),
        writer.finish(),
    ):
        if sink is not None:
            sink.write(chunk)


@pytest.mark.parametrize("container", ["ndjson.zst", "ndjson", "json"])
def test_writer_memory_is_flat(container: str) -> None:
    small = peak_memory(lambda: write(container, 5_000))
    large = peak_memory(lambda: write(container, 50_000))
    assert large - small < SLACK, (small, large)


@pytest.mark.parametrize("container", ["ndjson.zst", "ndjson", "json"])
def test_reader_memory_is_flat(container: str, tmp_path: Path) -> None:
    peaks = []
    for count in (5_000, 50_000):
        path = tmp_path / f"{count}.{container}"
        with path.open("wb") as sink:
            write(container, count, sink)

        def read(path: Path = path) -> None:
            with path.open("rb") as source:
                for _ in iter_records(source):
                    pass

        peaks.append(peak_memory(read))
    small, large = peaks
    assert large - small < SLACK, (small, large)
