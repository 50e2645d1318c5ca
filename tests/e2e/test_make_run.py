"""``make run``, the README's first command: it serves the API and runs a job worker and the
backup scheduler on the embedded SQLite default, with the demo shop; Ctrl-C stops every process
it started."""

from __future__ import annotations

import os
import signal
import subprocess

import httpx
import psutil
import pytest

from .support import HOST, ROOT, free_port, wait_until

pytestmark = [pytest.mark.e2e, pytest.mark.slow]


def test_make_run_serves_the_api_runs_a_worker_and_stops_both(tmp_path):
    port = free_port()
    env = {
        **os.environ,
        "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}",  # the embedded default, in a folder of its own
        "MEDIA_ROOT": str(tmp_path / "media"),
        "BACKUPS_ROOT": str(tmp_path / "backups"),
        "PYTHONUNBUFFERED": "1",
    }
    env.pop("JOBS_DATABASE_URL", None)
    log = (tmp_path / "make-run.log").open("wb")
    make = subprocess.Popen(
        ["make", "--no-print-directory", "run", f"PORT={port}", "DEMO_ROWS=300"],
        cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
        preexec_fn=_as_in_a_terminal,
    )  # fmt: skip
    base = f"http://{HOST}:{port}"
    try:
        wait_until(lambda: _answers(f"{base}/api/schema/"), timeout=240, interval=0.5, what="make run's server")
        assert f"Serving on http://{HOST}:{port}/" in (tmp_path / "make-run.log").read_text()
        with httpx.Client(base_url=base, timeout=30) as client:
            token = client.post("/api/auth/token/", data={"username": "demo_owner", "password": "demo1234"})
            assert token.status_code == 200, token.text
            client.headers["Authorization"] = f"Bearer {token.json()['access']}"
            started = client.post("/api/backups/")
            assert started.status_code == 202, started.text
            job_url = started.headers["Location"]

            def finished():
                job = client.get(job_url).json()
                return job if job["state"] in ("succeeded", "failed", "cancelled") else None

            job = wait_until(finished, timeout=120, interval=0.2, what="the backup job run by make run's worker")
        assert job["state"] == "succeeded", job
        assert job["rows"] > 0 and list((tmp_path / "backups").rglob("*.ndjson.zst"))
        processes = _session(make.pid)
        assert {"runserver", "db_worker", "backup_schedules"} <= {_role(p) for p in processes}
    finally:
        os.killpg(make.pid, signal.SIGINT)  # what Ctrl-C sends to the terminal's foreground group
        make.wait(timeout=60)
        log.close()
    wait_until(lambda: not _session(make.pid), timeout=60, what="every process of make run to stop")


def _as_in_a_terminal() -> None:
    """Ctrl-C's disposition as a terminal gives it, even if this run was started in the
    background of a non-interactive shell (which starts its children with SIGINT ignored)."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def _answers(url: str) -> bool:
    try:
        return httpx.get(url, timeout=5).status_code == 200
    except httpx.TransportError:
        return False


def _session(sid: int) -> list[psutil.Process]:
    found = []
    for process in psutil.process_iter():
        try:
            if os.getsid(process.pid) == sid and process.status() != psutil.STATUS_ZOMBIE:
                found.append(process)
        except (psutil.Error, ProcessLookupError, PermissionError):
            continue
    return found


def _role(process: psutil.Process) -> str:
    try:
        command = process.cmdline()
    except psutil.Error:
        return ""
    return next((word for word in ("runserver", "db_worker", "backup_schedules") if word in command), "")
