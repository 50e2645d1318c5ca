"""The job steps: a real ``db_worker`` runs the jobs, and every figure they report is consistent.

A small run of ``job_backup`` and ``job_restore`` (two repetitions: each path goes first once)
on SQLite, and on PostgreSQL when ``DATABASE_URL`` names it. Only the shape and the arithmetic
are checked, never a speed. The run keeps its files and databases, to look at what the worker
left: the job rows, the stored archives; they are dropped afterwards.
"""

import json
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from benchmarks.databases import PostgresDatabase, SqliteDatabase, admin_url_from
from benchmarks.files import backup_content
from benchmarks.steps import JOB_BACKUP, JOB_RESTORE

pytestmark = pytest.mark.slow  # a small benchmark run, in subprocesses

REPO = Path(__file__).resolve().parents[2]
URL = os.environ.get("DATABASE_URL", "")
ROWS = 2000
REPEAT = 2
ENGINES = ["sqlite", pytest.param("postgres", marks=pytest.mark.skipif(
    not URL.startswith(("postgres://", "postgresql://")), reason="set DATABASE_URL to a PostgreSQL database"))]


@pytest.fixture(scope="module", params=ENGINES)
def jobs_run(request, tmp_path_factory):
    engine = request.param
    out = tmp_path_factory.mktemp(f"bench-jobs-{engine}")
    argv = [
        sys.executable, "-m", "benchmarks", "run", "--db", engine, "--rows", str(ROWS), "--repeat", str(REPEAT),
        "--steps", f"{JOB_BACKUP.name},{JOB_RESTORE.name}", "--keep-files", "--out", str(out),
        *(["--pg-url", URL] if engine == "postgres" else []),
    ]
    proc = subprocess.Popen(argv, cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    if engine == "postgres":
        kept = [PostgresDatabase(admin_url_from(URL), f"bench_{name}_p{proc.pid}") for name in ("template", ROWS, f"{ROWS}_load")]
    else:
        kept = [SqliteDatabase(out / "work" / f"{name}.sqlite3") for name in ("template", ROWS, f"{ROWS}_load")]
    try:
        _, stderr = proc.communicate(timeout=600)
        assert proc.returncode == 0, stderr[-3000:]
        (run,) = json.loads((out / "results.json").read_text())["runs"]
        yield engine, out, run, kept[1]
    finally:
        for db in kept:
            db.drop()


def test_both_steps_report_every_declared_figure(jobs_run):
    _, _, run, _ = jobs_run
    assert run["errors"] == [] and list(run["measurements"]) == [JOB_BACKUP.name, JOB_RESTORE.name]
    for step in (JOB_BACKUP, JOB_RESTORE):
        reps = run["measurements"][step.name]
        assert [rep["job_first"] for rep in reps] == [0, 1]  # each path goes first once
        for rep in reps:
            assert rep["ok"] and set(rep) == {"rep", "at", "ok", *step.metrics}


@pytest.mark.parametrize("step,check", [(JOB_BACKUP, "verify_s"), (JOB_RESTORE, "sha256_s")])
def test_the_figures_add_up(jobs_run, step, check):
    _, _, run, _ = jobs_run
    for rep in run["measurements"][step.name]:
        assert rep["direct_s"] > 0 and rep[check] >= 0 and rep["enqueue_s"] > 0
        # enqueued -> claimed by the worker -> first progress -> finished, from the job row
        assert 0 < rep["pickup_s"] <= rep["first_progress_s"] <= rep["wall_s"]
        assert rep["machinery_s"] == pytest.approx(rep["wall_s"] - rep["direct_s"] - rep[check])
        assert rep["overhead_pct"] == pytest.approx(100 * rep["machinery_s"] / rep["direct_s"])
        assert rep["overhead_in_worker_pct"] == pytest.approx(100 * (rep["machinery_s"] - rep["pickup_s"]) / rep["direct_s"])
        assert rep["overhead_with_checks_pct"] == pytest.approx(100 * (rep["wall_s"] - rep["direct_s"]) / rep["direct_s"])
        # the worker: a Django process, idle and then one job; its exact peak covers every sample
        assert 20e6 < rep["worker_rss_before_bytes"] <= rep["worker_sampled_peak_rss_bytes"] <= rep["peak_rss_bytes"] * 1.01
        assert rep["worker_cpu_s"] > rep["job_cpu_s"] > 0 and rep["direct_cpu_s"] > 0 and rep["check_cpu_s"] >= 0
        assert rep["machinery_cpu_s"] == pytest.approx(rep["job_cpu_s"] - rep["direct_cpu_s"] - rep["check_cpu_s"])
        assert rep["overhead_cpu_pct"] == pytest.approx(100 * rep["machinery_cpu_s"] / rep["direct_cpu_s"])


def test_backup_job_and_direct_export_write_the_same_rows(jobs_run):
    _, out, run, _ = jobs_run
    archives = sorted((out / "work" / f"{jobs_run[0]}-{ROWS}" / "media-backups").rglob("*.ndjson.zst"))
    assert len(archives) == REPEAT  # one stored archive per backup job; the direct files were removed
    for rep in run["measurements"][JOB_BACKUP.name]:
        assert rep["rows"] > ROWS * 0.9 and rep["file_bytes"] > 0 and rep["direct_file_bytes"] > 0
        assert rep["prepare_s"] >= 0 and (rep["write_s"] is None or rep["write_s"] > 0)
    sizes = sorted(path.stat().st_size for path in archives)
    assert sizes == sorted(rep["file_bytes"] for rep in run["measurements"][JOB_BACKUP.name])
    rows = {backup_content(path).rows for path in archives}
    assert rows == {rep["rows"] for rep in run["measurements"][JOB_BACKUP.name]}


def test_restore_job_restores_what_the_direct_restore_does(jobs_run):
    _, _, run, _ = jobs_run
    newest_backup = run["measurements"][JOB_BACKUP.name][-1]
    for rep in run["measurements"][JOB_RESTORE.name]:
        assert rep["rows"] == newest_backup["rows"] and rep["file_bytes"] == newest_backup["file_bytes"]
        assert 0 < rep["inserted_rows"] < rep["rows"]  # audit rows are checked, never inserted


def test_the_worker_ran_every_job(jobs_run):
    engine, _, _, db = jobs_run
    query = "SELECT kind, state, origin, worker FROM backup_jobs_backupjob ORDER BY id"
    if engine == "sqlite":
        with sqlite3.connect(db.jobs_path) as conn:
            jobs = conn.execute(query).fetchall()
    else:
        import psycopg

        with psycopg.connect(db.url.replace("postgres://", "postgresql://", 1)) as conn:
            jobs = conn.execute(query).fetchall()
    assert [(kind, state, origin) for kind, state, origin, _ in jobs] == (
        [("backup", "succeeded", "command")] * REPEAT + [("restore", "succeeded", "command")] * REPEAT
    )
    assert len({worker for *_, worker in jobs}) == 2 * REPEAT  # a worker process of its own per repetition


def test_report_has_the_jobs_tables(jobs_run):
    _, out, _, _ = jobs_run
    report = (out / "report.md").read_text()
    assert "### Jobs (backup and restore as jobs, against the direct path)" in report
    assert "| rows | direct export s | backup job s | verify s |" in report
    assert "| rows | direct restore s | restore job s | sha256 s |" in report
    assert f"| {ROWS:,} |" in report
