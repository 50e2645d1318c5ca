"""Faults in production: a client hanging up, a server SIGKILLed mid-restore, the database
connection dropped mid-export. Each must leave nothing behind."""

import threading
import time

import httpx
import pytest

from .support import (
    MiB,
    access_token,
    audit_rows,
    client,
    download,
    flocks_held,
    last_line,
    manage,
    mb,
    post_restore,
    verify_file,
    wait_until,
)

pytestmark = [pytest.mark.e2e, pytest.mark.slow]  # on the big seeded e2e database


def wait_for_audit(db, slug: str, action: str, count: int, timeout: float = 30) -> list[dict]:
    """The audit entries of ``slug`` once there are more than ``count`` of them."""
    return wait_until(
        lambda: (rows := audit_rows(db, slug, action)) and len(rows) > count and rows,
        timeout=timeout,
        what=f"a new {action} audit entry of {slug}",
    )


def idle_in_transaction(db) -> list[tuple]:
    return [b for b in db.server_backends() if b[1] and b[1].startswith("idle in transaction")]


# -- a client that hangs up halfway ---------------------------------------------------------


@pytest.mark.parametrize("kind", ["gunicorn", "uvicorn"])
def test_client_hanging_up_mid_download(e2e, servers, files, report, kind):
    big = e2e.tenants["big"]
    server = servers(kind)
    token = access_token(server.url, big.owner)
    audits = len(audit_rows(e2e.db, "big"))

    with client(server.url, small_buffer=True) as http:
        cut = download(http, token, files / "cut.ndjson", fmt="ndjson", stop_after=1 * MiB)
    # Leaving the block closed the connection with most of the 27 MB body unread.
    assert cut.status == 200 and cut.bytes < 2 * MiB

    entry = wait_for_audit(e2e.db, "big", "backup", audits)[-1]
    assert entry["outcome"] == "incomplete", entry
    assert 0 < entry["bytes"] < 27 * MiB, entry
    wait_until(lambda: "stopped by the client" in server.log(), timeout=10, what="the server's log line")

    if e2e.db.is_postgres:
        # The snapshot transaction was rolled back and the connection given back (CONN_MAX_AGE=0).
        wait_until(lambda: not idle_in_transaction(e2e.db), timeout=10, what="no idle-in-transaction backend")
        wait_until(lambda: not e2e.db.server_backends(), timeout=10, what="the server's backends to close")

    # The same server keeps serving: a whole download right after.
    with client(server.url) as http:
        again = download(http, access_token(server.url, "up_owner"), files / "after.ndjson.zst")
    assert again.status == 200 and again.error is None
    assert verify_file(e2e.env, again.path).returncode == 0
    report(
        f"[{e2e.db.vendor}/{kind}] client hung up after {mb(cut.bytes)}: audit outcome=incomplete, "
        f"server had sent {mb(entry['bytes'])}; next request OK; no transaction or connection left open"
    )


# -- the server killed in the middle of a restore -----------------------------------------------


def _size(path) -> int:
    """Size of a file that SQLite may create or delete at any moment (the WAL)."""
    try:
        return path.stat().st_size
    except FileNotFoundError:
        return 0


def _restore_is_writing(e2e, server, wal_start: int) -> str | None:
    """What shows that the restore is past its read-only checks and writing rows, if it is."""
    if e2e.db.is_postgres:
        for _, state, query in e2e.db.server_backends():
            statement = (query or "").lstrip()[:30]
            if state in ("active", "idle in transaction") and statement.upper().startswith(("INSERT", "DELETE")):
                return f"server backend {state}: {statement}..."
        return None
    lock = e2e.lock_dir / f"restore-{e2e.tenants['big'].uuid}.lock"
    wal = e2e.db.path.with_name(e2e.db.path.name + "-wal")
    grown = _size(wal) - wal_start
    if grown > 4 * MiB and flocks_held(server.worker_pid(), lock):
        return f"restore flock held, WAL +{mb(grown)}"
    return None


