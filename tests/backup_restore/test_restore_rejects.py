"""Every bad input: the clear error it must produce, and proof that nothing changed."""

import gzip
import io

import orjson
import pytest
import zstandard
from django.db import OperationalError, connection
from rest_framework.test import APIClient

from backup_restore.models import Attempt
from erp.operaciones_inventario.models import DetallePresupuesto
from erp.clientes_servicios.models import Cliente
from erp.personal_admin.models import Empleado
from tests.conftest import client_for

from .helpers import (
    audit_entries,
    backup_bytes,
    craft,
    database_checksum,
    post_restore,
    records,
    restore_in_progress,
    section_rows,
    seeded,
)

pytestmark = pytest.mark.django_db

PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x02\x00\x00\x00\x90wS\xde"


@pytest.fixture
def shops(db):
    alfa, beta = seeded("alfa", rows=600, seed=1), seeded("beta", rows=600, seed=2)
    return alfa, beta, backup_bytes(alfa)


def assert_refused(
    response, status: int, code: str, *, before: str, tenant=None, text: str | None = None, outcome: str = "failed"
):
    """The clear error, nothing changed, and the attempt's audit entry in the shop's log: outcome
    "failed" once the service had the file, "refused" when the request was turned away before."""
    body = response.json()
    assert response.status_code == status, body
    assert body["ok"] is False
    assert body["error"]["code"] == code, body
    assert body["error"]["message"]
    if text:
        assert text in body["error"]["message"]
    if tenant is not None:
        entry = audit_entries(tenant, "restore").get()
        assert f'"outcome":"{outcome}"' in entry.descripcion and code in entry.descripcion
        entry.delete()
    assert database_checksum() == before
    return body["error"]


def attempt(data: bytes, *, user: str = "alfa_owner", **fields):
    fields.setdefault("replace", "true")
    return post_restore(client_for(user), data, **fields)


def test_empty_file(shops):
    alfa, _, _ = shops
    before = database_checksum()
    assert_refused(attempt(b""), 400, "empty_file", before=before, tenant=alfa)


def test_a_png_is_not_a_backup(shops):
    alfa, _, _ = shops
    before = database_checksum()
    assert_refused(attempt(PNG, name="photo.ndjson.zst"), 415, "not_a_backup", before=before, tenant=alfa)


