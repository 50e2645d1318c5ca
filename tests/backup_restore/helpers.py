"""Helpers for the backup/restore tests: seeded tenants, downloads, table checksums."""

import hashlib
import io
import threading
from collections.abc import Iterator
from contextlib import contextmanager

import orjson
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection, transaction

from backup_restore.export import tenant_backup_stream
from backup_restore.locks import tenant_restore_lock

from backup_restore.compare import canonical_rows
from backup_restore.registry import get_plan
from erp.personal_admin.models import Bitacora
from erp.demo.seeding import seed_tenant
from streaming import Row, encode_line, iter_records


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


def canonical(data: bytes, *, ignore: tuple[str, ...] = (), blank: frozenset[str] = frozenset()) -> list:
    return [row for row in canonical_rows(io.BytesIO(data), blank=blank) if row[0] not in ignore]


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


def backup_bytes(tenant, fmt: str = "ndjson") -> bytes:
    """A backup of ``tenant`` made by the export service (audit entry removed again)."""
    data = b"".join(tenant_backup_stream(tenant=tenant, container=fmt))
    audit_entries(tenant).delete()
    return data


def records(ndjson: bytes) -> list:
    """The JSON values of an NDJSON backup, one per line, end record dropped."""
    values = [orjson.loads(line) for line in ndjson.splitlines()]
    assert values[-1]["kind"] == "end"
    return values[:-1]


def craft(values: list) -> bytes:
    """An NDJSON backup of ``values`` with the section counts and the end digest made right,
    so that a test reaches the check it aims at rather than the digest check."""
    lines, rows, sections, count = [], 0, 0, 0
    for value in values:
        if isinstance(value, dict) and value.get("kind") == "section":
            count = 0
        elif isinstance(value, dict) and value.get("kind") == "section_end":
            value = {**value, "rows": count}
            sections += 1
        else:
            count += isinstance(value, list)
            rows += isinstance(value, list)
        lines.append(encode_line(value))
    body = b"".join(lines)
    end = {"kind": "end", "sections": sections, "rows": rows, "sha256": hashlib.sha256(body).hexdigest()}
    return body + encode_line(end)


def section_rows(values: list, model: str) -> tuple[list[str], list[list]]:
    """The fields and the (mutable) rows of one section of ``records(...)``."""
    start = next(i for i, v in enumerate(values) if isinstance(v, dict) and v.get("model") == model)
    rows = []
    for value in values[start + 1 :]:
        if not isinstance(value, list):
            break
        rows.append(value)
    return values[start]["fields"], rows


def post_restore(client, data: bytes, *, name: str = "backup.ndjson", **fields):
    upload = SimpleUploadedFile(name, data, content_type="application/octet-stream")
    return client.post("/api/restore/", {"backup_file": upload, **fields}, format="multipart")


@contextmanager
def restore_in_progress(tenant) -> Iterator[None]:
    """The tenant's real restore lock, held by another thread on its own database connection
    (as a running restore holds it) until the block ends."""
    holding, release = threading.Event(), threading.Event()
    failure: list[BaseException] = []

    def hold() -> None:
        try:
            with transaction.atomic(), tenant_restore_lock(tenant):
                holding.set()
                release.wait(timeout=60)
        except BaseException as exc:  # reported by the test's thread below
            failure.append(exc)
            holding.set()
        finally:
            connection.close()

    worker = threading.Thread(target=hold)
    worker.start()
    try:
        assert holding.wait(timeout=30) and not failure, f"could not take the restore lock: {failure}"
        yield
    finally:
        release.set()
        worker.join()