def test_server_killed_mid_restore(e2e, servers, files, report):
    big = e2e.tenants["big"]
    server = servers("gunicorn")
    token = access_token(server.url, big.owner)
    audits = len(audit_rows(e2e.db, "big"))
    with client(server.url) as http:
        backup = download(http, token, files / "big.ndjson.zst")
    assert backup.status == 200 and backup.error is None
    wait_for_audit(e2e.db, "big", "backup", audits)
    restores = len(audit_rows(e2e.db, "big", "restore"))
    before = e2e.db.checksums()
    wal_start = _size(e2e.db.path.with_name(e2e.db.path.name + "-wal")) if e2e.db.path else 0

    outcome: dict[str, object] = {}

    def restore() -> None:
        try:
            with client(server.url, timeout=120) as http:
                outcome["response"] = post_restore(http, token, backup.path, replace=True)
        except httpx.TransportError as exc:
            outcome["error"] = exc

    thread = threading.Thread(target=restore, name="e2e-restore")
    started = time.monotonic()
    thread.start()
    evidence = wait_until(
        lambda: _restore_is_writing(e2e, server, wal_start), timeout=60, interval=0.02, what="rows being written"
    )
    killed_after = time.monotonic() - started
    server.kill()
    thread.join(timeout=30)
    assert not thread.is_alive()
    assert "error" in outcome, f"the restore finished before the kill: {outcome}"

    if e2e.db.is_postgres:
        # The killed worker's backend rolls back and goes away by itself (lock released with it).
        gone = time.monotonic()
        wait_until(lambda: not e2e.db.server_backends(), timeout=30, what="the killed server's backend to end")
        backend_seconds = time.monotonic() - gone
    after = e2e.db.checksums()
    changed = sorted(t for t in before if before[t] != after.get(t))
    assert not changed, f"tables changed by a killed restore: {changed}"
    assert len(audit_rows(e2e.db, "big", "restore")) == restores  # the audit entry died with the process
    # The killed worker could not delete its spooled upload; an operator's cleanup removes it.
    leftovers = sorted(p.name for p in e2e.upload_dir.iterdir())
    for path in e2e.upload_dir.iterdir():
        path.unlink()

    # Restart: a new restore of the same tenant gets the lock and succeeds.
    server = servers("gunicorn")
    token = access_token(server.url, big.owner)
    with client(server.url, timeout=180) as http:
        response = post_restore(http, token, backup.path, replace=True)
        assert response.status_code == 200, response.text
        summary = response.json()
        assert summary["ok"] is True and summary["mode"] == "replace"
        restored = download(http, token, files / "restored.ndjson.zst")
    compare = manage(
        e2e.env, "compare_backups", str(backup.path), str(restored.path),
        "--ignore", "personal_admin.bitacora", "--across-tenants",
    )  # fmt: skip
    assert compare.returncode == 0, compare.stdout + compare.stderr

    backend_note = f", killed server's backend gone {backend_seconds:.2f}s after the kill" if e2e.db.is_postgres else ""
    report(
        f"[{e2e.db.vendor}/gunicorn] SIGKILL {killed_after:.2f}s into a replace-restore of {summary['rows']:,} rows "
        f"({evidence}): "
        f"all {len(before)} tables unchanged{backend_note}; no restore lock left (new restore OK); "
        f"left behind in FILE_UPLOAD_TEMP_DIR: {leftovers or 'nothing'}"
    )


# -- the database connection dropped mid-export (PostgreSQL) ----------------------------------


@pytest.mark.parametrize("kind", ["gunicorn", "uvicorn"])
def test_database_connection_dropped_mid_export(e2e, servers, files, report, kind):
    if not e2e.db.is_postgres:
        pytest.skip("terminating the server's backend needs PostgreSQL")
    big = e2e.tenants["big"]
    server = servers(kind)
    token = access_token(server.url, big.owner)
    audits = len(audit_rows(e2e.db, "big"))
    terminated: list[int] = []

    def slow_reader(received: int) -> None:
        if not terminated and received >= 1 * MiB:
            backends = wait_until(
                lambda: [pid for pid, _, query in e2e.db.server_backends() if "FROM" in (query or "").upper()],
                timeout=10, what="the export's backend",
            )  # fmt: skip
            for pid in backends:
                assert e2e.db.value("SELECT pg_terminate_backend(%s)", [pid]) is True
            terminated.extend(backends)
        time.sleep(0.001)

    with client(server.url, small_buffer=True) as http:
        cut = download(http, token, files / "dropped.ndjson", fmt="ndjson", on_chunk=slow_reader)
    assert terminated, "the download ended before the backend could be terminated"
    assert cut.status == 200
    tail = last_line(cut.path)
    assert not (isinstance(tail, dict) and tail.get("kind") == "end"), "the file must not look complete"

    check = verify_file(e2e.env, cut.path)
    assert check.returncode != 0
    assert "[truncated]" in check.stderr, check.stderr

    # The server is still up and answers the restore of that file with a clean 400.
    with client(server.url) as http:
        response = post_restore(http, token, cut.path, replace=True)
    assert response.status_code == 400, response.text
    error = response.json()["error"]
    assert error["code"] == "truncated", error
    entries = audit_rows(e2e.db, "big")[audits:]
    restore_entry = audit_rows(e2e.db, "big", "restore")[-1]
    assert restore_entry["outcome"] == "failed" and restore_entry["error"]["code"] == "truncated"
    wait_until(lambda: not idle_in_transaction(e2e.db), timeout=10, what="no idle-in-transaction backend")
    report(
        f"[postgresql/{kind}] backend terminated once 1 MB had arrived: client got {mb(cut.bytes)} in all, "
        f"without an end line ({cut.error or 'clean close'}); verify_backup and restore reject it "
        f"(400 truncated); audit entries of the cut backup: {[e['outcome'] for e in entries] or 'none'}"
    )
