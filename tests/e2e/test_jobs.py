"""Backups and restores as background jobs, end to end: a real gunicorn, real ``db_worker``
processes, httpx clients, on SQLite and PostgreSQL (issue 9, parts 1, 5 and 8).

"Mid-job" is an event, never a delay: the test polls the job until it is in the middle of its
work, then stops the worker (SIGSTOP) and reads the job again, so nothing can end behind the
test's back; only then it kills the worker, cancels, or sends the competing request.
"""

from __future__ import annotations

import fcntl
import hashlib
import os
import sqlite3
from collections.abc import Callable
from pathlib import Path

import httpx
import pytest

from .support import JobsAPI, Worker, access_token, client, post_restore, verify_file, wait_until

pytestmark = [pytest.mark.e2e, pytest.mark.slow]  # a seeded database of 130k rows per run

# What a restore never rewrites (the audit log: restores and refusals are audited) and the
# bookkeeping around it (job rows and the queue, on PostgreSQL in the same database; the cache).
NOT_SHOP_DATA = {
    "personal_admin_bitacora",
    "taller_cache",
    "django_session",
    "backup_jobs_backupjob",
    "backup_jobs_backupschedule",
    "django_tasks_database_dbtaskresult",
}
BLOCKING_TABLE = "operaciones_inventario_vehiculo"  # shop data: every backup reads it, a replace rewrites it


# -- reading what the jobs did -------------------------------------------------------------------


def shop_checksums(site) -> dict[str, str]:
    """A checksum of every table but ``NOT_SHOP_DATA``, in one read snapshot."""
    return site.db.checksums([t for t in site.db.tables() if t not in NOT_SHOP_DATA])


def tenant_pk(site, slug: str) -> int:
    return site.db.value("SELECT id FROM personal_admin_tenant WHERE slug = %s", [slug])


def job_rows(site, where: str = "1 = 1", params=()) -> list[dict]:
    """Job rows (``backup_jobs_backupjob``) read directly from the jobs database."""
    columns = ["id", "tenant_id", "kind", "state", "phase", "rows_done", "worker", "file", "task_id", "upload",
               "started_at", "finished_at"]  # fmt: skip
    sql = f"SELECT {', '.join(columns)} FROM backup_jobs_backupjob WHERE {where} ORDER BY id"
    rows = site.jobs_db.rows(sql, params)
    return [dict(zip(columns, row, strict=True)) for row in rows]


def job_row(site, job_id: int) -> dict:
    (row,) = job_rows(site, "id = %s", [job_id])
    return row


def stored_files(site, slug: str) -> set[str]:
    """The files in the shop's folder of ``BACKUPS_ROOT``, as storage names."""
    folder = site.backups_root / site.tenants[slug].uuid
    if not folder.exists():
        return set()
    return {str(p.relative_to(site.backups_root)) for p in folder.rglob("*") if p.is_file()}


def kept_archives(site, slug: str) -> set[str]:
    """The storage names of the shop's succeeded backups: all that may be on disk."""
    rows = job_rows(site, "tenant_id = %s AND kind = 'backup' AND state = 'succeeded'", [tenant_pk(site, slug)])
    return {row["file"] for row in rows}


def uploads_left(site) -> list[str]:
    folder = site.backups_root / "uploads"
    return sorted(str(p) for p in folder.rglob("*") if p.is_file()) if folder.exists() else []


def restore_lock_free(site, slug: str) -> bool:
    """Whether another restore of the shop could take its lock now (backup_restore/locks.py):
    PostgreSQL's advisory lock, taken and released in one statement; SQLite's flock, likewise."""
    if site.db.is_postgres:
        from backup_restore.locks import _LOCK_CLASS

        return bool(site.db.value("SELECT pg_try_advisory_lock(%s, %s) AND pg_advisory_unlock(%s, %s)",
                                  [_LOCK_CLASS, tenant_pk(site, slug)] * 2))  # fmt: skip
    path = site.lock_dir / f"restore-{site.tenants[slug].uuid}.lock"
    if not path.exists():
        return True
    fd = os.open(path, os.O_RDWR)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return False
    finally:
        os.close(fd)  # releases the flock if it was taken
    return True


def jobs_db_writable(site) -> bool:
    """SQLite: whether nobody holds the jobs file's write lock (a worker stopped halfway through
    a progress write would hold it, and every API write would wait for it)."""
    if site.db.is_postgres:
        return True
    conn = sqlite3.connect(site.jobs_db.path, timeout=0, isolation_level=None)
    try:
        conn.execute("BEGIN IMMEDIATE")
        conn.execute("ROLLBACK")
        return True
    except sqlite3.OperationalError:
        return False
    finally:
        conn.close()


