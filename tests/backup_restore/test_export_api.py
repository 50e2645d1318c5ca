import io
import re

import pytest
import zstandard
from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import connection, connections

from backup_restore.export import tenant_backup_stream
from backup_restore.registry import get_plan
from erp.clientes_servicios.models import Cliente
from erp.finanzas_facturacion.models import Pago
from erp.operaciones_inventario.models import Vehiculo
from streaming import End, Header, verify
from tests.conftest import client_for

from .helpers import audit_entries, database_checksum, download, events, rows_by_section, seeded

pytestmark = pytest.mark.django_db


@pytest.fixture
def two_shops(db):
    return seeded("alfa", rows=800, seed=1), seeded("beta", rows=800, seed=2)


def test_backup_holds_only_the_requesting_tenants_rows(two_shops):
    alfa, beta = two_shops
    before = database_checksum()
    plan = get_plan().by_label
    counts = {label: p.rows_of(alfa).count() for label, p in plan.items()}
    data = download(client_for("alfa_admin"))
    sections = rows_by_section(data)
    assert set(sections) == set(plan)
    for label, rows in sections.items():
        ids = [row[0] for row in rows]
        mine = plan[label].rows_of(alfa).filter(pk__in=ids).count()
        assert mine == len(ids) == counts[label], label
    raw = zstandard.ZstdDecompressor().stream_reader(io.BytesIO(data), read_across_frames=True).read()
    beta_only = set(Cliente.objects.filter(tenant=beta).values_list("documento", flat=True)) - set(
        Cliente.objects.filter(tenant=alfa).values_list("documento", flat=True)
    )
    beta_plates = set(Vehiculo.objects.filter(tenant=beta).values_list("placa", flat=True)) - set(
        Vehiculo.objects.filter(tenant=alfa).values_list("placa", flat=True)
    )
    assert beta_only and beta_plates
    for value in [*beta_only, *beta_plates, str(beta.uuid), "beta_owner", "beta_admin"]:
        assert f'"{value}"'.encode() not in raw
    audit_entries(alfa).delete()
    assert database_checksum() == before


def test_no_secret_leaves_in_any_format(two_shops):
    alfa, _ = two_shops
    client = client_for("alfa_owner")
    token = client._credentials["HTTP_AUTHORIZATION"].split()[1]
    secrets = [settings.SECRET_KEY, token, alfa.stripe_customer_id, alfa.stripe_subscription_id]
    secrets += list(get_user_model().objects.values_list("password", flat=True))
    secrets += [p for p in Pago.objects.values_list("stripe_payment_intent_id", flat=True) if p]
    assert all(secrets) and len(secrets) > 8
    for fmt in ("ndjson", "json"):
        raw = download(client, fmt)
        for secret in secrets:
            assert secret.encode() not in raw, secret[:12]
        assert b"pbkdf2_" not in raw and b"md5$" not in raw


def test_three_formats_carry_the_same_records(two_shops):
    client = client_for("alfa_owner")
    files = {}
    for fmt in ("ndjson.zst", "ndjson", "json"):
        files[fmt] = download(client, fmt)
        audit_entries(two_shops[0]).delete()  # so that the next download holds the same rows
    parsed = {fmt: events(data) for fmt, data in files.items()}
    # The header's created_at, and so the digest, differ between downloads; all else is equal.
    strip = lambda evs: [(e.sections, e.rows) if type(e) is End else e for e in evs if type(e) is not Header]  # noqa: E731
    assert strip(parsed["ndjson.zst"]) == strip(parsed["ndjson"]) == strip(parsed["json"])
    assert files["ndjson"].startswith(b'{"kind":"backup"')
    assert files["json"].startswith(b"[\n")
    assert files["ndjson.zst"][:4] == b"\x28\xb5\x2f\xfd"
    end = parsed["ndjson"][-1]
    assert type(end) is End and end.rows == sum(len(r) for r in rows_by_section(files["ndjson"]).values())


def test_download_headers_whatever_the_accept_header(two_shops):
    client = client_for("alfa_owner")
    for accept in ("application/zstd", "application/json", "*/*", "text/html"):
        response = client.get("/api/backup/", HTTP_ACCEPT=accept)
        assert response.status_code == 200, accept
        assert response["Content-Type"] == "application/zstd"
        assert re.fullmatch(r'attachment; filename="backup_alfa_\d{8}T\d{6}Z\.ndjson\.zst"', response["Content-Disposition"])
        assert response["Cache-Control"] == "no-store"
        assert response["X-Accel-Buffering"] == "no"
        assert "Content-Encoding" not in response.headers
        verify(io.BytesIO(b"".join(response.streaming_content)))
    assert client.get("/api/backup/", {"format": "json"})["Content-Type"] == "application/json"
    assert client.get("/api/backup/", {"format": "ndjson"})["Content-Type"] == "application/x-ndjson"


def test_gzip_middleware_does_not_touch_the_download(two_shops, settings):
    settings.MIDDLEWARE = ["django.middleware.gzip.GZipMiddleware", *settings.MIDDLEWARE]
    response = client_for("alfa_owner").get("/api/backup/", {"format": "ndjson"}, HTTP_ACCEPT_ENCODING="gzip")
    assert "Content-Encoding" not in response.headers
    assert b"".join(response.streaming_content).startswith(b'{"kind":"backup"')