def test_truncated_zstd(shops):
    alfa, _, good = shops
    before = database_checksum()
    compressed = zstandard.ZstdCompressor(write_checksum=True).compress(good)
    assert_refused(attempt(compressed[: len(compressed) // 2]), 400, "truncated", before=before, tenant=alfa)


def test_missing_end_line(shops):
    alfa, _, good = shops
    before = database_checksum()
    without_end = b"".join(good.splitlines(keepends=True)[:-1])
    error = assert_refused(attempt(without_end), 400, "truncated", before=before, tenant=alfa)
    assert error["line"] == len(good.splitlines())


def test_digest_mismatch(shops):
    alfa, _, good = shops
    before = database_checksum()
    tampered = good.replace(b'"Taller Alfa"', b'"Taller Alfo"', 1)
    assert tampered != good
    error = assert_refused(attempt(tampered), 400, "digest_mismatch", before=before, tenant=alfa)
    assert error["line"] == len(good.splitlines())


def test_unknown_format_version(shops):
    alfa, _, good = shops
    before = database_checksum()
    values = records(good)
    values[0]["version"] = 7
    error = assert_refused(attempt(craft(values)), 400, "unsupported_version", before=before, tenant=alfa)
    assert error["line"] == 1 and "newer" in error["message"]


def test_unknown_section(shops):
    alfa, _, good = shops
    before = database_checksum()
    values = records(good)
    values[1:1] = [{"kind": "section", "model": "auth.user", "fields": ["id", "username", "is_superuser"]},
                   [1, "mallory", True], {"kind": "section_end", "model": "auth.user", "rows": 1}]
    error = assert_refused(attempt(craft(values)), 400, "unknown_section", before=before, tenant=alfa)
    assert error["section"] == "auth.user" and error["line"] == 2


@pytest.mark.parametrize("extra", ["tenant", "is_superuser", "password"])
def test_fields_outside_the_plan_are_refused(shops, extra):
    alfa, beta, good = shops
    before = database_checksum()
    values = records(good)
    fields, rows = section_rows(values, "clientes_servicios.cliente")
    fields.append(extra)
    for row in rows:
        row.append(beta.pk)
    error = assert_refused(attempt(craft(values)), 400, "unknown_field", before=before, tenant=alfa)
    assert error["section"] == "clientes_servicios.cliente" and extra in error["message"]


def test_row_with_wrong_arity(shops):
    alfa, _, good = shops
    before = database_checksum()
    values = records(good)
    _, rows = section_rows(values, "clientes_servicios.cliente")
    rows[3].pop()
    assert_refused(attempt(craft(values)), 400, "row_arity", before=before, tenant=alfa)


@pytest.mark.parametrize(
    ("model", "field", "value", "problem"),
    [
        ("operaciones_inventario.vehiculo", "anio", "dos mil", "not a whole number"),
        ("operaciones_inventario.presupuesto", "fecha", "2024-02-30", "not a valid date"),
        ("operaciones_inventario.item", "precio_venta", "12345678901234.00", "too large"),
        ("operaciones_inventario.item", "precio_venta", "10.555", "decimal places"),
        ("clientes_servicios.cliente", "documento", "9" * 21, "at most 20"),
        ("clientes_servicios.cliente", "nombre", "Ana\u0000Perez", "NUL"),
        ("clientes_servicios.cliente", "creado", "2024-01-01T10:00:00", "time zone"),
        ("clientes_servicios.cita", "estado", "perdida", "allowed choices"),
        ("clientes_servicios.cliente", "nombre", None, "needs a value"),
    ],
)
def test_wrong_values_are_refused_the_same_on_every_database(shops, model, field, value, problem):
    alfa, _, good = shops
    before = database_checksum()
    values = records(good)
    fields, rows = section_rows(values, model)
    rows[1][fields.index(field)] = value
    crafted = craft(values)
    error = assert_refused(attempt(crafted), 400, "invalid_value", before=before, tenant=alfa, text=problem)
    assert error["section"] == model and field in error["message"]
    assert crafted.splitlines()[error["line"] - 1].startswith(b"[%d," % rows[1][0])


def test_two_rows_with_the_same_natural_key_are_refused_by_the_database(shops):
    alfa, _, good = shops
    before = database_checksum()
    values = records(good)
    fields, rows = section_rows(values, "clientes_servicios.cliente")
    rows[2][fields.index("documento")] = rows[1][fields.index("documento")]
    crafted = craft(values)
    error = assert_refused(attempt(crafted), 400, "rejected_by_database", before=before, tenant=alfa)
    assert "Nothing was changed" in error["message"]
    # The batch's first line, and its range in the message: never line null.
    header = next(i for i, line in enumerate(crafted.splitlines(), 1) if line.startswith(b'{"kind":"section","model":"clientes_servicios.cliente"'))
    first, last = header + 1, header + len(rows)  # one batch: the whole section
    assert error["section"] == "clientes_servicios.cliente" and error["line"] == first
    assert f"between lines {first} and {last}" in error["message"]


def test_duplicate_source_ids(shops):
    alfa, _, good = shops
    before = database_checksum()
    values = records(good)
    _, rows = section_rows(values, "clientes_servicios.cliente")
    rows[2][0] = rows[1][0]
    assert_refused(attempt(craft(values)), 400, "invalid_value", before=before, tenant=alfa, text="previous row")


def test_reference_to_another_tenants_row_is_never_followed(shops):
    alfa, beta, good = shops
    before = database_checksum()
    values = records(good)
    fields, rows = section_rows(values, "operaciones_inventario.vehiculo")
    beta_cliente = Cliente.objects.filter(tenant=beta).order_by("pk").last().pk
    assert beta_cliente not in {row[0] for row in section_rows(values, "clientes_servicios.cliente")[1]}
    rows[0][fields.index("cliente")] = beta_cliente
    for replace in ("true", "false"):
        error = assert_refused(
            attempt(craft(values), replace=replace), 400, "invalid_value", before=before, tenant=alfa,
            text="not in this backup",
        )
        assert error["section"] == "operaciones_inventario.vehiculo"


def test_a_cycle_breaking_reference_to_a_row_not_in_the_file(shops):
    """Self-references are patched after the rows exist; a dangling one still names its line."""
    alfa, beta, good = shops
    before = database_checksum()
    values = records(good)
    fields, rows = section_rows(values, "personal_admin.empleado")
    beta_boss = Empleado.objects.filter(tenant=beta).order_by("pk").last().pk
    rows[-1][fields.index("jefe")] = beta_boss
    crafted = craft(values)
    error = assert_refused(attempt(crafted), 400, "invalid_value", before=before, tenant=alfa, text="not in this backup")
    assert error["section"] == "personal_admin.empleado"
    assert crafted.splitlines()[error["line"] - 1].startswith(b"[%d," % rows[-1][0])


def test_a_user_of_another_tenant_is_not_linked(shops):
    alfa, beta, good = shops
    values = records(good)
    fields, rows = section_rows(values, "personal_admin.empleado")
    for row in rows:
        row[fields.index("usuario")] = "beta_owner"
    response = attempt(craft(values))
    assert response.status_code == 200, response.json()
    assert any("personal_admin.empleado.usuario" in w for w in response.json()["warnings"])
    assert not Empleado.objects.filter(tenant=alfa, usuario__username="beta_owner").exists()
    assert Empleado.objects.filter(tenant=alfa, usuario__isnull=True).count() == len(rows)


def test_line_over_the_length_limit(shops, settings):
    alfa, _, good = shops
    settings.BACKUP_RESTORE = {"MAX_LINE_BYTES": 4096}
    before = database_checksum()
    values = records(good)
    fields, rows = section_rows(values, "clientes_servicios.cliente")
    rows[0][fields.index("direccion")] = "x" * 5000
    assert_refused(attempt(craft(values)), 400, "line_too_long", before=before, tenant=alfa)


def test_zstd_bomb_over_the_decompressed_limit(shops, settings):
    alfa, _, good = shops
    settings.BACKUP_RESTORE = {"MAX_DECOMPRESSED_BYTES": 8 * 1024 * 1024}
    before = database_checksum()
    compressor = zstandard.ZstdCompressor(level=19).compressobj()
    head = good.splitlines(keepends=True)[0]
    bomb = compressor.compress(head) + b"".join(compressor.compress(b" " * 1024 * 1024) for _ in range(64))
    bomb += compressor.flush()
    assert len(bomb) < 64 * 1024
    assert_refused(attempt(bomb), 413, "too_large", before=before, tenant=alfa)


def test_deeply_nested_json_inside_a_json_field(shops):
    alfa, _, good = shops
    before = database_checksum()
    values = records(good)
    fields, rows = section_rows(values, "servicios_IA.reporte")
    depth = 300  # deeper than MAX_JSON_DEPTH (and than orjson could write)
    rows[0][fields.index("parametros")] = {"filtros": orjson.Fragment(b"[" * depth + b"]" * depth)}
    assert_refused(attempt(craft(values)), 400, "nesting_too_deep", before=before, tenant=alfa)


def test_invalid_utf8(shops):
    alfa, _, good = shops
    before = database_checksum()
    broken = good.replace(b'"Taller Alfa"', b'"Taller \xff\xfe"', 1)
    assert_refused(attempt(broken), 400, "invalid_utf8", before=before, tenant=alfa)


def test_upload_over_the_size_limit(shops, settings):
    _, _, good = shops
    settings.BACKUP_RESTORE = {"MAX_UPLOAD_BYTES": 1000}
    before = database_checksum()
    error = assert_refused(attempt(good), 413, "upload_too_large", before=before, tenant=shops[0], outcome="refused")
    assert "1000" in error["message"] or "KB" in error["message"]


def test_chunked_upload_without_a_length_gets_411(shops):
    """Django reads no body without a Content-Length: say so instead of 'missing file'."""
    _, _, good = shops
    before = database_checksum()
    response = client_for("alfa_owner").generic(
        "POST", "/api/restore/", b"--x\r\n", content_type="multipart/form-data; boundary=x", CONTENT_LENGTH=""
    )
    error = assert_refused(response, 411, "length_required", before=before, tenant=shops[0], outcome="refused")
    assert "Content-Length" in error["message"]


@pytest.mark.parametrize("length", ["abc", "-5", "1e9", "١٢"])
def test_malformed_content_length_is_a_clear_400(shops, length):
    _, _, good = shops
    before = database_checksum()
    response = client_for("alfa_owner").generic(
        "POST", "/api/restore/", b"--x\r\n", content_type="multipart/form-data; boundary=x", CONTENT_LENGTH=length
    )
    error = assert_refused(response, 400, "invalid_content_length", before=before, tenant=shops[0], outcome="refused")
    assert "Content-Length" in error["message"]


def test_a_file_of_another_tenant(shops):
    alfa, beta, _ = shops
    before = database_checksum()
    theirs = backup_bytes(beta)
    before = database_checksum()
    assert_refused(attempt(theirs), 400, "wrong_tenant", before=before, tenant=alfa, text="another shop")


def test_employee_gets_403_and_anonymous_401(shops):
    _, _, good = shops
    before = database_checksum()
    alfa = shops[0]
    assert_refused(attempt(good, user="alfa_staff"), 403, "permission_denied", before=before, tenant=alfa, outcome="refused")
    anonymous = APIClient().post("/api/restore/", {"backup_file": io.BytesIO(good)}, format="multipart", REMOTE_ADDR="10.1.2.3")
    assert_refused(anonymous, 401, "not_authenticated", before=before)
    (entry,) = Attempt.objects.all()  # no shop to file it under
    assert (entry.action, entry.outcome, entry.code, entry.ip) == ("restore", "refused", "not_authenticated", "10.1.2.3")


def test_missing_file_and_bad_flags(shops):
    _, _, good = shops
    before = database_checksum()
    client, refused = client_for("alfa_owner"), {"before": before, "tenant": shops[0], "outcome": "refused"}
    assert_refused(client.post("/api/restore/", {}, format="multipart"), 400, "missing_file", **refused)
    assert_refused(post_restore(client, good, replace="maybe"), 400, "invalid_flag", **refused)
    json_body = client.post("/api/restore/", {"backup_file": "x"}, format="json")
    assert_refused(json_body, 415, "unsupported_media_type", **refused)


def test_second_restore_while_one_runs_gets_409(shops):
    alfa, _, good = shops
    before = database_checksum()
    with restore_in_progress(alfa):
        assert_refused(attempt(good), 409, "restore_in_progress", before=before, tenant=alfa, text="already running")
    assert attempt(good).status_code == 200


def test_database_failure_in_a_late_batch_rolls_everything_back(shops, settings):
    alfa, _, good = shops
    settings.BACKUP_RESTORE = {"RESTORE_BATCH_SIZE": 5}
    before = database_checksum()
    table = DetallePresupuesto._meta.db_table
    inserts = []

    def fail_late(execute, sql, params, many, context):
        if sql.startswith((f'INSERT INTO "{table}"', f'COPY "{table}"')):  # bulk_create, executemany; COPY
            inserts.append(sql)
            if len(inserts) == 3:
                raise OperationalError("could not extend file: No space left on device")
        return execute(sql, params, many, context)

    with connection.execute_wrapper(fail_late):
        response = attempt(good)
    assert len(inserts) == 3
    assert_refused(response, 500, "restore_failed", before=before, tenant=alfa, text="nothing was changed")


def test_gzip_of_a_bad_file_is_still_refused(shops):
    alfa, _, good = shops
    before = database_checksum()
    without_end = b"".join(good.splitlines(keepends=True)[:-1])
    assert_refused(attempt(gzip.compress(without_end)), 400, "truncated", before=before, tenant=alfa)