def shop_being_rewritten(site) -> bool:
    """Whether a restore's open transaction is writing the shop: on SQLite it holds the
    database's write lock; on PostgreSQL row-exclusive locks on the shop's tables (a replace
    has deleted their rows)."""
    if site.db.is_postgres:
        return bool(site.db.value(
            "SELECT count(*) FROM pg_locks l JOIN pg_class c ON c.oid = l.relation "
            "WHERE l.database = (SELECT oid FROM pg_database WHERE datname = current_database()) "
            "AND l.mode = 'RowExclusiveLock' AND l.granted AND c.relname = %s", [BLOCKING_TABLE]
        ))  # fmt: skip
    conn = sqlite3.connect(site.db.path, timeout=0, isolation_level=None)
    try:
        conn.execute("BEGIN IMMEDIATE")
        conn.execute("ROLLBACK")
        return False
    except sqlite3.OperationalError:
        return True
    finally:
        conn.close()


# -- the events ----------------------------------------------------------------------------------


def mid_backup(job: dict) -> bool:
    return job["state"] == "running" and job["phase"] == "writing" and job["rows_done"] > 0


def mid_restore(job: dict) -> bool:
    """Inside the restore's transaction with more to come: a replace deletes the shop's rows
    first, then writes the file's, so by its first rows the transaction has changed the shop."""
    return (
        job["state"] == "running" and job["phase"] == "restoring" and 0 < job["rows_done"] < (job["rows_total"] or 0)
    )


def freeze_mid_job(site, api: JobsAPI, worker: Worker, kind: str, job_id: int, mid: Callable[[dict], bool]) -> dict:
    """Stop ``worker`` (SIGSTOP) while its job is in the middle (``mid``) and return the job as
    read once the worker is stopped: from then on it cannot move."""

    def attempt() -> dict | None:
        api.wait(kind, job_id, lambda job: mid(job) or job["state"] in JobsAPI.ENDED, what=f"{kind} {job_id} mid-way")
        worker.freeze()
        if jobs_db_writable(site):
            return api.job(kind, job_id)
        worker.thaw()  # stopped in the middle of a progress write: let it finish that, try again
        return None

    job = wait_until(attempt, timeout=120, interval=0.01, what=f"{kind} job {job_id} stopped mid-way")
    assert mid(job), f"the {kind} job was not caught in the middle of its work: {job}"
    return job


def assert_error(response: httpx.Response, status: int, code: str) -> dict:
    assert response.status_code == status, response.text
    body = response.json()
    assert body["ok"] is False and body["error"]["code"] == code, body
    return body["error"]


def accepted(response: httpx.Response, kind: str) -> dict:
    """A 202 with the job and its ``Location``."""
    assert response.status_code == 202, response.text
    job = response.json()
    assert job["kind"] == kind and job["state"] in ("queued", "running"), job
    assert response.headers["Location"].endswith(f"/api/{kind}s/{job['id']}/"), response.headers
    return job


def backup_of(site, api: JobsAPI) -> dict:
    """A stored, verified backup of the API user's shop (a worker must be running)."""
    job = api.wait("backup", accepted(api.start_backup(), "backup")["id"])
    assert job["state"] == "succeeded", job
    return job


def archive_path(site, backup: dict) -> Path:
    return site.backups_root / job_row(site, backup["id"])["file"]


@pytest.fixture
def api(jobsite):
    """The job API as the owner of ``jbig``."""
    jobs = JobsAPI(jobsite.server.url, jobsite.tenants["jbig"].owner)
    try:
        yield jobs
    finally:
        jobs.close()


# -- part 8: the full flow -----------------------------------------------------------------------


