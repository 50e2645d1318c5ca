import io
import threading
import tracemalloc

import pytest
from django.core.management import CommandError, call_command
from django.db import connection, connections

from backup_restore.export import tenant_backup_stream
from erp.clientes_servicios.models import Cliente
from erp.operaciones_inventario.models import Vehiculo
from streaming import verify

from .helpers import audit_entries, events, rows_by_section, seeded

pytestmark = pytest.mark.django_db


def test_backup_tenant_writes_a_verifiable_file(tmp_path, capsys):
    alfa = seeded("alfa", rows=500)
    target = tmp_path / "alfa.ndjson.zst"
    call_command("backup_tenant", "alfa", "-o", str(target))
    report = verify(target.open("rb"))
    assert report.header["tenant"]["uuid"] == str(alfa.uuid)
    assert report.rows > 400
    assert f"{report.rows} rows" in capsys.readouterr().err
    assert not list(tmp_path.glob("*.part"))
    call_command("verify_backup", str(target))
    assert "OK" in capsys.readouterr().out
    assert '"outcome":"ok"' in audit_entries(alfa).get().descripcion


def test_backup_tenant_to_stdout_in_json(capfdbinary):
    seeded("alfa", rows=300)
    call_command("backup_tenant", "alfa", "-o", "-", "--format", "json")
    out = capfdbinary.readouterr().out
    assert out.startswith(b"[\n") and events(out)[-1].rows > 200


def test_backup_tenant_unknown_slug(db):
    with pytest.raises(CommandError, match="No tenant with slug 'nope'"):
        call_command("backup_tenant", "nope")


@pytest.fixture
def good_file(tmp_path):
    seeded("alfa", rows=300)
    path = tmp_path / "good.ndjson"
    call_command("backup_tenant", "alfa", "-o", str(path), "--format", "ndjson")
    return path


def _verify_fails(path, code):
    with pytest.raises(CommandError) as problem:
        call_command("verify_backup", str(path))
    assert f"[{code}]" in str(problem.value)
    return str(problem.value)


def test_verify_rejects_a_truncated_file(good_file, tmp_path):
    lines = good_file.read_bytes().splitlines(keepends=True)
    cut = tmp_path / "cut.ndjson"
    cut.write_bytes(b"".join(lines[:100]))
    assert "line 101" in _verify_fails(cut, "truncated")


def test_verify_rejects_a_flipped_byte_at_the_end_line(good_file, tmp_path):
    data = bytearray(good_file.read_bytes())
    lines = data.splitlines(keepends=True)
    position = sum(map(len, lines[:50])) + lines[50].index(b",") + 2
    data[position] ^= 0x01
    flipped = tmp_path / "flipped.ndjson"
    flipped.write_bytes(bytes(data))
    assert f"line {len(lines)}" in _verify_fails(flipped, "digest_mismatch")


def test_verify_rejects_reordered_lines_with_the_line_number(good_file, tmp_path):
    lines = good_file.read_bytes().splitlines(keepends=True)
    section_end = next(i for i, line in enumerate(lines) if b'"section_end"' in line)
    lines[section_end], lines[section_end + 1] = lines[section_end + 1], lines[section_end]
    swapped = tmp_path / "swapped.ndjson"
    swapped.write_bytes(b"".join(lines))
    message = _verify_fails(swapped, "bad_framing")
    assert f"line {section_end + 1}" in message


@pytest.mark.django_db(transaction=True)
def test_snapshot_hides_rows_committed_after_the_export_started(settings):
    if connection.vendor != "postgresql":
        pytest.skip("the SQLite test database is in memory; the WAL snapshot is exercised in the e2e suite")
    alfa = seeded("alfa", rows=2000)
    settings.BACKUP_RESTORE = {"EXPORT_CHUNK_BYTES": 512}
    chunks = tenant_backup_stream(tenant=alfa, container="ndjson")
    first = next(chunks)
    assert not any(b'"clientes_servicios.cliente"' in line for line in first.splitlines())

    def shop_keeps_working():
        cliente = Cliente.objects.create(tenant=alfa, documento="NUEVO-1", nombre="Cliente Nuevo")
        Vehiculo.objects.create(tenant=alfa, cliente=cliente, placa="9999ZZZ")
        connections.close_all()

    worker = threading.Thread(target=shop_keeps_working)
    worker.start()
    worker.join()
    data = first + b"".join(chunks)
    assert Cliente.objects.filter(documento="NUEVO-1").exists()
    assert b"NUEVO-1" not in data and b"9999ZZZ" not in data
    verify(io.BytesIO(data))
    sections = rows_by_section(data)
    assert len(sections["clientes_servicios.cliente"]) == Cliente.objects.filter(tenant=alfa).count() - 1


def _export_peak(tenant) -> int:
    tracemalloc.start()
    try:
        for _ in tenant_backup_stream(tenant=tenant, container="ndjson.zst"):
            pass
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


@pytest.mark.slow
def test_export_memory_is_flat_in_the_number_of_rows():
    small, large = seeded("small", rows=2_000, seed=3), seeded("large", rows=20_000, seed=4)
    _export_peak(small)  # warm caches (catalog map, imports) so both runs measure the same things
    peak_small, peak_large = _export_peak(small), _export_peak(large)
    assert peak_large < peak_small + 2 * 1024 * 1024, (peak_small, peak_large)
