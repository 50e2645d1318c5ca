"""``python -m benchmarks plan``: predict time, memory and file size for a tenant of N rows.

Every figure is a least-squares line through the measured repetitions (cost = fixed +
per_row × rows), evaluated at N. The range applies the smallest and largest per-row cost
seen at any single measured size and repetition ((fastest or slowest − fixed) / rows) to the
same fixed part.

Peak memory is modelled from its parts, not as a line (a line through the warm-up growth of
small runs overstates large ones two- or threefold):

- the id maps, the only part that grows with the tenant: export keeps the sorted ids of the
  sections other sections point to (8 bytes a row), restore its old → new id maps (16 bytes
  a row); the referenced rows are approximated by the non-audit rows;
- the baseline (process, Django, drivers): the smallest run's peak minus its id maps;
- bounded caches and buffers and one batch: what the largest run's peak adds to the
  baseline beyond its id maps; constant once warm.

Beyond the largest measured size the prediction is baseline + caches + id maps at N; the
range runs from there to the caches warming up once more by as much as they did between the
smallest and the largest measured sizes.

Restore depends on the audit share: Bitacora rows are read (twice: a verification pass,
then the restore pass) but never inserted. So restore time is modelled as
``fixed + 2 × read_per_row × N + insert_per_row × inserted`` with ``read_per_row`` from the
``verify_backup`` measurements (one read pass) and ``inserted = N × (1 − share) × k``,
``k`` being the measured share of non-audit rows a restore inserts.
"""

from __future__ import annotations

from dataclasses import dataclass
from statistics import median as _median

from .fit import Line, linear_fit
from .measurements import Measurement, Results, SizeResult, points
from .steps import EXPORT_CLI, EXPORT_HTTP, RESTORE_EMPTY, RESTORE_REPLACE, VERIFY, Step

READ_PASSES = 2
FAR_FACTOR = 10
EXPORT_ID_BYTES = 8  # array('q') of the ids other sections point to
RESTORE_ID_BYTES = 16  # IdMap: two array('q'), old and new id


@dataclass(frozen=True, slots=True)
class Estimate:
    what: str
    value: float
    low: float
    high: float
    unit: str


@dataclass(frozen=True, slots=True)
class Prediction:
    engine: str
    rows: int
    bitacora_share: float
    measured_share: float | None
    measured_sizes: list[int]
    estimates: list[Estimate]
    warnings: list[str]


def predict(
    data: Results, rows: int, bitacora_share: float | None = None, hide_above: int | None = None
) -> list[Prediction]:
    """One prediction per database present in ``data``; runs larger than ``hide_above`` are ignored
    (to check the model: predict a measured size from the smaller ones)."""
    found = []
    for engine in data.engines():
        runs = [r for r in data.runs_of(engine) if r.summary and (hide_above is None or r.rows <= hide_above)]
        if runs:
            found.append(_predict_engine(engine, runs, rows, bitacora_share))
    return found


def _predict_engine(engine: str, runs: list[SizeResult], rows: int, share: float | None) -> Prediction:
    measured_share = _median_of([r.dataset.bitacora_share for r in runs])
    share = measured_share if share is None else share
    referenced = rows * (1 - (share or 0))
    inserted = referenced * (_insert_factor(runs) or 1)
    estimates = [
        _scaled(runs, EXPORT_CLI, "wall_s", "rows", rows, "export time (backup_tenant)", "s"),
        _memory(runs, EXPORT_CLI, EXPORT_ID_BYTES, rows, referenced, "export peak RSS (backup_tenant)"),
        _scaled(runs, EXPORT_HTTP, "wall_s", "rows", rows, "export time over HTTP (client)", "s"),
        _memory(runs, EXPORT_HTTP, EXPORT_ID_BYTES, rows, referenced, "web server peak RSS (HTTP export)"),
        _proportional(runs, EXPORT_CLI, "file_bytes", rows, "backup file size (.ndjson.zst)"),
        _proportional(runs, EXPORT_CLI, "uncompressed_bytes", rows, "uncompressed size"),
        *(_restore_time(runs, op, rows, inserted, label) for op, label in _RESTORES),
        *(_memory(runs, op, RESTORE_ID_BYTES, rows, inserted, f"{label} peak RSS") for op, label in _RESTORES),
        Estimate("rows inserted by restore", inserted, inserted, inserted, "rows"),
    ]
    sizes = sorted({r.rows for r in runs})
    return Prediction(engine, rows, share, measured_share, sizes, [e for e in estimates if e], _warnings(rows, sizes, share, measured_share))


