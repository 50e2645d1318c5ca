"""``report.md``: the tables an operator reads, built from ``results.json`` alone."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from .charts import CHARTS
from .fit import linear_fit
from .tables import engines, figure, median, points, runs_of

MB = 1_000_000
TARGETS = {"export_vs_dumpdata": 10, "restore_vs_loaddata": {"sqlite": 20, "postgres": 50}, "export_rss_flat_mb": 30}


def write_report(data: dict, folder: Path) -> Path:
    path = folder / "report.md"
    path.write_text("\n".join(render(data)) + "\n")
    return path


def render(data: dict) -> list[str]:
    lines = _preamble(data)
    for engine in engines(data):
        runs = runs_of(data, engine)
        lines += [f"## {_engine_name(engine, data)}", ""]
        lines += _dataset(runs) + _export(runs) + _restore(runs) + _baselines(runs) + _ratios(runs, data)
    lines += _targets(data) + _charts() + _problems(data)
    return lines


def _preamble(data: dict) -> list[str]:
    m, git = data["machine"], data["machine"].get("git", {})
    load_start, load_end = m.get("load_average_at_start", [None])[0], (m.get("load_average_at_end") or [None])[0]
    lines = [
        "# Tenant backup & restore: capacity benchmarks",
        "",
        f"Run {data['started_at']} → {data.get('finished_at') or '(running)'}{_took(data)}, status **{data['status']}**, "
        f"commit `{(git.get('commit') or '?')[:12]}`{' (dirty tree)' if git.get('dirty') else ''}.",
        f"Machine: {m['cpu_model']}, {m['logical_cores']} logical cores, {m['ram_bytes'] / 2**30:.1f} GiB RAM; "
        f"Python {m['python']}, Django {m['django']}, SQLite {m['sqlite']}, PostgreSQL {m.get('postgresql') or 'n/a'}.",
        f"Load average (1 min) at start {_num(load_start, 2)}, at end {_num(load_end, 2)}"
        + (" — **other work was running; timings are polluted**." if _busy(load_start, m) else "."),
        f"Command: `{' '.join(data.get('command', []))}`",
        "",
        "How to read: every step is its own process. *s* is wall time of the whole process, Django start-up",
        "included (median over the repetitions, (min–max) when they differ); *rows/s* = rows / wall s;",
        "HTTP times are the client's, from request to last byte, with the server already running (no start-up);",
        "compare per-row costs through the *marginal* line under each ratio table, where start-up drops out.",
        "*peak RSS* is `ru_maxrss` of the process doing the work from `os.wait4` (for HTTP: the gunicorn",
        "server, master and worker, over its whole life); MB = 10⁶ bytes. Restore rows/s counts rows",
        "**inserted** (`created` in its JSON summary): Bitacora (audit) rows, ~70 % of a seeded tenant, are",
        "read and verified but never restored. `dumpdata` dumps the ERP apps and `auth.user` of **all**",
        "tenants (it cannot filter one tenant); `loaddata` loads that fixture into a fresh migrated database,",
        "holding the whole file in memory, saving row by row and keeping source ids (no remapping).",
        f"`loaddata` runs only up to {data['config']['loaddata_max_rows']:,} rows; for larger sizes the ratio uses",
        "its rows/s at the largest size it ran, as the tables say.",
        "",
    ]
    return lines


def _took(data: dict) -> str:
    if not data.get("finished_at"):
        return ""
    seconds = (datetime.fromisoformat(data["finished_at"]) - datetime.fromisoformat(data["started_at"])).total_seconds()
    return f" ({seconds / 60:.1f} min)"


def _dataset(runs: list[dict]) -> list[str]:
    rows = [
        [
            f"{r['rows']:,}", _int(r["dataset"].get("exported_rows")), _pct(r["dataset"].get("bitacora_share")),
            _int(median(r, "restore_replace", "inserted_rows")), _int(r["dataset"].get("dumped_rows")),
            _num(r["setup"].get("seed", {}).get("wall_s"), 1), _num(r.get("elapsed_s"), 0),
        ]
        for r in runs
    ]
    head = ["tenant rows", "exported rows", "Bitacora", "inserted by restore", "dumpdata rows (all tenants)", "seed s", "size total s"]
    return ["### Data", "", *_table(head, rows)]


def _export(runs: list[dict]) -> list[str]:
    rows = [
        [
            f"{r['rows']:,}", _cell(r, "export_cli", "wall_s", 2), _cell(r, "export_cli", "rows_per_s", 0),
            _cell(r, "export_cli", "mb_per_s", 2), _cell(r, "export_cli", "peak_rss_bytes", 1, MB),
            _cell(r, "export_cli", "file_bytes", 2, MB), _cell(r, "export_cli", "compression_ratio", 1),
            _cell(r, "verify", "wall_s", 2),
            _cell(r, "export_http", "wall_s", 2), _cell(r, "export_http", "rows_per_s", 0),
            _cell(r, "export_http", "peak_rss_bytes", 1, MB),
        ]
        for r in runs
    ]
    head = [
        "rows", "export s", "rows/s", "MB/s", "peak RSS MB", "file MB", "zstd ratio", "verify s",
        "HTTP client s", "HTTP rows/s", "server peak RSS MB",
    ]
    return ["### Export (`backup_tenant`, `GET /api/backup/`)", "", *_table(head, rows)]


def _restore(runs: list[dict]) -> list[str]:
    rows = [
        [f"{r['rows']:,}", _int(median(r, "restore_replace", "inserted_rows"))]
        + [cell for op in ("restore_replace", "restore_empty") for cell in (
            _cell(r, op, "wall_s", 2), _cell(r, op, "inserted_rows_per_s", 0), _cell(r, op, "rows_per_s", 0),
            _cell(r, op, "peak_rss_bytes", 1, MB),
        )]
        for r in runs
    ]
    head = [
        "rows", "inserted", "replace s", "inserted rows/s", "read rows/s", "peak RSS MB",
        "into empty s", "inserted rows/s", "read rows/s", "peak RSS MB",
    ]
    return ["### Restore (`restore_tenant --replace`)", "", *_table(head, rows)]


def _baselines(runs: list[dict]) -> list[str]:
    rows = [
        [
            f"{r['rows']:,}", _cell(r, "dumpdata", "wall_s", 2), _cell(r, "dumpdata", "rows_per_s", 0),
            _cell(r, "dumpdata", "peak_rss_bytes", 1, MB), _cell(r, "dumpdata", "file_bytes", 2, MB),
            _loaddata_cell(r, "wall_s", 2), _loaddata_cell(r, "inserted_rows_per_s", 0),
            _loaddata_cell(r, "peak_rss_bytes", 1, MB),
        ]
        for r in runs
    ]
    head = ["rows", "dumpdata s", "rows/s", "peak RSS MB", "file MB", "loaddata s", "inserted rows/s", "peak RSS MB"]
    return ["### Baselines (`dumpdata`, `loaddata`)", "", *_table(head, rows)]


def _loaddata_cell(run: dict, key: str, digits: int, scale: float = 1) -> str:
    if "loaddata" in run.get("skipped", {}):
        return "not run"
    return _cell(run, "loaddata", key, digits, scale)


def _ratios(runs: list[dict], data: dict) -> list[str]:
    rows = []
    for r in runs:
        load_rate, load_at = loaddata_reference(runs, r["rows"])
        at = "" if load_at == r["rows"] or load_at is None else f" (at {load_at:,})"
        rows.append([
            f"{r['rows']:,}", _num(median(r, "export_cli", "rows_per_s"), 0), _num(median(r, "dumpdata", "rows_per_s"), 0),
            _times(export_ratio(r)), _num(median(r, "restore_replace", "inserted_rows_per_s"), 0),
            _num(median(r, "restore_empty", "inserted_rows_per_s"), 0), _num(load_rate, 0) + at,
            _times(restore_ratio(runs, r, "restore_replace")), _times(restore_ratio(runs, r, "restore_empty")),
        ])
    head = [
        "rows", "export rows/s", "dumpdata rows/s", "export ×", "restore ins. rows/s", "into empty ins. rows/s",
        "loaddata rows/s", "restore ×", "into empty ×",
    ]
    return ["### Ours vs baselines (same run, same data)", "", *_table(head, rows), *_marginal(runs)]


def _marginal(runs: list[dict]) -> list[str]:
    """Per-row cost from the slope of wall time vs rows: start-up time drops out."""
    export, dump = _slope(runs, "export_cli", "rows"), _slope(runs, "dumpdata", "rows")
    restore, load = _slope(runs, "restore_replace", "inserted_rows"), _slope(runs, "loaddata", "inserted_rows")
    if not all((export, dump, restore, load)):
        return [""]
    return [
        "",
        f"Marginal cost (least-squares slope of wall s vs rows, start-up excluded): export {1 / export:,.0f} rows/s vs "
        f"dumpdata {1 / dump:,.0f} rows/s (**{dump / export:.1f}×**); restore {1 / restore:,.0f} inserted rows/s vs "
        f"loaddata {1 / load:,.0f} (**{load / restore:.1f}×**).",
        "",
    ]


def _slope(runs: list[dict], op: str, x_key: str) -> float | None:
    pts = points(runs, op, x_key, "wall_s")
    if len({x for x, _ in pts}) < 2:
        return None
    line = linear_fit(pts)
    return line.per_row if line and line.per_row > 0 else None


def export_ratio(run: dict) -> float | None:
    ours, theirs = median(run, "export_cli", "rows_per_s"), median(run, "dumpdata", "rows_per_s")
    return ours / theirs if ours and theirs else None


def loaddata_reference(runs: list[dict], rows: int) -> tuple[float | None, int | None]:
    """loaddata's inserted rows/s at this size, or at the largest smaller size it ran."""
    measured = [r for r in runs if r["rows"] <= rows and median(r, "loaddata", "inserted_rows_per_s")]
    if not measured:
        return None, None
    ref = measured[-1]
    return median(ref, "loaddata", "inserted_rows_per_s"), ref["rows"]


