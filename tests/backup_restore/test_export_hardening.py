"""Export hardening (issue 12): only the shop's own graph leaves; values a restore would refuse,
or that Python cannot read, stop the export with a clear error; ``HEAD`` runs no export."""

import hashlib
import io
import logging
import re

import orjson
import pytest
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command
from django.db import connection
from django.test import Client

from backup_restore.errors import UnexportableValue
from backup_restore.registry import FieldKind, get_plan
from erp.clientes_servicios.models import Cita, Cliente
from erp.finanzas_facturacion.models import Pago
from erp.operaciones_inventario.models import Item, OrdenTrabajo, Presupuesto, Vehiculo
from erp.personal_admin.models import Bitacora, Empleado
from erp.personal_admin.tenancy import tenant_users
from streaming import verify
from tests.conftest import client_for

from .helpers import audit_entries, database_checksum, download, rows_by_section, seeded

pytestmark = pytest.mark.django_db
User = get_user_model()


@pytest.fixture
def two_shops(db):
    return seeded("alfa", rows=400, seed=1), seeded("beta", rows=400, seed=2)


def _first(model, tenant, **lookup):
    return model.objects.filter(tenant=tenant, **lookup).order_by("pk").first()


def _checksum() -> str:
    """``database_checksum``, but over PostgreSQL's text form of each row: Python cannot read
    some of the values these tests store."""
    if connection.vendor != "postgresql":
        return database_checksum()
    digest = hashlib.sha256()
    plan = get_plan()
    tables = sorted(m._meta.db_table for m in [*(p.model for p in plan.models), *plan.catalogs.values()])
    with connection.cursor() as cursor:
        for table in [*tables, "auth_user", "personal_admin_tenant"]:
            cursor.execute(f'SELECT t::text FROM "{table}" AS t ORDER BY 1')
            digest.update(repr(cursor.fetchall()).encode())
    return digest.hexdigest()


def _details(tenant) -> dict:
    return orjson.loads(audit_entries(tenant).get().descripcion)


# -- 1. Only the shop's own graph ----------------------------------------------------------------


@pytest.fixture
def crossed_links(two_shops):
    """Alfa's rows pointing into beta: every kind of outside link the plan has that may be empty
    (a required one fails the backup: test_hardening.py)."""
    alfa, beta = two_shops
    empleado = _first(Empleado, alfa)
    Empleado.objects.filter(pk=empleado.pk).update(
        usuario=User.objects.get(username="beta_admin"),  # USER
        jefe=_first(Empleado, beta),  # REF breaking the self-reference (deferred)
    )
    cita = _first(Cita, alfa)
    Cita.objects.filter(pk=cita.pk).update(vehiculo=_first(Vehiculo, beta))  # REF
    orden = OrdenTrabajo.objects.filter(tenant=alfa).order_by("pk")[1]
    OrdenTrabajo.objects.filter(pk=orden.pk).update(presupuesto=_first(Presupuesto, beta))  # REF breaking a cycle
    entries = Bitacora.objects.filter(tenant=alfa).order_by("pk")[:3]
    Bitacora.objects.filter(pk__in=[e.pk for e in entries]).update(usuario=User.objects.get(username="beta_owner"))
    return alfa, beta, {"empleado": empleado.pk, "cita": cita.pk, "orden": orden.pk, "bitacora": [e.pk for e in entries]}


EXPECTED_WARNINGS = [
    "clientes_servicios.cita.vehiculo: 1 link to another shop left empty",
    "operaciones_inventario.ordentrabajo.presupuesto: 1 link to another shop left empty",
    "personal_admin.bitacora.usuario: 3 links to another shop left empty",
    "personal_admin.empleado.jefe: 1 link to another shop left empty",
    "personal_admin.empleado.usuario: 1 link to another shop left empty",
]


def test_links_to_another_shop_leave_as_empty_with_warnings(crossed_links, caplog):
    alfa, beta, rows = crossed_links
    before = database_checksum()
    caplog.set_level(logging.WARNING, logger="backup_restore")
    data = download(client_for("alfa_admin"), "ndjson")
    verify(io.BytesIO(data))
    sections = rows_by_section(data)

    def row(label, pk):
        fields = get_plan().by_label[label].field_names
        return dict(zip(fields, next(r for r in sections[label] if r[0] == pk)))

    empleado = row("personal_admin.empleado", rows["empleado"])
    assert empleado["usuario"] is None and empleado["jefe"] is None
    assert row("clientes_servicios.cita", rows["cita"])["vehiculo"] is None
    assert row("operaciones_inventario.ordentrabajo", rows["orden"])["presupuesto"] is None
    assert all(row("personal_admin.bitacora", pk)["usuario"] is None for pk in rows["bitacora"])
    _assert_only_own_graph(alfa, sections)
    assert b"beta_admin" not in data and b"beta_owner" not in data

    assert _details(alfa)["warnings"] == EXPECTED_WARNINGS
    logged = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING and r.name == "backup_restore"]
    assert logged == [f"backup of alfa: {line}" for line in EXPECTED_WARNINGS]
    audit_entries(alfa).delete()
    assert database_checksum() == before