def test_unknown_format_is_a_clear_400(two_shops):
    response = client_for("alfa_owner").get("/api/backup/", {"format": "xml"})
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "unknown_format"
    assert "ndjson.zst" in response.json()["error"]["message"]


def test_no_token_is_401_and_employee_is_403(two_shops):
    from rest_framework.test import APIClient

    anonymous = APIClient().get("/api/backup/")
    assert anonymous.status_code == 401
    assert anonymous.json()["ok"] is False
    staff = client_for("alfa_staff").get("/api/backup/")
    assert staff.status_code == 403
    assert "owner or an administrator" in staff.json()["error"]["message"]
    # Both refusals are audited: the employee's in the shop's log, the anonymous one apart.
    (entry,) = audit_entries(two_shops[0])
    assert entry.usuario.username == "alfa_staff" and '"outcome":"refused"' in entry.descripcion
    assert '"code":"permission_denied"' in entry.descripcion
    from backup_restore.models import Attempt

    (attempt,) = Attempt.objects.all()
    assert (attempt.action, attempt.outcome, attempt.code, attempt.username) == (
        "backup", "refused", "not_authenticated", ""
    )


def test_backup_roles_are_configurable(two_shops, settings):
    settings.BACKUP_RESTORE = {"BACKUP_ROLES": ("owner", "admin", "employee")}
    assert client_for("alfa_staff").get("/api/backup/").status_code == 200


def test_backups_are_throttled_per_tenant(two_shops, settings):
    from django.core.cache import cache

    cache.clear()
    settings.BACKUP_RESTORE = {"BACKUP_THROTTLE_RATE": "2/hour"}
    assert client_for("alfa_owner").get("/api/backup/").status_code == 200
    assert client_for("alfa_admin").get("/api/backup/").status_code == 200
    third = client_for("alfa_owner").get("/api/backup/")
    assert third.status_code == 429
    assert third.json()["error"]["code"] == "throttled"
    assert client_for("beta_owner").get("/api/backup/").status_code == 200
    cache.clear()


def test_successful_backup_is_audited(two_shops):
    alfa, _ = two_shops
    data = download(client_for("alfa_admin"), REMOTE_ADDR="10.1.2.3")
    entry = audit_entries(alfa).get()
    assert entry.usuario.username == "alfa_admin"
    assert entry.ip == "10.1.2.3"
    assert '"outcome":"ok"' in entry.descripcion
    assert f'"bytes":{len(data)}' in entry.descripcion
    assert f'"rows":{events(data)[-1].rows}' in entry.descripcion


def test_client_leaving_midway_is_audited_as_incomplete(two_shops, settings):
    """What StreamingHttpResponse.close() does when a WSGI client hangs up: close the generator.
    (The same through a real server and socket is in the e2e suite.)"""
    alfa, _ = two_shops
    settings.BACKUP_RESTORE = {"EXPORT_CHUNK_BYTES": 1024}
    chunks = tenant_backup_stream(tenant=alfa, container="ndjson", user=alfa.owner)
    next(chunks)
    chunks.close()
    entry = audit_entries(alfa).get()
    assert '"outcome":"incomplete"' in entry.descripcion
    assert entry.usuario == alfa.owner


def test_database_failure_mid_stream_leaves_an_unfinished_file_and_an_audit_entry(two_shops, settings):
    alfa, _ = two_shops
    settings.BACKUP_RESTORE = {"EXPORT_CHUNK_BYTES": 1024}
    table = Pago._meta.db_table

    def fail_on_pagos(execute, sql, params, many, context):
        if table in sql and sql.lstrip().upper().startswith("SELECT"):
            raise RuntimeError("disk on fire")
        return execute(sql, params, many, context)

    response = client_for("alfa_owner").get("/api/backup/", {"format": "ndjson"})
    received = []
    with connection.execute_wrapper(fail_on_pagos), pytest.raises(RuntimeError):
        for chunk in response.streaming_content:
            received.append(chunk)
    partial = b"".join(received)
    assert partial and b'"kind":"end"' not in partial
    with pytest.raises(Exception) as problem:
        verify(io.BytesIO(partial))
    assert problem.value.code == "truncated"
    entry = audit_entries(alfa).get()
    assert '"outcome":"failed"' in entry.descripcion and "disk on fire" in entry.descripcion


@pytest.mark.django_db(transaction=True)
async def test_asgi_streams_from_an_async_iterator():
    from asgiref.sync import sync_to_async
    from django.test import AsyncClient
    from rest_framework_simplejwt.tokens import RefreshToken

    await sync_to_async(seeded)("alfa", rows=800)
    user = await get_user_model().objects.aget(username="alfa_owner")
    token = await sync_to_async(lambda: str(RefreshToken.for_user(user).access_token))()
    response = await AsyncClient().get("/api/backup/", headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 200
    assert response.is_async
    data = b"".join([chunk async for chunk in response.streaming_content])
    assert (await sync_to_async(verify)(io.BytesIO(data))).rows > 500
    await sync_to_async(connections.close_all)()  # the worker thread's connection
