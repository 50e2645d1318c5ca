"""The planner's fit on synthetic results whose true cost lines are known, and on the committed run."""

import json
import subprocess
import sys
from pathlib import Path

import pytest

from benchmarks.fit import linear_fit
from benchmarks.measurements import Results, SizeResult, load, newest
from benchmarks.plan import predict

REPO = Path(__file__).resolve().parents[2]
COMMITTED = REPO / "benchmarks" / "results"

SHARE = 0.7
MB = 1_000_000


def export_s(rows):
    return 0.5 + 2e-5 * rows


def verify_s(rows):
    return 0.4 + 5e-6 * rows


def restore_s(rows, inserted):
    return 0.6 + 2 * 5e-6 * rows + 1e-4 * inserted


def _run(rows: int, jitter: tuple[float, ...] = (0.0,)) -> SizeResult:
    audit = round(rows * SHARE)
    inserted = rows - audit
    measurements = {
        "export_cli": [
            {"ok": True, "rows": rows, "wall_s": export_s(rows) + j, "peak_rss_bytes": 80 * MB, "file_bytes": 25 * rows,
             "uncompressed_bytes": 120 * rows}
            for j in jitter
        ],
        "verify": [{"ok": True, "rows": rows, "wall_s": verify_s(rows) + j} for j in jitter],
        "restore_replace": [
            {"ok": True, "rows": rows, "inserted_rows": inserted, "wall_s": restore_s(rows, inserted) + j,
             "peak_rss_bytes": 80 * MB + 100 * inserted}
            for j in jitter
        ],
    }
    return SizeResult.from_json({
        "db": "sqlite",
        "rows": rows,
        "dataset": {"exported_rows": rows, "bitacora_rows": audit, "bitacora_share": audit / rows},
        "measurements": measurements,
    })


def _estimates(rows: int, share=None, runs=None) -> dict:
    data = Results(runs=runs or [_run(10_000), _run(100_000)])
    (prediction,) = predict(data, rows, share)
    return {e.what: e for e in prediction.estimates}, prediction


def test_linear_fit_recovers_a_line():
    line = linear_fit([(x, 3 + 0.5 * x) for x in (1, 2, 10)])
    assert line.fixed == pytest.approx(3) and line.per_row == pytest.approx(0.5)


def test_export_time_size_and_memory_follow_the_fitted_lines():
    estimates, _ = _estimates(1_000_000)
    assert estimates["export time (backup_tenant)"].value == pytest.approx(export_s(1_000_000))
    assert estimates["backup file size (.ndjson.zst)"].value == pytest.approx(25 * 1_000_000)
    assert estimates["export peak RSS (backup_tenant)"].value == pytest.approx(80 * MB)


def test_restore_time_is_split_into_reading_all_rows_and_inserting_non_audit_rows():
    rows = 1_000_000
    at_measured_mix, _ = _estimates(rows)
    assert at_measured_mix["restore --replace time"].value == pytest.approx(restore_s(rows, rows * (1 - SHARE)))
    audit_heavy, prediction = _estimates(rows, share=0.95)
    assert audit_heavy["restore --replace time"].value == pytest.approx(restore_s(rows, rows * 0.05))
    assert audit_heavy["rows inserted by restore"].value == pytest.approx(rows * 0.05)
    assert any("differs from the measured" in w for w in prediction.warnings)


def test_range_brackets_the_prediction_when_repetitions_vary():
    runs = [_run(10_000, (0.0, 0.3)), _run(100_000, (0.0, 0.1, 0.5))]
    estimates, _ = _estimates(1_000_000, runs=runs)
    export = estimates["export time (backup_tenant)"]
    assert export.low <= export.value <= export.high
    assert export.high > export.low


def test_far_extrapolation_is_flagged():
    _, near = _estimates(500_000)
    _, far = _estimates(30_000_000)
    assert not any("far beyond" in w for w in near.warnings)
    assert any("300x the largest measured size" in w for w in far.warnings)


def test_memory_extends_the_growth_between_the_two_largest_sizes():
    """Peaks that saturate (buffers, caches) must not be extrapolated along a line through all sizes."""
    runs = [_run(rows) for rows in (10_000, 100_000, 1_000_000)]
    for run, peak in zip(runs, (60 * MB, 90 * MB, 91 * MB)):
        for m in run.measurements["export_cli"]:
            m.figures["peak_rss_bytes"] = peak
    runs = [SizeResult.from_json(run.to_json()) for run in runs]  # the summary follows the measurements
    memory = _estimates(10_000_000, runs=runs)[0]["export peak RSS (backup_tenant)"]
    assert memory.value == pytest.approx(91 * MB + 9_000_000 * (1 * MB / 900_000))
    assert memory.low == pytest.approx(91 * MB)
    assert memory.high > memory.value


def test_linear_fit_through_one_size_goes_through_the_origin():
    line = linear_fit([(100, 3.0), (100, 5.0)])
    assert line.fixed == 0 and line.per_row == pytest.approx(0.04)
    assert linear_fit([(None, 1.0)]) is None


def test_committed_results_load_and_save_unchanged():
    path = newest(COMMITTED)
    assert path is not None
    assert load(path).to_json() == json.loads(path.read_text())


def test_plan_predicts_from_the_committed_results():
    done = subprocess.run(
        [sys.executable, "-m", "benchmarks", "plan", "--rows", "30000000"], cwd=REPO, capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0, done.stderr
    for engine in load(newest(COMMITTED)).engines():
        assert f"{engine}: tenant of 30,000,000 rows" in done.stdout
    assert "restore --replace time" in done.stdout and "far beyond the measurements" in done.stdout
