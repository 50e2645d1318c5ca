"""The headline table at the top of ``report.md``: the largest size of each database, in the
shape of the README's table, so the README can be updated by copying it."""

from __future__ import annotations

from .measurements import Results, SizeResult
from .ratios import export_ratio, export_vs_copy, has_copy, loaddata_reference, restore_ratio, restore_vs_copy
from .stats import MB
from .steps import COPY_FROM, COPY_TO, DUMPDATA, EXPORT_CLI, EXPORT_HTTP, LOADDATA, RESTORE_REPLACE

NAMES = {"sqlite": "SQLite", "postgres": "PostgreSQL"}
DASH = "—"


def headline(data: Results) -> list[str]:
    columns = [(engine, runs) for engine in data.engines() if (runs := [r for r in data.runs_of(engine) if r.summary])]
    if not columns:
        return []
    rows = _ROWS + (_COPY_ROWS if any(has_copy(runs) for _, runs in columns) else [])
    head = [""] + [f"{NAMES.get(engine, engine)}, {runs[-1].rows:,} rows" for engine, runs in columns]
    lines = ["## Headline (largest size)", "", "| " + " | ".join(head) + " |", "| --- |" + " ---: |" * len(columns)]
    lines += ["| " + " | ".join([label] + [cell(runs) for _, runs in columns]) + " |" for label, cell in rows]
    return lines + [""]


def _export(runs: list[SizeResult]) -> str:
    big = runs[-1]
    return _join(_s(big.median(EXPORT_CLI, "wall_s")), _rate(big.median(EXPORT_CLI, "rows_per_s"), "rows/s"),
                 _rss(big.median(EXPORT_CLI, "peak_rss_bytes"), "peak RSS"))


def _http(runs: list[SizeResult]) -> str:
    big = runs[-1]
    return _join(_s(big.median(EXPORT_HTTP, "wall_s")), _rss(big.median(EXPORT_HTTP, "peak_rss_bytes"), "server peak RSS"))


def _export_growth(runs: list[SizeResult]) -> str:
    low, high = runs[0].median(EXPORT_CLI, "peak_rss_bytes"), runs[-1].median(EXPORT_CLI, "peak_rss_bytes")
    if low is None or high is None:
        return DASH
    return f"{low / MB:.0f} MB at {runs[0].rows:,} → {high / MB:.0f} MB"


def _file(runs: list[SizeResult]) -> str:
    big = runs[-1]
    size, ratio = big.median(EXPORT_CLI, "file_bytes"), big.median(EXPORT_CLI, "compression_ratio")
    return _join(size and f"{size / MB:.1f} MB", ratio and f"{ratio:.1f}× compression")


def _restore(runs: list[SizeResult]) -> str:
    big = runs[-1]
    inserted, read = big.median(RESTORE_REPLACE, "inserted_rows"), big.median(RESTORE_REPLACE, "rows")
    return _join(
        _s(big.median(RESTORE_REPLACE, "wall_s")), _rate(big.median(RESTORE_REPLACE, "inserted_rows_per_s"), "inserted rows/s"),
        _rss(big.median(RESTORE_REPLACE, "peak_rss_bytes"), "peak RSS"),
        inserted and read and f"{inserted:,.0f} of {read:,.0f} rows inserted",
    )


def _dumpdata(runs: list[SizeResult]) -> str:
    big = runs[-1]
    return _join(_s(big.median(DUMPDATA, "wall_s")), _rate(big.median(DUMPDATA, "rows_per_s"), "rows/s"))


def _loaddata(runs: list[SizeResult]) -> str:
    rate, at = loaddata_reference(runs, runs[-1].rows)
    ref = next((r for r in runs if r.rows == at), None)
    return _join(_rate(rate, "rows/s"), ref and _rss(ref.median(LOADDATA, "peak_rss_bytes"), "peak RSS"), at and f"at {at:,} rows")


def _copy_to(runs: list[SizeResult]) -> str:
    big = runs[-1]
    return _join(_s(big.median(COPY_TO, "wall_s")), _rate(big.median(COPY_TO, "rows_per_s"), "rows/s"))


def _copy_from(runs: list[SizeResult]) -> str:
    big = runs[-1]
    return _join(_s(big.median(COPY_FROM, "wall_s")), _rate(big.median(COPY_FROM, "inserted_rows_per_s"), "rows/s"))


def _vs_baselines(runs: list[SizeResult]) -> str:
    big = runs[-1]
    return f"{times(export_ratio(big))} / {times(restore_ratio(runs, big, RESTORE_REPLACE))}"


def _vs_copy(runs: list[SizeResult]) -> str:
    big = runs[-1]
    return f"{times(export_vs_copy(big))} / {times(restore_vs_copy(big))}" if has_copy(runs) else DASH


_ROWS = [
    ("export (`backup_tenant`)", _export),
    ("export over HTTP (gunicorn, client time)", _http),
    ("export peak RSS, smallest → largest size", _export_growth),
    ("backup file (`.ndjson.zst`)", _file),
    ("restore `--replace` (audit rows checked, not inserted)", _restore),
    ("`dumpdata` (all shops, no filtering)", _dumpdata),
    ("`loaddata` (largest size it ran)", _loaddata),
    ("export vs `dumpdata` / restore vs `loaddata`", _vs_baselines),
]
_COPY_ROWS = [
    ("`COPY (SELECT …) TO STDOUT` + zstd 3 (the shop's rows)", _copy_to),
    ("`COPY … FROM STDIN` (the same rows)", _copy_from),
    ("export ÷ `COPY TO` / restore ÷ `COPY FROM`", _vs_copy),
]


def _join(*parts: str | None) -> str:
    present = [p for p in parts if p]
    return ", ".join(present) if present else DASH


def _s(value: float | None) -> str | None:
    return None if value is None else f"{value:.1f} s"


def _rate(value: float | None, unit: str) -> str | None:
    if value is None:
        return None
    if value >= 100_000:
        return f"{value / 1000:.0f}k {unit}"
    return f"{value / 1000:.1f}k {unit}" if value >= 1000 else f"{value:.0f} {unit}"


def _rss(value: float | None, what: str) -> str | None:
    return None if value is None else f"{what} {value / MB:.0f} MB"


def times(value: float | None) -> str:
    if value is None:
        return DASH
    return f"{value:.2f}×" if value < 1 else f"{value:.1f}×"
