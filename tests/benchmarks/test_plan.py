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
    flat_but_id_maps = 80 * MB + 8 * (1_000_000 - 100_000) * (1 - SHARE)
    assert estimates["export peak RSS (backup_tenant)"].value == pytest.approx(flat_but_id_maps)


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


def _with_peaks(runs: list[SizeResult], step: str, peaks: list[float]) -> list[SizeResult]:
    for run, peak in zip(runs, peaks):
        for m in run.measurements[step]:
            m.figures["peak_rss_bytes"] = peak
    return [SizeResult.from_json(run.to_json()) for run in runs]  # the summary follows the measurements


def test_memory_is_baseline_plus_warm_caches_plus_id_maps():
    """Caches that warm up between the small runs must not be extrapolated as growth; id maps are."""
    sizes = (10_000, 100_000)
    inserted = [rows - round(rows * SHARE) for rows in sizes]
    caches = (0, 10 * MB)
    runs = _with_peaks([_run(rows) for rows in sizes], "export_cli", [60 * MB + c + 8 * i for c, i in zip(caches, inserted)])
    runs = _with_peaks(runs, "restore_replace", [60 * MB + c + 16 * i for c, i in zip(caches, inserted)])
    estimates = _estimates(10_000_000, runs=runs)[0]
    referenced = 10_000_000 * (1 - SHARE)
    export, restore = estimates["export peak RSS (backup_tenant)"], estimates["restore --replace peak RSS"]
    assert export.value == pytest.approx(70 * MB + 8 * referenced, rel=1e-6)
    assert restore.value == pytest.approx(70 * MB + 16 * referenced, rel=1e-6)
    assert restore.low == restore.value and restore.high == pytest.approx(restore.value + 10 * MB, rel=1e-6)
    between = _estimates(55_000, runs=runs)[0]["export peak RSS (backup_tenant)"]
    assert between.value == pytest.approx(65 * MB + 8 * 55_000 * (1 - SHARE), rel=1e-3)


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
    for engine in load(newest(COMMITTED, having="export_cli")).engines():
        assert f"{engine}: tenant of 30,000,000 rows" in done.stdout
    assert "restore --replace time" in done.stdout and "far beyond the measurements" in done.stdout


FULL_RUN = COMMITTED / "20261127T1353-full" / "results.json"
# estimate -> (step, figure, lowest and highest error allowed) when the 1M-row runs are predicted
# from the 10k and 100k runs of the committed full run
HIDDEN_CHECK = {
    "export time (backup_tenant)": ("export_cli", "wall_s", -0.11, 0.10),
    "restore --replace time": ("restore_replace", "wall_s", -0.11, 0.10),
    "restore into empty tenant time": ("restore_empty", "wall_s", -0.11, 0.10),
    "backup file size (.ndjson.zst)": ("export_cli", "file_bytes", -0.01, 0.01),
    "export peak RSS (backup_tenant)": ("export_cli", "peak_rss_bytes", -0.25, 0.25),
    "web server peak RSS (HTTP export)": ("export_http", "peak_rss_bytes", -0.25, 0.25),
    "restore --replace peak RSS": ("restore_replace", "peak_rss_bytes", -0.25, 0.25),
    "restore into empty tenant peak RSS": ("restore_empty", "peak_rss_bytes", -0.25, 0.25),
}


def test_the_committed_million_row_runs_are_predicted_from_the_smaller_ones():
    data = load(FULL_RUN)
    predictions = predict(data, 1_000_000, hide_above=100_000)
    assert {p.engine for p in predictions} == {"sqlite", "postgres"}
    for prediction in predictions:
        assert prediction.measured_sizes == [10_000, 100_000]
        (actual,) = [run for run in data.runs_of(prediction.engine) if run.rows == 1_000_000]
        estimates = {e.what: e for e in prediction.estimates}
        for what, (step, key, low, high) in HIDDEN_CHECK.items():
            error = estimates[what].value / actual.summary[step][key].median - 1
            assert low <= error <= high, f"{prediction.engine} {what}: {error:+.1%} outside {low:+.0%}..{high:+.0%}"


def test_plan_hides_the_larger_runs_on_request():
    argv = [sys.executable, "-m", "benchmarks", "plan", "--rows", "1000000", "--results", str(FULL_RUN)]
    done = subprocess.run([*argv, "--hide-above", "100000"], cwd=REPO, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert "runs above 100,000 rows hidden" in done.stdout
    assert done.stdout.count("measured sizes 10,000, 100,000\n") == 2
    none_left = subprocess.run([*argv, "--hide-above", "9999"], cwd=REPO, capture_output=True, text=True, timeout=60)
    assert none_left.returncode != 0 and "no runs of at most 9,999 rows" in none_left.stderr
