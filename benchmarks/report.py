"""``report.md``: the tables an operator reads, built from ``results.json`` alone."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from .charts import CHARTS
from .fit import linear_fit
from .headline import headline, times as _times
from .jobs_report import jobs_section
from .measurements import Results, SizeResult, points
from .ratios import (
    TARGETS, export_ratio, export_vs_copy, has_copy, loaddata_reference, restore_ratio, restore_vs_copy,
)
from .stats import MB
from .steps import (
    COPY_FROM, COPY_TO, DUMPDATA, EXPORT_CLI, EXPORT_HTTP, LOADDATA, RESTORE_REPLACE, RESTORES, VERIFY, Step,
)


def write_report(data: Results, folder: Path) -> Path:
    path = folder / "report.md"
    path.write_text("\n".join(render(data)) + "\n")
    return path


def render(data: Results) -> list[str]:
    lines = _preamble(data) + headline(data)
    for engine in data.engines():
        runs = data.runs_of(engine)
        lines += [f"## {_engine_name(engine, data)}", ""]
        lines += _dataset(runs) + _export(runs) + _restore(runs) + _baselines(runs) + _ratios(runs, data)
        lines += jobs_section(runs, _cell, _table)
    lines += _targets(data) + _charts() + _problems(data)
    return lines


def _preamble(data: Results) -> list[str]:
    m, git = data.machine, data.machine.get("git", {})
    load_start, load_end = m.get("load_average_at_start", [None])[0], (m.get("load_average_at_end") or [None])[0]
    lines = [
        "# Tenant backup & restore: capacity benchmarks",
        "",
        f"Run {data.started_at} → {data.finished_at or '(running)'}{_took(data)}, status **{data.status}**, "
        f"commit `{(git.get('commit') or '?')[:12]}`{' (dirty tree)' if git.get('dirty') else ''}.",
        f"Machine: {m['cpu_model']}, {m['logical_cores']} logical cores, {m['ram_bytes'] / 2**30:.1f} GiB RAM; "
        f"Python {m['python']}, Django {m['django']}, SQLite {m['sqlite']}, PostgreSQL {m.get('postgresql') or 'n/a'}.",
        f"Load average (1 min) at start {_num(load_start, 2)}, at end {_num(load_end, 2)}"
        + (" — **other work was running; timings are polluted**." if _busy(load_start, m) else "."),
        f"Command: `{' '.join(data.command)}`",
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
        f"`loaddata` runs only up to {data.config['loaddata_max_rows']:,} rows; for larger sizes the ratio uses",
        "its rows/s at the largest size it ran, as the tables say.",
        "",
    ]
    return lines


def _took(data: Results) -> str:
    if not data.finished_at:
        return ""
    seconds = (datetime.fromisoformat(data.finished_at) - datetime.fromisoformat(data.started_at)).total_seconds()
    return f" ({seconds / 60:.1f} min)"


def _dataset(runs: list[SizeResult]) -> list[str]:
    rows = [
        [
            f"{r.rows:,}", _int(r.dataset.exported_rows), _pct(r.dataset.bitacora_share),
            _int(r.median(RESTORE_REPLACE, "inserted_rows")), _int(r.dataset.dumped_rows),
            _num(_seed_s(r), 1), _num(r.elapsed_s, 0),
        ]
        for r in runs
    ]
    head = ["tenant rows", "exported rows", "Bitacora", "inserted by restore", "dumpdata rows (all tenants)", "seed s", "size total s"]
    return ["### Data", "", *_table(head, rows)]


def _seed_s(run: SizeResult) -> float | None:
    seed = run.setup.get("seed")
    return seed.get("wall_s") if seed else None


def _export(runs: list[SizeResult]) -> list[str]:
    rows = [
        [
            f"{r.rows:,}", _cell(r, EXPORT_CLI, "wall_s", 2), _cell(r, EXPORT_CLI, "rows_per_s", 0),
            _cell(r, EXPORT_CLI, "mb_per_s", 2), _cell(r, EXPORT_CLI, "peak_rss_bytes", 1, MB),
            _cell(r, EXPORT_CLI, "file_bytes", 2, MB), _cell(r, EXPORT_CLI, "compression_ratio", 1),
            _cell(r, VERIFY, "wall_s", 2),
            _cell(r, EXPORT_HTTP, "wall_s", 2), _cell(r, EXPORT_HTTP, "rows_per_s", 0),
            _cell(r, EXPORT_HTTP, "peak_rss_bytes", 1, MB),
        ]
        for r in runs
    ]
    head = [
        "rows", "export s", "rows/s", "MB/s", "peak RSS MB", "file MB", "zstd ratio", "verify s",
        "HTTP client s", "HTTP rows/s", "server peak RSS MB",
    ]
    return ["### Export (`backup_tenant`, `GET /api/backup/`)", "", *_table(head, rows)]


def _restore(runs: list[SizeResult]) -> list[str]:
    rows = [
        [f"{r.rows:,}", _int(r.median(RESTORE_REPLACE, "inserted_rows"))]
        + [cell for op in RESTORES for cell in (
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


def _baselines(runs: list[SizeResult]) -> list[str]:
    copy = has_copy(runs)
    rows = [
        [
            f"{r.rows:,}", _cell(r, DUMPDATA, "wall_s", 2), _cell(r, DUMPDATA, "rows_per_s", 0),
            _cell(r, DUMPDATA, "peak_rss_bytes", 1, MB), _cell(r, DUMPDATA, "file_bytes", 2, MB),
            _cell(r, LOADDATA, "wall_s", 2), _cell(r, LOADDATA, "inserted_rows_per_s", 0),
            _cell(r, LOADDATA, "peak_rss_bytes", 1, MB),
        ] + (_copy_cells(r) if copy else [])
        for r in runs
    ]
    head = ["rows", "dumpdata s", "rows/s", "peak RSS MB", "file MB", "loaddata s", "inserted rows/s", "peak RSS MB"]
    if not copy:
        return ["### Baselines (`dumpdata`, `loaddata`)", "", *_table(head, rows)]
    head += ["COPY TO + zstd s", "rows/s", "file MB", "COPY FROM s", "rows/s", "peak RSS MB"]
    return ["### Baselines (`dumpdata`, `loaddata`, PostgreSQL `COPY`)", "", *_table(head, rows), *_COPY_NOTE]


_COPY_NOTE = [
    "`COPY TO + zstd` is `COPY (SELECT …) TO STDOUT` of the tenant's rows of every table of the backup plan",
    "(the plan's own querysets), compressed at zstd level 3 in the same process; `COPY FROM` loads those",
    "rows with `COPY … FROM STDIN` into empty copies of the tables (indexes and constraints, no foreign keys),",
    "in one transaction. Both include Django's start-up, like every step: the database's own limit.",
    "",
]


def _copy_cells(r: SizeResult) -> list[str]:
    return [
        _cell(r, COPY_TO, "wall_s", 2), _cell(r, COPY_TO, "rows_per_s", 0), _cell(r, COPY_TO, "file_bytes", 2, MB),
        _cell(r, COPY_FROM, "wall_s", 2), _cell(r, COPY_FROM, "inserted_rows_per_s", 0),
        _cell(r, COPY_FROM, "peak_rss_bytes", 1, MB),
    ]


def _ratios(runs: list[SizeResult], data: Results) -> list[str]:
    rows, copy = [], has_copy(runs)
    for r in runs:
        load_rate, load_at = loaddata_reference(runs, r.rows)
        at = "" if load_at == r.rows or load_at is None else f" (at {load_at:,})"
        rows.append([
            f"{r.rows:,}", _num(r.median(EXPORT_CLI, "rows_per_s"), 0), _num(r.median(DUMPDATA, "rows_per_s"), 0),
            _times(export_ratio(r)), *(_num(r.median(op, "inserted_rows_per_s"), 0) for op in RESTORES),
            _num(load_rate, 0) + at, *(_times(restore_ratio(runs, r, op)) for op in RESTORES),
        ] + ([_times(export_vs_copy(r)), _times(restore_vs_copy(r))] if copy else []))
    head = [
        "rows", "export rows/s", "dumpdata rows/s", "export ×", "restore ins. rows/s", "into empty ins. rows/s",
        "loaddata rows/s", "restore ×", "into empty ×",
    ] + (["export ÷ COPY TO", "restore ÷ COPY FROM"] if copy else [])
    return ["### Ours vs baselines (same run, same data)", "", *_table(head, rows), *_marginal(runs)]


def _marginal(runs: list[SizeResult]) -> list[str]:
    """Per-row cost from the slope of wall time vs rows: start-up time drops out."""
    export, dump = _slope(runs, EXPORT_CLI, "rows"), _slope(runs, DUMPDATA, "rows")
    restore, load = _slope(runs, RESTORE_REPLACE, "inserted_rows"), _slope(runs, LOADDATA, "inserted_rows")
    if not all((export, dump, restore, load)):
        return [""]
    return [
        "",
        f"Marginal cost (least-squares slope of wall s vs rows, start-up excluded): export {1 / export:,.0f} rows/s vs "
        f"dumpdata {1 / dump:,.0f} rows/s (**{dump / export:.1f}×**); restore {1 / restore:,.0f} inserted rows/s vs "
        f"loaddata {1 / load:,.0f} (**{load / restore:.1f}×**).{_marginal_copy(runs, export, restore)}",
        "",
    ]


def _marginal_copy(runs: list[SizeResult], export: float, restore: float) -> str:
    copy_to, copy_from = _slope(runs, COPY_TO, "rows"), _slope(runs, COPY_FROM, "inserted_rows")
    if not (copy_to and copy_from):
        return ""
    return (
        f" COPY TO + zstd {1 / copy_to:,.0f} rows/s (export reaches **{copy_to / export:.2f}×** of it); "
        f"COPY FROM {1 / copy_from:,.0f} rows/s (restore reaches **{copy_from / restore:.2f}×**)."
    )


def _slope(runs: list[SizeResult], op: Step, x_key: str) -> float | None:
    pts = points(runs, op, x_key, "wall_s")
    if len({x for x, _ in pts}) < 2:
        return None
    line = linear_fit(pts)
    return line.per_row if line and line.per_row > 0 else None


def _targets(data: Results) -> list[str]:
    lines = ["## Where we stand against the targets (measured, never asserted)", ""]
    for engine in data.engines():
        runs = [r for r in data.runs_of(engine) if r.summary]
        if not runs:
            continue
        big = runs[-1]
        need = TARGETS["restore_vs_loaddata"].get(engine, 20)
        load_rate, load_at = loaddata_reference(runs, big.rows)
        low, high = runs[0].median(EXPORT_CLI, "peak_rss_bytes"), big.median(EXPORT_CLI, "peak_rss_bytes")
        growth = (high - low) / MB if low and high else None
        lines += [
            f"- **{engine}** at {big.rows:,} rows: export {_times(export_ratio(big))} dumpdata's rows/s "
            f"(target ≥ {TARGETS['export_vs_dumpdata']}×); restore {_times(restore_ratio(runs, big, RESTORE_REPLACE))} "
            f"loaddata's inserted rows/s{f' (loaddata measured at {load_at:,})' if load_at and load_at != big.rows else ''} "
            f"(target ≥ {need}×); export peak RSS {_num(low and low / MB, 1)} MB at {runs[0].rows:,} → "
            f"{_num(high and high / MB, 1)} MB at {big.rows:,} (growth {_num(growth, 1)} MB; target ≤ "
            f"{TARGETS['export_rss_flat_mb']} MB from 10,000 to 1,000,000 rows); restore peak RSS "
            f"{_num(_mb(runs[0].median(RESTORE_REPLACE, 'peak_rss_bytes')), 1)} → "
            f"{_num(_mb(big.median(RESTORE_REPLACE, 'peak_rss_bytes')), 1)} MB." + (_against_copy(big) if has_copy(runs) else ""),
        ]
    return lines + [""]


def _against_copy(big: SizeResult) -> str:
    return (
        f" Against PostgreSQL's own limit: export {_times(export_vs_copy(big))} `COPY TO` + zstd's rows/s "
        f"(target ≥ {TARGETS['export_vs_copy_to']}×), restore {_times(restore_vs_copy(big))} `COPY FROM`'s "
        f"(target ≥ {TARGETS['restore_vs_copy_from']}×)."
    )


def _charts() -> list[str]:
    return ["## Charts", "", *(f"![{name[:-4]}]({name})" for name in CHARTS), ""]


def _problems(data: Results) -> list[str]:
    lines = []
    for run in data.runs:
        for op, reason in run.skipped.items():
            lines.append(f"- {run.db} {run.rows:,}: {op} skipped: {reason}")
        for error in run.errors:
            lines.append(f"- {run.db} {run.rows:,}: {error.op} rep {error.rep} failed: {error.error}")
    lines += [f"- {note}" for note in data.notes]
    return ["## Skipped steps, errors and notes", "", *(lines or ["None."]), ""]


def _engine_name(engine: str, data: Results) -> str:
    version = data.machine.get("sqlite" if engine == "sqlite" else "postgresql")
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


def _cell(run: SizeResult, op: Step, key: str, digits: int, scale: float = 1) -> str:
    if op.name in run.skipped:
        return "not run"
    s = run.figure(op, key)
    if s.median is None:
        return "—"
    text = _num(s.median / scale, digits)
    if s.n > 1 and s.min != s.max:
        text += f" ({_num(s.min / scale, digits)}–{_num(s.max / scale, digits)})"
    return text


def _num(value: float | None, digits: int) -> str:
    return "—" if value is None else f"{value:,.{digits}f}"


def _int(value: float | None) -> str:
    return "—" if value is None else f"{round(value):,}"


def _pct(value: float | None) -> str:
    return "—" if value is None else f"{value:.0%}"


def _mb(value: float | None) -> float | None:
    return None if value is None else value / MB
