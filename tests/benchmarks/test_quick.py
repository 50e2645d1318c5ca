"""The quick benchmark run (what CI runs) produces every output in the expected shape.

Only the shape is checked, never a speed: the figures depend on the machine and its load.
It runs the suite as a subprocess against its own SQLite files, so it needs no test database.
"""

import json
import struct
import subprocess
import sys
from pathlib import Path

import pytest

from benchmarks.charts import CHARTS
from benchmarks.steps import COPY_FROM, COPY_TO, on

pytestmark = pytest.mark.slow  # a whole benchmark run, in subprocesses

REPO = Path(__file__).resolve().parents[2]
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


@pytest.fixture(scope="module")
def quick_run(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("bench")
    done = subprocess.run(
        [sys.executable, "-m", "benchmarks", "run", "--quick", "--db", "sqlite", "--out", str(out)],
        cwd=REPO, capture_output=True, text=True, timeout=300,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    return out


def test_results_json_describes_machine_and_every_step(quick_run):
    data = json.loads((quick_run / "results.json").read_text())
    assert data["format"] == "taller-backup-benchmarks" and data["status"] == "complete"
    assert {"cpu_model", "logical_cores", "ram_bytes", "python", "django", "sqlite", "git"} <= data["machine"].keys()
    assert [(r["db"], r["rows"]) for r in data["runs"]] == [("sqlite", 2000), ("sqlite", 5000)]
    for run in data["runs"]:
        assert run["errors"] == [] and run["status"] == "complete"
        assert {"exported_rows", "bitacora_share", "dumped_rows"} <= run["dataset"].keys()
        assert list(run["measurements"]) == [step.name for step in on("sqlite")]
        assert run["skipped"] == {}  # COPY is PostgreSQL's: left out of a SQLite run, not skipped
        for step in on("sqlite"):
            (rep,) = run["measurements"][step.name]
            assert rep["ok"] and rep["wall_s"] > 0 and rep["peak_rss_bytes"] > 0
            assert set(rep) == {"rep", "at", "ok", *step.metrics}, f"{step.name} reports other figures than it declares"
            assert set(run["summary"][step.name]["wall_s"]) == {"median", "min", "max", "n"}


def test_restore_counts_inserted_rows_and_skips_the_audit_log(quick_run):
    run = json.loads((quick_run / "results.json").read_text())["runs"][-1]
    restore = run["measurements"]["restore_replace"][0]
    assert restore["rows"] == run["dataset"]["exported_rows"]
    assert restore["skipped_rows"] >= run["dataset"]["bitacora_rows"] > 0
    assert 0 < restore["inserted_rows"] < restore["rows"]
    export = run["measurements"]["export_cli"][0]
    assert export["uncompressed_bytes"] > export["file_bytes"] > 0


def test_report_has_a_table_per_section(quick_run):
    report = (quick_run / "report.md").read_text()
    for heading in (
        "## Headline", "## SQLite", "### Export", "### Restore", "### Baselines", "### Ours vs baselines", "## Where we stand",
    ):
        assert heading in report
    assert "COPY" not in report and COPY_TO.name not in report and COPY_FROM.name not in report
    assert "| 2,000 |" in report and "| 5,000 |" in report
    for chart in CHARTS:
        assert f"]({chart})" in report


@pytest.mark.parametrize("name", list(CHARTS))
def test_charts_are_valid_pngs(quick_run, name):
    data = (quick_run / name).read_bytes()
    assert data[:8] == PNG_MAGIC and data[12:16] == b"IHDR"
    width, height = struct.unpack(">II", data[16:24])
    assert width > 100 and height > 100


def test_plan_reads_the_run(quick_run):
    done = subprocess.run(
        [sys.executable, "-m", "benchmarks", "plan", "--rows", "1000000", "--results", str(quick_run / "results.json")],
        cwd=REPO, capture_output=True, text=True, timeout=60,
    )
    assert done.returncode == 0, done.stderr
    assert "export time" in done.stdout and "WARNING" in done.stdout  # 1M is 200x the largest quick size