def restore_ratio(runs: list[dict], run: dict, op: str) -> float | None:
    ours, (theirs, _) = median(run, op, "inserted_rows_per_s"), loaddata_reference(runs, run["rows"])
    return ours / theirs if ours and theirs else None


def _targets(data: dict) -> list[str]:
    lines = ["## Where we stand against the targets (measured, never asserted)", ""]
    for engine in engines(data):
        runs = [r for r in runs_of(data, engine) if r.get("summary")]
        if not runs:
            continue
        big = runs[-1]
        need = TARGETS["restore_vs_loaddata"].get(engine, 20)
        load_rate, load_at = loaddata_reference(runs, big["rows"])
        low, high = median(runs[0], "export_cli", "peak_rss_bytes"), median(big, "export_cli", "peak_rss_bytes")
        growth = (high - low) / MB if low and high else None
        lines += [
            f"- **{engine}** at {big['rows']:,} rows: export {_times(export_ratio(big))} dumpdata's rows/s "
            f"(target ≥ {TARGETS['export_vs_dumpdata']}×); restore {_times(restore_ratio(runs, big, 'restore_replace'))} "
            f"loaddata's inserted rows/s{f' (loaddata measured at {load_at:,})' if load_at and load_at != big['rows'] else ''} "
            f"(target ≥ {need}×); export peak RSS {_num(low and low / MB, 1)} MB at {runs[0]['rows']:,} → "
            f"{_num(high and high / MB, 1)} MB at {big['rows']:,} (growth {_num(growth, 1)} MB; target ≤ "
            f"{TARGETS['export_rss_flat_mb']} MB from 10,000 to 1,000,000 rows); restore peak RSS "
            f"{_num(_mb(median(runs[0], 'restore_replace', 'peak_rss_bytes')), 1)} → "
            f"{_num(_mb(median(big, 'restore_replace', 'peak_rss_bytes')), 1)} MB.",
        ]
    return lines + [""]