def _assert_only_own_graph(tenant, sections: dict) -> None:
    """Every REF in the file names a row of ``tenant``, every USER one of its members."""
    plan = get_plan().by_label
    members = set(tenant_users(tenant).values_list("username", flat=True))
    own = {label: set(p.rows_of(tenant).values_list("pk", flat=True)) for label, p in plan.items()}
    checked = 0
    for label, rows in sections.items():
        for i, f in enumerate(plan[label].fields):
            if f.kind not in (FieldKind.REF, FieldKind.USER):
                continue
            values = {r[i] for r in rows} - {None}
            if f.kind is FieldKind.REF:
                assert values <= own[f.target], (label, f.name, values - own[f.target])
            elif f.kind is FieldKind.USER:
                assert values <= members, (label, f.name, values - members)
            checked += sum(r[i] is not None for r in rows)
    assert checked > 300


def test_a_clean_shop_exports_unchanged_with_no_warnings(two_shops):
    alfa, _ = two_shops
    signed = Bitacora.objects.filter(tenant=alfa, usuario__isnull=False).count()
    data = download(client_for("alfa_owner"), "ndjson")
    sections = rows_by_section(data)
    _assert_only_own_graph(alfa, sections)
    plan = get_plan().by_label["personal_admin.empleado"]
    jefes = {r[plan.field_names.index("jefe")] for r in sections["personal_admin.empleado"]} - {None}
    assert jefes and jefes == set(Empleado.objects.filter(tenant=alfa, jefe__isnull=False).values_list("jefe", flat=True))
    usuario = get_plan().by_label["personal_admin.bitacora"].field_names.index("usuario")
    named = [r[usuario] for r in sections["personal_admin.bitacora"] if r[usuario]]
    assert len(named) == signed > 50
    assert "warnings" not in _details(alfa)


# -- 2. Values a restore would refuse ------------------------------------------------------------


def _corrupt(model, pk, column, sql_value):
    """Write a value the way a buggy ERP or a manual fix would: past Django's checks."""
    with connection.cursor() as cursor:
        cursor.execute(f'UPDATE "{model._meta.db_table}" SET "{column}" = {sql_value} WHERE id = %s', [pk])


BOTH = ("sqlite", "postgresql")
CASES = [
    # vendor(s), model, column, SQL value, expected words of the message
    (BOTH, Cita, "estado", "'perdida'", "'perdida' is not one of the allowed choices"),
    (BOTH, Item, "tipo", "''", "'' is not one of the allowed choices"),
    (("sqlite",), Cliente, "nombre", "'" + "x" * 151 + "'", "has 151 characters; at most 150 fit"),
    (("sqlite",), Cliente, "documento", "'12' || char(0) || '3'", "contains a NUL character"),
    (("sqlite",), Item, "stock", str(2**31), f"{2**31} is out of range"),
    (("sqlite",), Pago, "monto", "123456789012345", "lies outside what the field can hold"),
    (("postgresql",), Pago, "monto", "'NaN'", "'NaN' is not a finite number"),
    (("postgresql",), Cita, "fecha_hora", "'9999-12-31 23:00:00-05'", "the value 10000-01-01 04:00:00+00 lies outside"),
]


def _tenant_row(model, tenant):
    field = "orden__tenant" if model is Pago else "tenant"
    return model.objects.filter(**{field: tenant}).order_by("pk")[1].pk


@pytest.mark.parametrize(("vendors", "model", "column", "value", "words"), CASES, ids=lambda c: getattr(c, "__name__", None))
def test_a_value_the_restore_would_refuse_fails_the_download(two_shops, vendors, model, column, value, words):
    if connection.vendor not in vendors:
        pytest.skip(f"the {connection.vendor} database refuses or cannot hold this value itself")
    alfa, _ = two_shops
    pk = _tenant_row(model, alfa)
    _corrupt(model, pk, column, value)
    label = model._meta.label_lower
    before = _checksum()

    response = client_for("alfa_admin").get("/api/backup/", {"format": "ndjson"})
    assert response.status_code == 200  # the stream had begun; its end record never comes
    received = []
    with pytest.raises(UnexportableValue) as problem:
        for chunk in response.streaming_content:
            received.append(chunk)
    error = problem.value
    assert (error.code, error.section, error.field) == ("unexportable_value", label, column)
    assert f"{label} row id {pk}, field {column}: " in error.message and words in error.message
    assert b'"kind":"end"' not in b"".join(received)

    details = _details(alfa)
    assert details["outcome"] == "failed" and details["code"] == "unexportable_value"
    assert details["error"] == error.message[:299] + "…" if len(error.message) > 300 else error.message
    assert len(details["error"]) <= 300
    audit_entries(alfa).delete()
    assert _checksum() == before