def test_backup_job_link_and_ranged_download(jobsite, workers, api, tmp_path, report):
    (worker,) = workers(1)
    seen: list[dict] = []
    job = api.wait("backup", accepted(api.start_backup(), "backup")["id"], seen=seen)
    assert job["state"] == "succeeded" and job["progress"] == 100, job
    assert job_row(jobsite, job["id"])["worker"] == worker.name
    writing = [j["rows_done"] for j in seen if j["state"] == "running" and j["phase"] == "writing"]
    assert any(writing), f"no progress seen while writing: {seen[:3]}...{seen[-3:]}"
    assert writing == sorted(writing), writing
    assert job["rows"] == job["rows_done"] > 0 and job["size"] > 0 and len(job["sha256"]) == 64

    link = api.link(job["id"])
    assert link.status_code == 200, link.text
    url = link.json()["url"]
    assert link.json()["expires_at"] and url.startswith("http")
    size, half = job["size"], job["size"] // 2
    with httpx.Client(timeout=60) as anonymous:  # no Authorization: the link is the credential
        first = anonymous.get(url, headers={"Range": f"bytes=0-{half - 1}"})
        second = anonymous.get(url, headers={"Range": f"bytes={half}-"})
    for part, (start, end) in ((first, (0, half - 1)), (second, (half, size - 1))):
        assert part.status_code == 206, part.text
        assert part.headers["Content-Range"] == f"bytes {start}-{end}/{size}"
        assert part.headers["Content-Length"] == str(end - start + 1)
        assert part.headers["Accept-Ranges"] == "bytes"
        assert part.headers["ETag"] == f'"{job["sha256"]}"'
        assert f'filename="{job["filename"]}"' in part.headers["Content-Disposition"]
    data = first.content + second.content
    assert data == archive_path(jobsite, job).read_bytes()
    assert hashlib.sha256(data).hexdigest() == job["sha256"]
    downloaded = tmp_path / job["filename"]
    downloaded.write_bytes(data)
    check = verify_file(jobsite.env, downloaded)
    assert check.returncode == 0, check.stdout + check.stderr
    report(f"[{jobsite.db.vendor}] backup job of {job['rows']:,} rows: {len(set(writing))} progress values seen, "
           f"downloaded in two Range halves, verify_backup OK")  # fmt: skip


def _restore_progress(seen: list[dict]) -> list[int]:
    return [j["rows_done"] for j in seen if j["state"] == "running" and j["phase"] == "restoring" and j["rows_done"]]


def test_restore_jobs_from_upload_and_from_archive(jobsite, workers, api, tmp_path, report):
    workers(1)
    backup = backup_of(jobsite, api)
    upload = tmp_path / backup["filename"]
    upload.write_bytes(archive_path(jobsite, backup).read_bytes())

    seen: list[dict] = []
    from_upload = api.wait("restore", accepted(api.restore_upload(upload, replace=True), "restore")["id"], seen=seen)
    assert from_upload["state"] == "succeeded", from_upload
    assert from_upload["source"] is None and from_upload["replace"] is True
    assert from_upload["rows_total"] == backup["rows"]
    grows = _restore_progress(seen)
    assert len(set(grows)) >= 2 and grows == sorted(grows), f"progress did not grow: {grows}"
    assert uploads_left(jobsite) == [], "the upload kept for the job outlived it"

    # The same file through the synchronous endpoint: the job's summary is exactly its answer.
    with client(jobsite.server.url) as http:
        direct = post_restore(http, access_token(jobsite.server.url, "jbig_owner"), upload, replace=True)
    assert direct.status_code == 200, direct.text
    assert from_upload["summary"] == direct.json()

    seen = []
    restore = accepted(api.restore_archive(backup["id"], replace=True), "restore")
    from_archive = api.wait("restore", restore["id"], seen=seen)
    assert from_archive["state"] == "succeeded" and from_archive["source"] == backup["id"], from_archive
    assert from_archive["summary"] == direct.json()
    report(f"[{jobsite.db.vendor}] restore jobs (upload, archive) of {backup['rows']:,} rows: progress "
           f"{grows[0]:,} -> {grows[-1]:,} in {len(set(grows))} steps; summaries == POST /api/restore/'s")  # fmt: skip


def test_cancel_running_restore(jobsite, workers, api, report):
    (worker,) = workers(1)
    backup = backup_of(jobsite, api)
    before = shop_checksums(jobsite)
    restore = accepted(api.restore_archive(backup["id"], replace=True), "restore")
    caught = freeze_mid_job(jobsite, api, worker, "restore", restore["id"], mid_restore)
    assert shop_being_rewritten(jobsite)
    # The restore's transaction is open (on SQLite it holds the only write lock): its progress
    # and the shop's lists are still readable, and a cancel is still written.
    polled = api.http.get(f"/api/restores/{restore['id']}/")
    assert polled.status_code == 200 and polled.json()["rows_done"] == caught["rows_done"] > 0, polled.text
    for listing in ("/api/backups/", "/api/restores/"):
        listed = api.http.get(listing)
        assert listed.status_code == 200, listed.text
        assert listed.json()["count"] >= 1

    cancel = api.cancel(restore["id"])
    assert cancel.status_code == 202, cancel.text
    assert cancel.json()["state"] == "cancel_requested"
    worker.thaw()
    job = api.wait("restore", restore["id"])
    assert job["state"] == "cancelled" and job["error"]["code"] == "cancelled", job
    assert job["summary"] is None
    assert shop_checksums(jobsite) == before, "a cancelled restore changed the shop"
    wait_until(lambda: restore_lock_free(jobsite, "jbig"), timeout=30, what="the restore lock to be free")
    assert_error(api.cancel(restore["id"]), 409, "job_finished")
    report(f"[{jobsite.db.vendor}] restore cancelled at {caught['rows_done']:,}/{caught['rows_total']:,} rows: "
           f"rolled back, {len(before)} tables unchanged")  # fmt: skip


