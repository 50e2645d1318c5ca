"""Helpers for the backup/restore tests: seeded tenants, downloads, table checksums."""

import hashlib
import io

from django.db import connection

from backup_restore.compare import canonical_rows
from backup_restore.registry import get_plan
from erp.personal_admin.models import Bitacora
from erp.personal_admin.seeding import seed_tenant
from streaming import Row, iter_records


def seeded(slug: str, rows: int = 600, seed: int = 1):
    """A seeded tenant (with users <slug>_owner/_admin/_staff, password demo1234)."""
    return seed_tenant(slug=slug, rows=rows, seed=seed).tenant


def audit_entries(tenant, action: str = "backup"):
    """The audit-log rows written by backup_restore (the seed writes look-alike history)."""
    return Bitacora.objects.filter(tenant=tenant, accion=action, modulo="backup_restore")


def download(client, fmt: str | None = None, **extra) -> bytes:
    response = client.get("/api/backup/", {"format": fmt} if fmt else {}, **extra)
    assert response.status_code == 200, getattr(response, "content", response)
    return b"".join(response.streaming_content)


def events(data: bytes) -> list:
    return list(iter_records(io.BytesIO(data)))


def rows_by_section(data: bytes) -> dict[str, list[list]]:
    sections: dict[str, list[list]] = {}
    current = None
    for event in iter_records(io.BytesIO(data)):
        if type(event) is Row:
            sections[current].append(event.values)
        elif hasattr(event, "fields"):
            current = event.model
            sections[current] = []
    return sections


def canonical(data: bytes, *, ignore: tuple[str, ...] = ()) -> list[tuple[str, tuple]]:
    return [row for row in canonical_rows(io.BytesIO(data)) if row[0] not in ignore]


def database_checksum() -> str:
    """SHA-256 over every row of every table of the ERP and auth, in primary-key order:
    proof that nothing at all changed."""
    digest = hashlib.sha256()
    tables = sorted(
        model._meta.db_table for model in [*(p.model for p in get_plan().models), *get_plan().catalogs.values()]
    )
    with connection.cursor() as cursor:
        for table in tables + ["auth_user", "personal_admin_tenant"]:
            cursor.execute(f'SELECT * FROM "{table}" ORDER BY 1')
            digest.update(table.encode())
            for row in cursor.fetchall():
                digest.update(repr(row).encode())
    return digest.hexdigest()