def test_the_cli_prints_the_clear_error_and_leaves_no_file(two_shops, tmp_path):
    alfa, _ = two_shops
    pk = _tenant_row(Cita, alfa)
    _corrupt(Cita, pk, "estado", "'perdida'")
    target = tmp_path / "alfa.ndjson.zst"
    with pytest.raises(CommandError) as problem:
        call_command("backup_tenant", "alfa", "-o", str(target), "--no-progress")
    assert str(problem.value) == (
        f"No backup was made [unexportable_value]: clientes_servicios.cita row id {pk}, field estado: 'perdida' is not "
        f"one of the allowed choices. A restore would refuse this value, so no backup was made; correct it in the "
        f"shop's data and back up again."
    )
    assert list(tmp_path.iterdir()) == []
    assert _details(alfa)["outcome"] == "failed"


def test_the_cli_exits_non_zero(two_shops, tmp_path):
    """CommandError is what ``manage.py`` turns into exit status 1; the message goes to stderr."""
    from django.core.management import ManagementUtility

    alfa, _ = two_shops
    _corrupt(Cita, _tenant_row(Cita, alfa), "estado", "'perdida'")
    with pytest.raises(SystemExit) as leaving:
        ManagementUtility(["manage.py", "backup_tenant", "alfa", "-o", str(tmp_path / "x.zst"), "--no-progress"]).execute()
    assert leaving.value.code == 1


def test_an_invalid_email_fails_the_export(two_shops):
    alfa, _ = two_shops
    pk = _tenant_row(Cliente, alfa)
    _corrupt(Cliente, pk, "email", "'not an address'")
    with pytest.raises(UnexportableValue) as problem:
        download(client_for("alfa_admin"), "ndjson")
    assert problem.value.field == "email"


def test_a_long_error_is_capped_in_the_audit_entry(two_shops):
    alfa, _ = two_shops

    def fail_on_citas(execute, sql, params, many, context):
        if Cita._meta.db_table in sql and sql.lstrip().upper().startswith("SELECT"):
            raise RuntimeError("disk on fire " * 100)
        return execute(sql, params, many, context)

    with connection.execute_wrapper(fail_on_citas), pytest.raises(RuntimeError):
        download(client_for("alfa_admin"), "ndjson")
    details = _details(alfa)
    assert details["code"] == "export_failed"
    assert len(details["error"]) == 300 and details["error"].startswith("RuntimeError: disk on fire disk")
    assert details["error"].endswith("…")


# -- 3. HEAD ---------------------------------------------------------------------------------------


def _wsgi(method: str, token: str) -> tuple[str, dict, bytes]:
    """One request through Django's handler (the test client: it keeps the test's database
    connection open), the body drained as servers do, for HEAD too."""
    response = Client().generic(method, "/api/backup/", HTTP_AUTHORIZATION=f"Bearer {token}")
    body = b"".join(response.streaming_content)  # the test client closes the response at the end
    return f"{response.status_code} {response.reason_phrase}", dict(response.headers), body


def test_head_answers_the_headers_without_running_the_export(two_shops):
    alfa, _ = two_shops
    token = client_for("alfa_owner")._credentials["HTTP_AUTHORIZATION"].split()[1]
    status, headers, body = _wsgi("HEAD", token)
    assert status == "200 OK" and body == b""
    (head,) = audit_entries(alfa)
    assert '"outcome":"head"' in head.descripcion and '"rows"' not in head.descripcion  # nothing was read
    _, get_headers, _ = _wsgi("GET", token)
    assert audit_entries(alfa).count() == 2
    for name in ("Content-Type", "Cache-Control", "X-Accel-Buffering", "X-Content-Type-Options"):
        assert headers[name] == get_headers[name], name
    assert re.fullmatch(r'attachment; filename="backup_alfa_\d{8}T\d{6}Z\.ndjson\.zst"', headers["Content-Disposition"])
    assert "Content-Length" not in headers


def test_attachment_head_has_the_download_headers_and_no_body(rf):
    from backup_restore.api.http import attachment_head, attachment_stream

    request = rf.head("/api/backup/")
    head = attachment_head(request, filename="b.ndjson", content_type="application/x-ndjson")
    get = attachment_stream(request, iter([b"x"]), filename="b.ndjson", content_type="application/x-ndjson")
    assert dict(head.headers) == dict(get.headers)
    assert b"".join(head.streaming_content) == b""