# -- part 5: faults ------------------------------------------------------------------------------


def test_worker_killed_mid_backup(jobsite, workers, api, report):
    (worker,) = workers(1)
    kept_before = kept_archives(jobsite, "jbig")
    backup = accepted(api.start_backup(), "backup")
    caught = freeze_mid_job(jobsite, api, worker, "backup", backup["id"], mid_backup)
    worker.kill()

    # What the killed worker left: a running job and a half-written file, until the sweep.
    row = job_row(jobsite, backup["id"])
    assert row["state"] == "running" and row["worker"] == worker.name, row
    partial = jobsite.backups_root / row["file"]
    partial_bytes = partial.stat().st_size
    assert partial_bytes > 0

    job = api.job("backup", backup["id"])  # reading it through the API runs the stale-job sweep
    assert job["state"] == "failed" and job["error"]["code"] == "worker_lost", job
    assert job["finished_at"] and job["progress"] != 100
    assert not partial.exists(), "the partial archive was left behind"
    assert stored_files(jobsite, "jbig") == kept_archives(jobsite, "jbig") == kept_before
    listed = api.http.get("/api/backups/").json()["results"]
    assert [j["state"] for j in listed if j["id"] == backup["id"]] == ["failed"]
    report(f"[{jobsite.db.vendor}] worker SIGKILLed mid-backup ({caught['rows_done']:,} rows, "
           f"{partial_bytes:,} bytes written): job failed worker_lost, partial archive removed")  # fmt: skip


def test_worker_killed_mid_restore(jobsite, workers, api, report):
    (first,) = workers(1)
    backup = backup_of(jobsite, api)
    before = shop_checksums(jobsite)
    restore = accepted(api.restore_archive(backup["id"], replace=True), "restore")
    caught = freeze_mid_job(jobsite, api, first, "restore", restore["id"], mid_restore)
    assert shop_being_rewritten(jobsite)
    first.kill()

    # The lock dies with its holder (PostgreSQL: once the server rolled the backend back).
    wait_until(lambda: restore_lock_free(jobsite, "jbig"), timeout=60, what="the restore lock to be free")
    assert shop_checksums(jobsite) == before, "a killed restore left changes behind"
    assert job_row(jobsite, restore["id"])["state"] == "running"  # nobody has looked at it yet

    # The next restore is accepted at once (starting it finds the lost job), and works.
    again = accepted(api.restore_upload(archive_path(jobsite, backup), replace=True), "restore")
    lost = api.job("restore", restore["id"])
    assert lost["state"] == "failed" and lost["error"]["code"] == "worker_lost", lost
    assert lost["summary"] is None
    workers(1)
    done = api.wait("restore", again["id"])
    assert done["state"] == "succeeded" and done["summary"]["rows"] == backup["rows"], done
    assert uploads_left(jobsite) == []
    report(f"[{jobsite.db.vendor}] worker SIGKILLed mid-restore ({caught['rows_done']:,}/{caught['rows_total']:,} "
           f"rows): rolled back ({len(before)} tables unchanged), lock free, job failed worker_lost, "
           f"next restore OK")  # fmt: skip


def test_worker_restart_picks_up_queued_jobs(jobsite, workers, api):
    (old,) = workers(1)
    old.stop()
    assert not old.alive
    other = JobsAPI(jobsite.server.url, jobsite.tenants["j2"].owner)
    try:
        queued = [accepted(api.start_backup(), "backup"), accepted(other.start_backup(), "backup")]
        assert [job["state"] for job in queued] == ["queued", "queued"]
        (new,) = workers(1)
        done = [api.wait("backup", queued[0]["id"]), other.wait("backup", queued[1]["id"])]
    finally:
        other.close()
    assert [job["state"] for job in done] == ["succeeded", "succeeded"], done
    assert {job_row(jobsite, job["id"])["worker"] for job in done} == {new.name}