_RESTORES = ((RESTORE_REPLACE, "restore --replace"), (RESTORE_EMPTY, "restore into empty tenant"))


def _scaled(runs: list[SizeResult], op: Step, y_key: str, x_key: str, x: float, what: str, unit: str) -> Estimate | None:
    line = linear_fit(points(runs, op, x_key, y_key))
    if line is None:
        return None
    return _with_range(what, unit, line, _per_size(runs, op, x_key, y_key), x)


def _memory(runs: list[SizeResult], op: Step, id_bytes: int, rows: int, referenced: float, what: str) -> Estimate | None:
    """Baseline + bounded caches and buffers (constant once warm) + id maps of ``referenced`` rows."""
    fixed = [
        (run.rows, peak - id_bytes * _referenced(run, op))
        for run in runs
        if (peak := run.median(op, "peak_rss_bytes")) is not None
    ]
    if not fixed:
        return None
    (_, baseline), (largest, warm) = fixed[0], fixed[-1]
    ids = id_bytes * referenced
    if rows >= largest:
        value = warm + ids
        return Estimate(what, value, value, value + max(0.0, warm - baseline), "bytes")
    value = _interpolate(fixed, rows) + ids
    return Estimate(what, value, min(value, baseline + ids), warm + ids, "bytes")


def _referenced(run: SizeResult, op: Step) -> float:
    """Rows the run's id maps held: those it inserted (restore), else the file's non-audit rows."""
    inserted = run.median(op, "inserted_rows")
    if inserted is not None:
        return inserted
    exported = run.dataset.exported_rows or run.rows
    return exported - (run.dataset.bitacora_rows or 0)


def _interpolate(points: list[tuple[float, float]], x: float) -> float:
    """Piecewise linear through sorted ``points``, flat outside them."""
    if x <= points[0][0]:
        return points[0][1]
    for (x1, y1), (x2, y2) in zip(points, points[1:]):
        if x <= x2:
            return y1 + (y2 - y1) * (x - x1) / (x2 - x1) if x2 > x1 else y2
    return points[-1][1]


def _per_size(runs: list[SizeResult], op: Step, x_key: str, y_key: str) -> list[tuple[float, float]]:
    """``(x, y)`` for the fastest and the slowest repetition of every size."""
    found = []
    for run in runs:
        x, y = run.median(op, x_key), run.figure(op, y_key)
        if x and y.median is not None:
            found += [(x, y.min), (x, y.max)]
    return found


def _with_range(what: str, unit: str, line: Line, sizes: list[tuple[float, float]], x: float) -> Estimate:
    """Range: the least and most per-row cost seen at one size, on top of the same fixed part."""
    rates = [max(0.0, (y - line.fixed) / sx) for sx, y in sizes] + [max(0.0, line.per_row)]
    value = max(line.at(x), 0.0)
    return Estimate(what, value, line.fixed + min(rates) * x, line.fixed + max(rates) * x, unit)


def _proportional(runs: list[SizeResult], op: Step, key: str, rows: int, what: str) -> Estimate | None:
    sizes = [(x, r.median(op, key)) for r in runs if (x := r.median(op, "rows")) and r.median(op, key)]
    if not sizes:
        return None
    per_row = sum(y for _, y in sizes) / sum(x for x, _ in sizes)
    rates = [y / x for x, y in sizes]
    return Estimate(what, per_row * rows, min(rates) * rows, max(rates) * rows, "bytes")


