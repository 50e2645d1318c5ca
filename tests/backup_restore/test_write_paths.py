"""The fast write path (COPY / executemany) against the portable one (``bulk_create``).

The restore tests run on both paths (see conftest.py); these add what only a comparison shows:
the same tables from the same file, the same database values as Django's ``get_db_prep_save``,
the models the fast path hands to ``bulk_create``, and a COPY cut by a dropped connection.
"""

import hashlib
import io
from datetime import datetime
from zoneinfo import ZoneInfo
from collections import defaultdict

import pytest
from django.db import connection, connections
from django.db.models import signals

from backup_restore import conf
from backup_restore.errors import RestoreFailed
from backup_restore.registry import get_plan
from backup_restore.restore import tenant_restore
from backup_restore.writes import columns, writer_for
from backup_restore.writes.portable import BulkCreateWriter
from erp.clientes_servicios.models import Cliente
from tests.conftest import make_tenant

from .helpers import audit_entries, backup_bytes, canonical, database_checksum, seeded

pytestmark = pytest.mark.django_db
NOT_RESTORED = ("personal_admin.bitacora", "personal_admin.userprofile")


def table_checksums(data: bytes) -> dict[str, str]:
    """SHA-256 of each section's canonical rows (ids aside, references as positions)."""
    digests = defaultdict(hashlib.sha256)
    for model, row in canonical(data, ignore=NOT_RESTORED):
        digests[model].update(repr(row).encode())
    return {model: digest.hexdigest() for model, digest in digests.items()}


@pytest.mark.parametrize("replace", [True, False])
def test_both_paths_restore_the_same_file_into_the_same_tables(monkeypatch, settings, replace):
    source = backup_bytes(seeded("alfa", rows=1500))
    settings.BACKUP_RESTORE = {"RESTORE_BATCH_SIZE": 97}  # many batches: ids reserved batch after batch
    checksums = {}
    for path in ("portable", "fast"):
        monkeypatch.setitem(conf.DEFAULTS, "RESTORE_WRITE_PATH", path)
        shop = make_tenant(f"shop_{path}")
        tenant_restore(tenant=shop, fileobj=io.BytesIO(source), replace=replace, allow_other_tenant=True)
        checksums[path] = table_checksums(backup_bytes(shop))
    assert len(checksums["fast"]) > 20
    assert checksums["fast"] == checksums["portable"]


def prepared(value):
    """A database value comparable with ==: psycopg's ``Jsonb`` wrapper by the text it sends."""
    if hasattr(value, "obj") and hasattr(value, "dumps"):
        return ("jsonb", value.dumps(value.obj))
    return value


def test_each_converter_gives_what_get_db_prep_save_gives():
    seeded("alfa", rows=600)
    checked = 0
    for model_plan in get_plan().models:
        model = model_plan.model
        cols = columns(model, connection)
        fields = model._meta.concrete_fields
        for instance in model._base_manager.order_by("pk")[:200]:
            for position, _, convert, _ in cols:
                field = fields[position]
                value = getattr(instance, field.attname)
                if isinstance(value, datetime):  # as a file gives it: another offset than UTC
                    value = value.astimezone(ZoneInfo("America/La_Paz"))
                ours = value if value is None or convert is None else convert(value)
                expected = field.get_db_prep_save(value, connection)
                assert prepared(ours) == prepared(expected), (model_plan.label, field.name, value)
                checked += 1
    assert checked > 2000


def test_models_with_receivers_and_the_setting_take_the_portable_path(monkeypatch):
    assert type(writer_for(Cliente, "default")).__name__ != "BulkCreateWriter"

    def receiver(sender, **kwargs):
        pass

    signals.pre_save.connect(receiver, sender=Cliente)
    try:
        assert isinstance(writer_for(Cliente, "default"), BulkCreateWriter)
    finally:
        signals.pre_save.disconnect(receiver, sender=Cliente)
    monkeypatch.setitem(conf.DEFAULTS, "RESTORE_WRITE_PATH", "portable")
    assert isinstance(writer_for(Cliente, "default"), BulkCreateWriter)
    monkeypatch.setitem(conf.DEFAULTS, "RESTORE_WRITE_PATH", "quick")
    with pytest.raises(ValueError, match="RESTORE_WRITE_PATH"):
        writer_for(Cliente, "default")


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(connection.vendor != "postgresql", reason="COPY is PostgreSQL's")
def test_a_copy_cut_by_a_dropped_connection_leaves_nothing_behind(settings):
    alfa = seeded("alfa", rows=600)
    data = backup_bytes(alfa)
    settings.BACKUP_RESTORE = {"RESTORE_BATCH_SIZE": 50}
    before = database_checksum()
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        pid = cursor.fetchone()[0]
    killer = connections.create_connection("default")
    copies = []

    def terminated_halfway(rows):
        rows = list(rows)
        for i, row in enumerate(rows):
            if i == len(rows) // 2:  # the COPY has begun: its first rows are on their way
                with killer.cursor() as cursor:
                    cursor.execute("SELECT pg_terminate_backend(%s)", [pid])
            yield row

    def cut_the_third_copy(execute, sql, params, many, context):
        if sql.startswith("COPY "):
            copies.append(sql)
            if len(copies) == 3:
                params = terminated_halfway(params)
        return execute(sql, params, many, context)

    try:
        with connection.execute_wrapper(cut_the_third_copy), pytest.raises(RestoreFailed):
            tenant_restore(tenant=alfa, fileobj=io.BytesIO(data), replace=True)
    finally:
        killer.close()
    assert len(copies) == 3
    connection.close()  # the next query connects again, as the next request would
    entry = audit_entries(alfa, "restore").get()  # written after the rollback, on a new connection
    assert '"outcome":"failed"' in entry.descripcion and "restore_failed" in entry.descripcion
    entry.delete()
    assert database_checksum() == before