def _charts() -> list[str]:
    return ["## Charts", "", *(f"![{name[:-4]}]({name})" for name in CHARTS), ""]


def _problems(data: dict) -> list[str]:
    lines = []
    for run in data["runs"]:
        for op, reason in run.get("skipped", {}).items():
            lines.append(f"- {run['db']} {run['rows']:,}: {op} skipped: {reason}")
        for error in run.get("errors", []):
            lines.append(f"- {run['db']} {run['rows']:,}: {error['op']} rep {error.get('rep')} failed: {error['error']}")
    lines += [f"- {note}" for note in data.get("notes", [])]
    return ["## Skipped steps, errors and notes", "", *(lines or ["None."]), ""]


def _engine_name(engine: str, data: dict) -> str:
    version = data["machine"].get("sqlite" if engine == "sqlite" else "postgresql")
    return f"{'SQLite' if engine == 'sqlite' else 'PostgreSQL'} {version or ''}".strip()


def _busy(load: float | None, machine: dict) -> bool:
    return load is not None and load > 0.5 * (machine.get("logical_cores") or 1)


def _table(head: list[str], rows: list[list[str]]) -> list[str]:
    return [
        "| " + " | ".join(head) + " |",
        "|" + "|".join("---:" for _ in head) + "|",
        *("| " + " | ".join(row) + " |" for row in rows),
        "",
    ]


def _cell(run: dict, op: str, key: str, digits: int, scale: float = 1) -> str:
    s = figure(run, op, key)
    if s["median"] is None:
        return "—"
    text = _num(s["median"] / scale, digits)
    if s["n"] > 1 and s["min"] != s["max"]:
        text += f" ({_num(s['min'] / scale, digits)}–{_num(s['max'] / scale, digits)})"
    return text


def _num(value: float | None, digits: int) -> str:
    return "—" if value is None else f"{value:,.{digits}f}"


def _int(value: float | None) -> str:
    return "—" if value is None else f"{round(value):,}"


def _pct(value: float | None) -> str:
    return "—" if value is None else f"{value:.0%}"


def _times(value: float | None) -> str:
    return "—" if value is None else f"{value:,.1f}×"


def _mb(value: float | None) -> float | None:
    return None if value is None else value / MB