def test_two_restores_of_one_shop(jobsite, workers, api, report):
    (worker,) = workers(1)
    backup = backup_of(jobsite, api)
    path = archive_path(jobsite, backup)
    worker.stop()

    # Queued and not even started: a second restore is refused, its upload not kept.
    first = accepted(api.restore_archive(backup["id"], replace=True), "restore")
    assert_error(api.restore_upload(path, replace=True), 409, "restore_in_progress")
    assert_error(api.restore_archive(backup["id"], replace=False), 409, "restore_in_progress")
    assert uploads_left(jobsite) == []

    # Running, caught in the middle of writing rows: refused again.
    (worker,) = workers(1)
    freeze_mid_job(jobsite, api, worker, "restore", first["id"], mid_restore)
    assert_error(api.restore_upload(path, replace=True), 409, "restore_in_progress")
    worker.thaw()
    first = api.wait("restore", first["id"])
    assert first["state"] == "succeeded", first

    # Once it has ended, the next one runs, after it: never interleaved.
    second = api.wait("restore", accepted(api.restore_archive(backup["id"], replace=True), "restore")["id"])
    assert second["state"] == "succeeded", second
    assert second["started_at"] >= first["finished_at"]
    restores = job_rows(
        jobsite, "tenant_id = %s AND kind = 'restore' AND id >= %s", [tenant_pk(jobsite, "jbig"), first["id"]]
    )
    assert [r["id"] for r in restores] == [first["id"], second["id"]], "a refused restore left a job behind"
    assert uploads_left(jobsite) == []
    report(f"[{jobsite.db.vendor}] second restore of a shop refused 409 restore_in_progress while the first was "
           f"queued and while it was running; the next one ran after it")  # fmt: skip


# -- part 1: scale-out ---------------------------------------------------------------------------

SCALE_SHOPS = ("jbig", "j2", "j3", "j4")


def test_scale_out_three_workers_four_shops(jobsite, workers, report):
    if not jobsite.db.is_postgres:
        pytest.skip("workers on several machines share the queue on PostgreSQL only (SQLite serves one machine)")
    pool = workers(3)
    apis = {slug: JobsAPI(jobsite.server.url, jobsite.tenants[slug].owner) for slug in SCALE_SHOPS}
    try:
        with jobsite.db.connect() as holder:
            # Every export blocks on this table until the test lets go: the jobs that are
            # running at the same time wait side by side, whatever the speed of the machine.
            holder.execute("BEGIN")
            holder.execute(f'LOCK TABLE "{BLOCKING_TABLE}" IN ACCESS EXCLUSIVE MODE')
            jobs = {slug: accepted(api.start_backup(), "backup") for slug, api in apis.items()}
            ids = [job["id"] for job in jobs.values()]

            def three_blocked() -> list[dict] | None:
                running = [r for r in job_rows(jobsite, "id IN (%s, %s, %s, %s)", ids) if r["state"] == "running"]
                waiting = jobsite.db.value(
                    "SELECT count(*) FROM pg_locks WHERE relation = %s::regclass AND NOT granted", [BLOCKING_TABLE]
                )
                return running if len(running) == 3 and waiting == 3 else None

            running = wait_until(three_blocked, timeout=60, what="three backups running at once")
            assert {r["worker"] for r in running} == {w.name for w in pool}
            assert [r["state"] for r in job_rows(jobsite, "id IN (%s, %s, %s, %s)", ids)].count("queued") == 1
            holder.execute("COMMIT")
        done = {slug: apis[slug].wait("backup", job["id"]) for slug, job in jobs.items()}
    finally:
        for api in apis.values():
            api.close()

    assert {slug: job["state"] for slug, job in done.items()} == dict.fromkeys(SCALE_SHOPS, "succeeded")
    rows = job_rows(jobsite, "id IN (%s, %s, %s, %s)", ids)
    assert all(r["worker"] in {w.name for w in pool} and r["started_at"] for r in rows), rows
    # Every job ran exactly once: one task result each, claimed by one worker, which ran it to the end.
    tasks = jobsite.db.rows(
        "SELECT id, status, worker_ids, return_value FROM django_tasks_database_dbtaskresult "
        "WHERE id::text IN (%s, %s, %s, %s)", [r["task_id"] for r in rows]
    )  # fmt: skip
    assert len(tasks) == 4, tasks
    for _, status, worker_ids, value in tasks:
        assert status == "SUCCESSFUL" and len(worker_ids) == 1 and value == "succeeded", (status, worker_ids, value)
    # ...and stored exactly one archive.
    for slug in SCALE_SHOPS:
        assert stored_files(jobsite, slug) == kept_archives(jobsite, slug)
    report(f"[postgresql] scale-out: 3 db_worker processes, backups of 4 shops: 3 ran at once (on 3 workers), "
           f"each job ran exactly once")  # fmt: skip
