"""Sample data and file-crafting helpers shared by the streaming tests."""

from __future__ import annotations

import hashlib
import io
import tracemalloc
from collections.abc import Callable
from datetime import UTC, date, datetime, time, timedelta, timezone
from decimal import Decimal
from typing import Any
from uuid import UUID

import pytest
import zstandard

from streaming import (
    BackupFormatError,
    ErrorCode,
    Limits,
    encode_line,
    end_record,
    header_record,
    section_end_record,
    section_record,
    verify,
    write_backup,
)

CREATED_AT = datetime(2024, 5, 1, 12, 0, tzinfo=UTC)
GUAYAQUIL = timezone(timedelta(hours=-5))

CLIENT_FIELDS = ["id", "documento", "nombre", "saldo", "alta", "nacimiento", "uuid", "notas", "extra"]
CLIENT_ROWS = [
    (
        17,
        "0912345678",
        "Ana Pérez",
        Decimal("1234.50"),
        datetime(2024, 3, 9, 8, 30, 15, 250000, tzinfo=GUAYAQUIL),
        date(1990, 2, 28),
        UUID("12345678-1234-5678-1234-567812345678"),
        None,
        {"tags": ["vip", "ñandú 🚗"], "score": 4.5, "nested": {"ok": True, "n": [1, [2, [3]]]}},
    ),
    (
        18,
        "0987654321",
        'Jo "Quote" \\ Back\nslash',
        Decimal("-0.01"),
        datetime(2024, 12, 31, 23, 59, 59, tzinfo=UTC),
        date(2000, 1, 1),
        UUID("87654321-4321-8765-4321-876543218765"),
        "línea\tcon tab",
        [],
    ),
]
TASK_FIELDS = ["id", "cliente_id", "hora", "duracion", "grande", "activo", "ratio"]
TASK_ROWS = [
    (1, 17, time(9, 15), timedelta(hours=1, minutes=30), 2**62, True, 0.1),
    (2, 18, time(23, 59, 59, 5), timedelta(days=-1, seconds=5), -(2**63), False, -1e-300),
]


def sample_sections() -> list[tuple[str, list[str], list[tuple[Any, ...]]]]:
    return [
        ("clientes_servicios.cliente", CLIENT_FIELDS, CLIENT_ROWS),
        ("operaciones_inventario.tarea", TASK_FIELDS, TASK_ROWS),
        ("finanzas_facturacion.pago", ["id"], []),
    ]


def sample_header() -> dict[str, Any]:
    return header_record(CREATED_AT, tenant={"slug": "taller-sur", "name": "Taller Sur"}, source={"app": "erp"})


def build_backup(container: str = "ndjson", sections: list[Any] | None = None, **options: Any) -> bytes:
    """A whole backup written by the real writer."""
    chosen = sample_sections() if sections is None else sections
    return b"".join(write_backup(sample_header(), chosen, container=container, **options))


def craft(records: list[Any], *, end: bool = True) -> bytes:
    """NDJSON of ``records`` as given (any order, any content), closed by a correct end record."""
    body = b"".join(encode_line(record) for record in records)
    if not end:
        return body
    sections = sum(1 for r in records if isinstance(r, dict) and r.get("kind") == "section")
    rows = sum(1 for r in records if isinstance(r, list))
    return body + encode_line(end_record(sections, rows, hashlib.sha256(body).hexdigest()))


def simple_records(rows: int = 3) -> list[Any]:
    """Header, one section of ``rows`` two-value rows, its end: the records before the end record."""
    return [
        sample_header(),
        section_record("app.model", ["id", "name"]),
        *([i, f"name {i}"] for i in range(rows)),
        section_end_record("app.model", rows),
    ]


def with_end(ndjson: bytes) -> bytes:
    """Append a correct end record to NDJSON that has none."""
    lines = ndjson.splitlines()
    sections = sum(1 for line in lines if line.startswith(b'{"kind":"section",'))
    rows = sum(1 for line in lines if line.startswith(b"["))
    return ndjson + encode_line(end_record(sections, rows, hashlib.sha256(ndjson).hexdigest()))


def zstd(data: bytes, level: int = 3) -> bytes:
    return zstandard.ZstdCompressor(level=level, write_checksum=True).compress(data)


def fails(data: bytes, code: ErrorCode, line: int | None = None, **limits: int) -> BackupFormatError:
    """``verify`` must refuse ``data`` with ``code`` at ``line``; returns the error for more checks."""
    with pytest.raises(BackupFormatError) as caught:
        verify(io.BytesIO(data), limits=Limits(**limits))
    error = caught.value
    assert (error.code, error.line) == (code, line), error.message
    return error


def as_document(ndjson: bytes) -> bytes:
    """The JSON-document container of the same records, line for line (no end record added)."""
    return b"[\n" + ndjson.rstrip(b"\n").replace(b"\n", b",\n") + b"\n]\n"


def peak_memory(action: Callable[[], Any]) -> int:
    """Peak of Python allocations (tracemalloc) while ``action`` runs."""
    tracemalloc.start()
    try:
        action()
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
