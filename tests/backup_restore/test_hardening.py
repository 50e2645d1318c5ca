"""Hardening (issue 12): crafted uploads and bad ERP data cannot poison a shop's backups, cost
unbounded memory, or give a 500; every answer is the clear error, and nothing changed."""

import io
import tracemalloc

import pytest
from django.db import connection

from backup_restore.audit import MAX_DETAILS_CHARS
from backup_restore.export import tenant_backup_stream
from backup_restore.restore import tenant_restore
from erp.clientes_servicios.models import Cliente
from erp.operaciones_inventario.models import DetallePresupuesto, NotaOrden
from streaming import verify
from streaming.errors import UnrestorableRow
from tests.conftest import client_for

from .helpers import audit_entries, backup_bytes, craft, database_checksum, post_restore, records, section_rows, seeded

pytestmark = pytest.mark.django_db

MiB = 1024 * 1024

CLIENTE = "clientes_servicios.cliente"


@pytest.fixture
def alfa(db):
    return seeded("alfa", rows=600, seed=1)


def restore(data: bytes, **fields):
    fields.setdefault("replace", "true")
    return post_restore(client_for("alfa_owner"), data, **fields)


def with_value(data: bytes, model: str, field: str, value, row: int = 0) -> bytes:
    values = records(data)
    fields, rows = section_rows(values, model)
    rows[row][fields.index(field)] = value
    return craft(values)


def assert_next_backup_restores(tenant) -> None:
    """The shop's next backup (which exports its audit log, failures included) verifies and restores."""
    data = b"".join(tenant_backup_stream(tenant=tenant, container="ndjson.zst"))
    verify(io.BytesIO(data))
    summary = tenant_restore(tenant=tenant, fileobj=io.BytesIO(data), replace=True, dry_run=True)
    assert summary.rows > 0


# -- 1, 15: bounded echo ---------------------------------------------------------------------------


def test_a_huge_section_label_is_echoed_bounded_and_cannot_poison_later_backups(alfa):
    label = "x" * 9_000_000
    values = records(backup_bytes(alfa))
    crafted = craft([values[0], {"kind": "section", "model": label, "fields": ["id"]}, {"kind": "section_end", "model": label}])
    before = database_checksum()
    response = restore(crafted)
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == "unknown_section" and "which this system does not know" in error["message"]
    assert len(response.content) < 2_000 and len(error["section"]) <= 200
    (entry,) = audit_entries(alfa, "restore")
    assert len(entry.descripcion) <= MAX_DETAILS_CHARS and "unknown_section" in entry.descripcion
    entry.delete()
    assert database_checksum() == before
    assert_next_backup_restores(alfa)


def test_a_huge_tenant_name_in_the_header_is_echoed_bounded(alfa, other_tenant):
    values = records(backup_bytes(alfa))
    values[0]["tenant"] = {"uuid": str(other_tenant.uuid), "name": "Taller " + "y" * 5_000_000}
    response = restore(craft(values))
    assert response.status_code == 400 and response.json()["error"]["code"] == "wrong_tenant"
    assert len(response.content) < 2_000
    assert all(len(e.descripcion) <= MAX_DETAILS_CHARS for e in audit_entries(alfa, "restore"))
    assert_next_backup_restores(alfa)


# -- 2, 10: values the databases cannot store and read back ----------------------------------------


@pytest.mark.parametrize(
    ("field", "value", "problem"),
    [
        ("creado", "9999-12-31T23:59:59-14:00", "outside the years 1 to 9999"),
        ("creado", "0001-01-01T00:00:00+05:00", "outside the years 1 to 9999"),
        ("creado", "2020-01-01T00:00:00+16:00", "offset PostgreSQL cannot store"),
        ("creado", "2020-01-01T00:00:00-23:00", "offset PostgreSQL cannot store"),
        ("creado", "2020-01-01T00:00:00+15:59:59.500000", "offset PostgreSQL cannot store"),
        ("email", "not-an-email", "not valid here"),
        ("tipo", "zzz", "not one of the allowed choices"),
        ("nombre", "n" * 5000, "at most 150 fit"),
    ],
)
def test_values_outside_what_the_databases_read_back_are_400(alfa, field, value, problem):
    data = with_value(backup_bytes(alfa), CLIENTE, field, value)
    before = database_checksum()
    response = restore(data)
    assert response.status_code == 400, response.content
    error = response.json()["error"]
    assert error["code"] == "invalid_value" and error["section"] == CLIENTE and repr(field) in error["message"]
    assert problem in error["message"] and len(error["message"]) < 600
    audit_entries(alfa, "restore").delete()
    assert database_checksum() == before
    assert_next_backup_restores(alfa)


