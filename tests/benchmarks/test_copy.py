"""PostgreSQL's own limits, ``COPY TO`` + zstd and ``COPY FROM``, measured next to ours on the same data.

Runs when ``DATABASE_URL`` names PostgreSQL (the suite's throw-away databases go on that server).
"""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from benchmarks.databases import PostgresDatabase, admin_url_from
from benchmarks.files import backup_content
from benchmarks.scenarios import COPY_SCHEMA

pytestmark = pytest.mark.slow  # a small benchmark run, in subprocesses

REPO = Path(__file__).resolve().parents[2]
URL = os.environ.get("DATABASE_URL", "")
STEPS = "export_cli,restore_replace,copy_to,copy_from"
ROWS = 3000


@pytest.fixture(scope="module")
def copy_run(tmp_path_factory) -> tuple[Path, PostgresDatabase]:
    """The run keeps its files and databases (to look inside); they are dropped afterwards."""
    if not URL.startswith(("postgres://", "postgresql://")):
        pytest.skip("COPY is PostgreSQL's: set DATABASE_URL to a PostgreSQL database")
    out = tmp_path_factory.mktemp("bench-copy")
    argv = [
        sys.executable, "-m", "benchmarks", "run", "--db", "postgres", "--pg-url", URL, "--rows", str(ROWS),
        "--repeat", "2", "--steps", STEPS, "--keep-files", "--out", str(out),
    ]
    proc = subprocess.Popen(argv, cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    kept = [PostgresDatabase(admin_url_from(URL), f"bench_{name}_p{proc.pid}") for name in ("template", ROWS, f"{ROWS}_load")]
    try:
        _, stderr = proc.communicate(timeout=600)
        assert proc.returncode == 0, stderr[-3000:]
        yield out, kept[1]
    finally:
        for db in kept:
            db.drop()


def _run(out: Path) -> dict:
    (run,) = json.loads((out / "results.json").read_text())["runs"]
    return run


def test_copy_moves_the_rows_the_export_writes(copy_run):
    out, _ = copy_run
    run = _run(out)
    assert run["errors"] == [] and list(run["measurements"]) == ["export_cli", "copy_to", "restore_replace", "copy_from"]
    backup = backup_content(out / "work" / f"postgres-{ROWS}" / "bench.ndjson.zst")
    for step in ("copy_to", "copy_from"):
        for rep in run["measurements"][step]:
            assert rep["ok"] and rep["wall_s"] > 0 and rep["peak_rss_bytes"] > 0 and rep["file_bytes"] > 0
            # the export's rows, and the audit entries of the steps measured after it (in registry order)
            assert backup.rows < rep["rows"] <= backup.rows + 4
    for rep in run["measurements"]["copy_from"]:  # loads the first copy_to's files
        assert rep["inserted_rows"] == rep["rows"] == run["measurements"]["copy_to"][0]["rows"]


def test_copy_from_leaves_no_scratch_tables(copy_run):
    _, db = copy_run
    assert db.table_rows(("operaciones_inventario_",)), "--keep-files keeps the run's database"
    assert db.table_rows(("",), schema=COPY_SCHEMA) == {}


def test_report_puts_ours_against_copy(copy_run):
    out, _ = copy_run
    report = (out / "report.md").read_text()
    assert "`COPY (SELECT …) TO STDOUT` + zstd 3" in report and "export ÷ `COPY TO` / restore ÷ `COPY FROM`" in report
    assert "| export ÷ COPY TO | restore ÷ COPY FROM |" in report
    assert "Against PostgreSQL's own limit: export" in report