def _restore_time(runs: list[SizeResult], op: Step, rows: int, inserted: float, label: str) -> Estimate | None:
    read = linear_fit(points(runs, VERIFY, "rows", "wall_s"))
    read_per_row = max(0.0, read.per_row) if read and len({r.rows for r in runs}) > 1 else 0.0

    def insert_part(m: Measurement) -> float:
        return m.figures["wall_s"] - READ_PASSES * read_per_row * m.figures["rows"]

    pts = [(m.figures["inserted_rows"], insert_part(m)) for run in runs for m in run.successes(op)]
    line = linear_fit(pts)
    if line is None:
        return None
    base = _with_range(f"{label} time", "s", line, pts, inserted)
    extra = READ_PASSES * read_per_row * rows
    return Estimate(base.what, base.value + extra, base.low + extra, base.high + extra, "s")


def _insert_factor(runs: list[SizeResult]) -> float | None:
    """Rows a restore inserts per non-audit row of the file (user memberships are skipped too)."""
    factors = []
    for run in runs:
        exported, audit = run.dataset.exported_rows, run.dataset.bitacora_rows or 0
        inserted = run.median(RESTORE_REPLACE, "inserted_rows")
        if exported and inserted and exported > audit:
            factors.append(inserted / (exported - audit))
    return _median_of(factors)


def _warnings(rows: int, sizes: list[int], share: float | None, measured: float | None) -> list[str]:
    found = []
    if rows > FAR_FACTOR * sizes[-1]:
        found.append(
            f"{rows:,} rows is {rows / sizes[-1]:,.0f}x the largest measured size ({sizes[-1]:,}): this extrapolates "
            "far beyond the measurements; measure a larger size before relying on it."
        )
    elif rows > sizes[-1]:
        found.append(f"{rows:,} rows is beyond the largest measured size ({sizes[-1]:,}): extrapolated.")
    if rows < sizes[0]:
        found.append(f"{rows:,} rows is below the smallest measured size ({sizes[0]:,}).")
    if len(sizes) < 2:
        found.append("only one size was measured: the per-row cost includes process start-up.")
    if share is not None and measured is not None and abs(share - measured) > 0.05:
        found.append(
            f"Bitacora share {share:.0%} differs from the measured {measured:.0%}: restore is rescaled, but export "
            "time and file size are per row at the measured mix."
        )
    return found


def _median_of(values: list) -> float | None:
    present = [v for v in values if v is not None]
    return _median(present) if present else None


def render(predictions: list[Prediction], source: str) -> str:
    lines = [f"Predictions from {source}"]
    for p in predictions:
        lines += [
            "",
            f"{p.engine}: tenant of {p.rows:,} rows, Bitacora share {_pct(p.bitacora_share)} "
            f"(measured {_pct(p.measured_share)}); measured sizes {', '.join(f'{s:,}' for s in p.measured_sizes)}",
        ]
        lines += [f"  WARNING: {w}" for w in p.warnings]
        width = max(len(e.what) for e in p.estimates)
        lines += [f"  {e.what:<{width}}  {_fmt(e.value, e.unit):>10}   range {_fmt(e.low, e.unit)} – {_fmt(e.high, e.unit)}" for e in p.estimates]
    return "\n".join(lines)


def _fmt(value: float, unit: str) -> str:
    if unit == "bytes":
        return f"{value / 1e9:,.2f} GB" if value >= 1e9 else f"{value / 1e6:,.1f} MB"
    if unit == "s":
        return f"{value / 3600:,.2f} h" if value >= 7200 else (f"{value / 60:,.1f} min" if value >= 120 else f"{value:,.1f} s")
    return f"{value:,.0f} {unit}"


def _pct(value: float | None) -> str:
    return "?" if value is None else f"{value:.0%}"