@pytest.mark.parametrize("value", ["1E+999999999", "1E-999999999", "9" * 5000, "-0E-1000000", "0E+1000000"])
def test_decimal_exponents_and_digit_runs_are_400_before_any_arithmetic(alfa, value):
    data = with_value(backup_bytes(alfa), "operaciones_inventario.detallepresupuesto", "precio_unitario", value)
    before = database_checksum()
    response = restore(data)
    if "0E" in value:  # zero, written oddly: it fits, on both databases
        assert response.status_code == 200, response.content
        return
    assert response.status_code == 400, response.content
    assert response.json()["error"]["code"] == "invalid_value"
    audit_entries(alfa, "restore").delete()
    assert database_checksum() == before


@pytest.mark.parametrize("value", [2**63, 2**63 + 5, 2**64 - 1, 0, -1])
@pytest.mark.parametrize("fmt", ["ndjson", "json"])
def test_ids_outside_1_to_2_63_are_400_in_both_containers(alfa, value, fmt):
    """The same content gives the same verdict (code, line, section) in both containers."""
    values = records(backup_bytes(alfa))
    fields, rows = section_rows(values, CLIENTE)
    rows[-1][fields.index("id")] = value  # the last row: the ids before it stay increasing
    data = craft(values)
    if fmt == "json":
        data = b"[\n" + data.replace(b"\n", b",\n")[:-2] + b"\n]\n"
    before = database_checksum()
    response = restore(data)
    assert response.status_code == 400, response.content
    error = response.json()["error"]
    assert (error["code"], error["section"]) == ("invalid_value", CLIENTE)
    assert "'id'" in error["message"] and "row id" in error["message"]
    audit_entries(alfa, "restore").delete()
    assert database_checksum() == before


# -- 9: a dry run gives the real run's verdict ------------------------------------------------------


def test_dry_run_refuses_what_the_real_run_refuses(alfa):
    """A file without the appointments' section: replace deletes the clients, but the kept
    appointments still point at them. The real run cannot commit that; the dry run must say so."""
    values = records(backup_bytes(alfa))
    start = next(i for i, v in enumerate(values) if isinstance(v, dict) and v.get("model") == "clientes_servicios.cita")
    end = next(i for i, v in enumerate(values[start:], start) if isinstance(v, dict) and v.get("kind") == "section_end")
    data = craft(values[:start] + values[end + 1 :])
    before = database_checksum()
    verdicts = []
    for dry_run in ("true", "false"):
        response = restore(data, dry_run=dry_run)
        verdicts.append((response.status_code, response.json()["error"]["code"]))
    assert verdicts == [(400, "rejected_by_database")] * 2
    audit_entries(alfa, "restore").delete()
    assert database_checksum() == before


# -- 11, 12: merge ------------------------------------------------------------------------------------


def test_two_rows_with_one_natural_key_are_refused_in_merge(alfa):
    values = records(backup_bytes(alfa))
    fields, rows = section_rows(values, CLIENTE)
    rows[1][fields.index("documento")] = rows[0][fields.index("documento")]
    before = database_checksum()
    response = restore(craft(values), replace="false")
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == "duplicate_row" and error["section"] == CLIENTE and "documento" in error["message"]
    assert error["line"] == rows_line(values, rows[1])
    audit_entries(alfa, "restore").delete()
    assert database_checksum() == before


def rows_line(values: list, row: list) -> int:
    return next(i for i, v in enumerate(values, 1) if v is row)


def test_merge_memory_does_not_follow_another_shops_ids(alfa, other_tenant):
    """Detail rows are matched by content and each existing row claimed once; the claims must
    not be sized by the largest id in the table (another shop's row with id 8e9)."""
    data = backup_bytes(alfa)
    theirs = DetallePresupuesto.objects.exclude(presupuesto__tenant=alfa).first() or DetallePresupuesto.objects.first()
    theirs.pk = 8_000_000_000
    theirs.save(force_insert=True)
    tracemalloc.start()
    try:
        tenant_restore(tenant=alfa, fileobj=io.BytesIO(data), replace=False, dry_run=True)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 64 * 1024 * 1024, peak  # a bitmap over 8e9 ids would be 1 GB


# -- 5: memory budget ------------------------------------------------------------------------------


