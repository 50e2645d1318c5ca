"""Ours as a multiple of the baselines (``dumpdata``, ``loaddata``) and as a fraction of the
database's own limits (PostgreSQL ``COPY``), size by size, same run and same data."""

from __future__ import annotations

from .measurements import SizeResult
from .steps import COPY_FROM, COPY_TO, DUMPDATA, EXPORT_CLI, LOADDATA, RESTORE_REPLACE, Step

TARGETS = {
    "export_vs_dumpdata": 10,
    "restore_vs_loaddata": {"sqlite": 20, "postgres": 50},
    "export_rss_flat_mb": 30,
    "export_vs_copy_to": 0.7,
    "restore_vs_copy_from": 0.4,
}


def export_ratio(run: SizeResult) -> float | None:
    """Export rows/s ÷ ``dumpdata`` rows/s."""
    return _ratio(run.median(EXPORT_CLI, "rows_per_s"), run.median(DUMPDATA, "rows_per_s"))


def loaddata_reference(runs: list[SizeResult], rows: int) -> tuple[float | None, int | None]:
    """loaddata's inserted rows/s at this size, or at the largest smaller size it ran."""
    measured = [r for r in runs if r.rows <= rows and r.median(LOADDATA, "inserted_rows_per_s")]
    if not measured:
        return None, None
    ref = measured[-1]
    return ref.median(LOADDATA, "inserted_rows_per_s"), ref.rows


def restore_ratio(runs: list[SizeResult], run: SizeResult, op: Step) -> float | None:
    """Restore inserted rows/s ÷ ``loaddata`` inserted rows/s."""
    return _ratio(run.median(op, "inserted_rows_per_s"), loaddata_reference(runs, run.rows)[0])


def export_vs_copy(run: SizeResult) -> float | None:
    """Export rows/s ÷ ``COPY (SELECT …) TO STDOUT`` + zstd rows/s: the share of the limit we reach."""
    return _ratio(run.median(EXPORT_CLI, "rows_per_s"), run.median(COPY_TO, "rows_per_s"))


def restore_vs_copy(run: SizeResult, op: Step = RESTORE_REPLACE) -> float | None:
    """Restore inserted rows/s ÷ ``COPY … FROM STDIN`` rows/s."""
    return _ratio(run.median(op, "inserted_rows_per_s"), run.median(COPY_FROM, "inserted_rows_per_s"))


def has_copy(runs: list[SizeResult]) -> bool:
    return any(run.summary.get(COPY_TO.name) or run.summary.get(COPY_FROM.name) for run in runs)


def _ratio(ours: float | None, theirs: float | None) -> float | None:
    return ours / theirs if ours and theirs else None
