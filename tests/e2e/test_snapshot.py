"""A download is one snapshot: rows another process commits while it streams are not in it.

The unit test of this runs on PostgreSQL only (pytest-django's SQLite database is in memory,
so no second process can write to it); here it runs against the e2e database file in WAL
mode, and on PostgreSQL as well.
"""

import secrets
import time

import pytest

from .support import MiB, access_token, client, download, ndjson_lines, verify_file

pytestmark = [pytest.mark.e2e, pytest.mark.slow]  # on the big seeded e2e database

NEW_ROWS = 3


def insert_audit_rows(db, slug: str, marker: str) -> None:
    """Commit ``NEW_ROWS`` Bitacora rows for ``slug`` from this (another) process."""
    tenant_id = db.value("SELECT id FROM personal_admin_tenant WHERE slug = %s", [slug])
    when = "2026-06-01 12:00:00+00:00" if db.is_postgres else "2026-06-01 12:00:00"
    with db.connect() as conn:
        sql = (
            "INSERT INTO personal_admin_bitacora (tenant_id, usuario_id, accion, modulo, descripcion, ip, fecha) "
            "VALUES (%s, NULL, 'crear', 'e2e', %s, NULL, %s)"
        )
        if not db.is_postgres:
            sql = sql.replace("%s", "?")
        conn.execute("BEGIN")
        for i in range(NEW_ROWS):
            conn.execute(sql, (tenant_id, f"{marker} #{i}", when))
        conn.execute("COMMIT")


def test_rows_committed_during_a_download_are_not_in_it(e2e, servers, files, report):
    big = e2e.tenants["big"]
    server = servers("gunicorn")
    token = access_token(server.url, big.owner)
    marker = f"e2e-snapshot-{secrets.token_hex(6)}"
    inserted_at: list[int] = []

    def slow_reader(received: int) -> None:
        if not inserted_at and received >= 256 * 1024:
            insert_audit_rows(e2e.db, "big", marker)
            inserted_at.append(received)
        time.sleep(0.0005)

    with client(server.url, small_buffer=True) as http:
        during = download(http, token, files / "during.ndjson", fmt="ndjson", on_chunk=slow_reader)
        assert inserted_at, "the download ended before the rows could be inserted"
        assert during.status == 200 and during.error is None
        after = download(http, token, files / "after.ndjson", fmt="ndjson")

    assert verify_file(e2e.env, during.path).returncode == 0
    committed = e2e.db.value("SELECT count(*) FROM personal_admin_bitacora WHERE descripcion LIKE %s", [marker + "%"])
    assert committed == NEW_ROWS
    assert not any(marker.encode() in line for line in ndjson_lines(during.path))
    assert sum(marker.encode() in line for line in ndjson_lines(after.path)) == NEW_ROWS
    report(
        f"[{e2e.db.vendor}/gunicorn] snapshot: {NEW_ROWS} rows committed by another process after "
        f"{inserted_at[0] / MiB:.2f} MB of a {during.bytes / MiB:.1f} MB download: absent from it, present in the next"
    )