def test_wide_rows_flush_by_bytes_and_memory_stays_within_the_budget(alfa, settings):
    """40 notes of 900 KiB (under a 1 MiB line limit): a batch holds RESTORE_BATCH_BYTES, not
    RESTORE_BATCH_SIZE rows of the largest line."""
    settings.BACKUP_RESTORE = {"MAX_LINE_BYTES": 1024 * 1024, "RESTORE_BATCH_BYTES": 2 * 1024 * 1024}
    values = records(backup_bytes(alfa))
    fields, rows = section_rows(values, "operaciones_inventario.notaorden")
    assert rows, "the seed makes order notes"
    template = rows[0]
    start = values.index(template)
    last_id = rows[-1][0]
    wide = []
    for n in range(40):
        row = list(template)
        row[fields.index("id")] = last_id + 1 + n
        row[fields.index("texto")] = "nota larga " * (900 * 1024 // 11)
        wide.append(row)
    values[start + len(rows) : start + len(rows)] = wide
    data = craft(values)
    tracemalloc.start()
    try:
        summary = tenant_restore(tenant=alfa, fileobj=io.BytesIO(data), replace=True, dry_run=True)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert summary.sections["operaciones_inventario.notaorden"].created == len(rows) + 40
    # The README's budget: 3 x RESTORE_BATCH_BYTES (the lines, their values, the instances) + 4 x
    # MAX_LINE_BYTES (a line read, joined, parsed, and the block around it) + RESTORE_BATCH_SIZE x 4 KiB
    # (a batch of narrow rows and its SQL) + 16 bytes per referenced row. 40 x 900 KiB held at once: 36 MiB.
    referenced = sum(counts.created for counts in summary.sections.values())
    budget = 3 * 2 * MiB + 4 * 1 * MiB + 2000 * 4 * 1024 + 16 * referenced
    assert peak < budget, (peak, budget)
    assert NotaOrden.objects.filter(texto__startswith="nota larga").count() == 0  # dry run


# -- 8, 14: every attempt audited; no 500 for bad requests -------------------------------------------


def test_throttled_and_unknown_format_backups_are_audited(alfa, settings):
    from django.core.cache import cache

    settings.BACKUP_RESTORE = {"BACKUP_THROTTLE_RATE": "2/hour"}  # refused requests count too
    cache.clear()
    owner = client_for("alfa_owner")
    assert owner.get("/api/backup/", {"format": "xml"}).status_code == 400
    b"".join(owner.get("/api/backup/").streaming_content)
    throttled = owner.get("/api/backup/")
    assert throttled.status_code == 429
    outcomes = sorted(e.descripcion for e in audit_entries(alfa, "backup"))
    assert len(outcomes) == 3
    assert sum('"code":"throttled"' in d for d in outcomes) == 1
    assert sum('"code":"unknown_format"' in d for d in outcomes) == 1
    assert sum('"outcome":"ok"' in d for d in outcomes) == 1
    cache.clear()


def test_the_throttle_is_shared_through_the_database_cache(alfa, settings):
    """Every worker process sees the same count: the throttle's state is a database row."""
    from django.core.cache import caches

    settings.BACKUP_RESTORE = {"BACKUP_THROTTLE_RATE": "5/hour"}
    caches["default"].clear()
    b"".join(client_for("alfa_owner").get("/api/backup/").streaming_content)
    with connection.cursor() as cursor:
        cursor.execute("SELECT cache_key FROM taller_cache")
        keys = [key for (key,) in cursor.fetchall()]
    assert any(f"throttle_backup_{alfa.pk}" in key for key in keys), keys
    caches["default"].clear()


def test_a_client_that_cannot_be_matched_is_still_audited_once(alfa):
    assert Cliente.objects.filter(tenant=alfa).exists()
    response = restore(b"", replace="nope")
    assert response.status_code == 400 and response.json()["error"]["code"] == "invalid_flag"
    (entry,) = audit_entries(alfa, "restore")
    assert '"outcome":"refused"' in entry.descripcion


# -- 6: JSON numbers a backup can carry ---------------------------------------------------------------


def test_a_large_float_in_json_round_trips_and_a_huge_integer_fails_the_export_clearly(alfa):
    from erp.servicios_IA.models import LecturaPlaca

    from backup_restore.errors import UnexportableValue

    reading = LecturaPlaca.objects.create(
        tenant=alfa, texto_reconocido="ABC123", confianza="0.5", resultado={"n": 1.8446744073709552e19, "m": [-(2**63)]}
    )
    stored = LecturaPlaca.objects.get(pk=reading.pk).resultado  # jsonb hands the float back as a whole number
    data = backup_bytes(alfa)
    assert tenant_restore(tenant=alfa, fileobj=io.BytesIO(data), replace=True).rows > 0
    (restored,) = LecturaPlaca.objects.filter(tenant=alfa, resultado__has_key="n")
    assert restored.resultado == stored and float(stored["n"]) == 1.8446744073709552e19

    restored.resultado = {"n": 2**70}
    restored.save()
    with pytest.raises(UnexportableValue) as refused:
        backup_bytes(alfa)
    assert refused.value.field == "resultado" and f"row id {restored.pk}" in refused.value.message


def test_a_line_of_millions_of_empty_objects_is_refused_before_it_is_parsed(alfa):
    """4 rows of a JSON field holding a million `{}` each (a few KB compressed) once cost 1.8 GB."""
    values = records(backup_bytes(alfa))
    fields, rows = section_rows(values, "servicios_IA.lecturaplaca")
    assert rows, "the seed makes plate readings"
    rows[0][fields.index("resultado")] = [{}] * 1_000_000
    data = craft(values)
    before = database_checksum()
    tracemalloc.start()
    try:
        response = restore(data)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == "too_many_values" and error["line"] == rows_line(values, rows[0])
    assert peak < 3 * len(data) + 16 * MiB, peak  # the upload's own copies, never a parsed million dicts
    audit_entries(alfa, "restore").delete()
    assert database_checksum() == before


# -- 6: every file the product writes restores ---------------------------------------------------------


def test_a_note_over_the_line_limit_fails_the_backup_clearly_and_nothing_unrestorable_is_written(alfa, settings):
    """A note longer than one backup line may be (MAX_LINE_BYTES, lowered here to 64 KiB)."""
    settings.BACKUP_RESTORE = {"MAX_LINE_BYTES": 64 * 1024}
    nota = NotaOrden.objects.filter(orden__tenant=alfa).first()
    nota.texto = "x" * 70_000
    nota.save()
    response = client_for("alfa_owner").get("/api/backup/", {"format": "ndjson"})
    with pytest.raises(UnrestorableRow):  # the stream breaks off without its end record
        b"".join(response.streaming_content)
    (entry,) = audit_entries(alfa, "backup")
    assert '"code":"unrestorable_row"' in entry.descripcion and "texto" in entry.descripcion
    assert f"#{nota.pk}" in entry.descripcion
    nota.texto = "corta"
    nota.save()
    assert_next_backup_restores(alfa)


@pytest.mark.parametrize("fmt", ["ndjson.zst", "ndjson", "json"])
def test_a_note_with_a_long_run_of_digits_restores_from_every_format(alfa, fmt):
    """Digits inside text are text: only number literals are limited in a JSON document."""
    nota = NotaOrden.objects.filter(orden__tenant=alfa).first()
    nota.texto = "Serie " + "7" * 5_000
    nota.save()
    data = b"".join(tenant_backup_stream(tenant=alfa, container=fmt))
    summary = tenant_restore(tenant=alfa, fileobj=io.BytesIO(data), replace=True)
    assert summary.sections["operaciones_inventario.notaorden"].created > 0
    assert NotaOrden.objects.filter(orden__tenant=alfa, texto="Serie " + "7" * 5_000).count() == 1


# -- CPU: merge matching is linear in the file -------------------------------------------------------


@pytest.mark.parametrize("copies", [600, 2400])
def test_identical_detail_rows_cost_merge_work_linear_in_the_file(alfa, copies, settings):
    """n identical detail rows (a few KB compressed) matched against n identical existing rows: the
    rows the database hands the match back stay proportional to n (they grew as n², 5 minutes at 16k)."""
    from django.db import connection as db

    values = records(backup_bytes(alfa))
    fields, rows = section_rows(values, "operaciones_inventario.detalleorden")
    start = values.index(rows[0])
    copied = [[n + 1 if name == "id" else v for name, v in zip(fields, rows[0])] for n in range(copies)]
    values[start : start + len(rows)] = copied
    data = craft(values)
    assert tenant_restore(tenant=alfa, fileobj=io.BytesIO(data), replace=True).rows  # n identical rows exist now
    settings.BACKUP_RESTORE = {"RESTORE_BATCH_SIZE": 200}

    fetched = []

    def count_rows(execute, sql, params, many, context):
        if sql.lstrip().upper().startswith("SELECT") and "operaciones_inventario_detalleorden" in sql:
            counter = context["connection"].create_cursor()  # beneath the wrappers: not counted itself
            counter.execute(f"SELECT COUNT(*) FROM ({sql}) counted", params)
            fetched.append(counter.fetchone()[0])
            counter.close()
        return execute(sql, params, many, context)

    with db.execute_wrapper(count_rows):
        summary = tenant_restore(tenant=alfa, fileobj=io.BytesIO(data), replace=False, dry_run=True)
    assert summary.sections["operaciones_inventario.detalleorden"].matched == copies
    # each batch of 200 gets back its 200 rows + 1 (and the section's first query its largest id)
    assert sum(fetched) <= copies + 2 * len(fetched), (sum(fetched), len(fetched))


@pytest.mark.parametrize("replace", ["true", "false"])
def test_a_cycle_link_to_a_row_not_in_the_file_is_refused_in_both_modes(alfa, replace):
    """An employee's boss who is not in the file: an error in replace mode, and in merge mode too,
    even though the employee row itself matches an existing one."""
    values = records(backup_bytes(alfa))
    fields, rows = section_rows(values, "personal_admin.empleado")
    rows[-1][fields.index("jefe")] = 1_000_000
    before = database_checksum()
    response = restore(craft(values), replace=replace)
    assert response.status_code == 400, response.content
    error = response.json()["error"]
    assert (error["code"], error["field"]) == ("invalid_value", "jefe") and "not in this backup" in error["message"]
    assert error["line"] == rows_line(values, rows[-1])
    audit_entries(alfa, "restore").delete()
    assert database_checksum() == before


def test_a_required_link_to_another_shop_fails_that_shops_backup_and_leaks_nothing(alfa):
    """Bad ERP data: beta's vehicle belongs to one of alfa's clients (the FK cannot be empty)."""
    from backup_restore.errors import UnexportableValue
    from erp.operaciones_inventario.models import Vehiculo

    beta = seeded("beta", rows=300, seed=2)
    theirs = Vehiculo.objects.filter(tenant=beta).first()
    theirs.cliente = Cliente.objects.filter(tenant=alfa).first()
    theirs.save()
    with pytest.raises(UnexportableValue) as refused:
        backup_bytes(beta)  # no file beta could not restore
    assert refused.value.field == "cliente" and f"row id {theirs.pk}" in refused.value.message
    assert "another shop" in refused.value.message
    audit_entries(beta).delete()

    data = backup_bytes(alfa)
    before = database_checksum()
    for dry_run in ("true", "false"):
        response = restore(data, dry_run=dry_run)  # replace would delete the client beta's row points at
        assert response.status_code == 400 and response.json()["error"]["code"] == "rejected_by_database"
        assert str(theirs.pk) not in response.json()["error"]["message"]
        assert "vehiculo" not in response.json()["error"]["message"]
    audit_entries(alfa, "restore").delete()
    assert database_checksum() == before


def test_a_download_closed_before_its_first_byte_is_audited(alfa):
    from django.core.signals import request_finished
    from django.db import close_old_connections

    response = client_for("alfa_owner").get("/api/backup/")
    assert response.status_code == 200
    request_finished.disconnect(close_old_connections)  # as the test client does: keep the test's connection
    try:
        response.close()  # the client left before the stream started
    finally:
        request_finished.connect(close_old_connections)
    (entry,) = audit_entries(alfa, "backup")
    assert '"outcome":"incomplete"' in entry.descripcion and '"bytes":0' in entry.descripcion


def test_log_lines_are_bounded(alfa, caplog):
    import logging

    from backup_restore.logs import MAX_LINE_CHARS, MAX_TRACEBACK_CHARS

    caplog.set_level(logging.INFO, logger="backup_restore")
    values = records(backup_bytes(alfa))
    label = "z" * 3_000_000
    restore(craft([values[0], {"kind": "section", "model": label, "fields": ["id"]}, {"kind": "section_end", "model": label}]))
    logger = logging.getLogger("backup_restore")
    try:
        raise RuntimeError("x" * 100_000)
    except RuntimeError:
        logger.exception("a failure quoting %s", "y" * 100_000)
    records_ = [r for r in caplog.records if r.name == "backup_restore"]
    assert records_ and all(len(r.getMessage()) <= MAX_LINE_CHARS for r in records_)
    assert all(len(r.exc_text or "") <= MAX_TRACEBACK_CHARS for r in records_)
