"""The registry of measured steps: each declared once, everything else derives from here.

A step has a name (its key in ``results.json``), a label (charts), how it runs (a
``measure`` function from ``scenarios``, one repetition in its own process), the figures it
reports, and the chart it is drawn on. ``STEPS`` is also the order a run measures them in:
later steps use the files the earlier ones wrote (the backup, the ``dumpdata`` fixture).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from . import job_scenarios, scenarios

if TYPE_CHECKING:
    from .scenarios import SizeRun

PROCESS = ("wall_s", "cpu_s", "user_s", "sys_s", "peak_rss_bytes", "returncode")
FILE_IO = ("rows", "file_bytes", "rows_per_s", "mb_per_s")
RESTORED = ("rows", "inserted_rows", "skipped_rows", "deleted_rows", "rows_per_s", "inserted_rows_per_s")
EXPORT_CHART, RESTORE_CHART = "export", "restore"
ENGINES = ("sqlite", "postgres")


@dataclass(frozen=True, slots=True)
class Step:
    name: str
    label: str
    measure: Callable[[SizeRun, int], dict]
    metrics: tuple[str, ...]
    chart: str | None = None  # EXPORT_CHART, RESTORE_CHART, or not charted
    style: str = "o-"  # matplotlib format of its series
    capped: bool = False  # runs only up to --loaddata-max-rows
    engines: tuple[str, ...] = ENGINES  # the databases it runs on (others leave it out, not skipped)

    def runs_on(self, engine: str) -> bool:
        return engine in self.engines


EXPORT_CLI = Step(
    "export_cli", "backup_tenant (CLI)", scenarios.measure_export_cli,
    (*PROCESS, *FILE_IO, "uncompressed_bytes", "compression_ratio"), EXPORT_CHART, "o-",
)
VERIFY = Step("verify", "verify_backup", scenarios.measure_verify, (*PROCESS, *FILE_IO))
EXPORT_HTTP = Step(
    "export_http", "GET /api/backup/ (HTTP)", scenarios.measure_export_http,
    (
        "wall_s", *FILE_IO, "cpu_s", "first_byte_s", "peak_rss_bytes", "server_rss_before_bytes",
        "server_sampled_peak_rss_bytes", "server_tree_sampled_peak_rss_bytes", "server_lifetime_s",
    ),
    EXPORT_CHART, "s--",
)
DUMPDATA = Step("dumpdata", "dumpdata (baseline)", scenarios.measure_dumpdata, (*PROCESS, *FILE_IO), EXPORT_CHART, "^:")
RESTORE_REPLACE = Step(
    "restore_replace", "restore --replace (same tenant)", scenarios.measure_restore_replace, (*PROCESS, *RESTORED),
    RESTORE_CHART, "o-",
)
RESTORE_EMPTY = Step(
    "restore_empty", "restore into empty tenant", scenarios.measure_restore_empty, (*PROCESS, *RESTORED),
    RESTORE_CHART, "s--",
)
LOADDATA = Step(
    "loaddata", "loaddata (baseline)", scenarios.measure_loaddata,
    (*PROCESS, *FILE_IO, "inserted_rows", "inserted_rows_per_s"), RESTORE_CHART, "^:", capped=True,
)
COPY_TO = Step(
    "copy_to", "COPY TO + zstd 3 (PostgreSQL's limit)", scenarios.measure_copy_to, (*PROCESS, *FILE_IO),
    EXPORT_CHART, "v-.", engines=("postgres",),
)
COPY_FROM = Step(
    "copy_from", "COPY FROM (PostgreSQL's limit)", scenarios.measure_copy_from,
    (*PROCESS, *FILE_IO, "inserted_rows", "inserted_rows_per_s"), RESTORE_CHART, "v-.", engines=("postgres",),
)

# The job path (enqueue -> db_worker -> stored archive) against the direct path, both measured
# in the same repetition; wall_s is the job's (enqueue -> finished), peak_rss_bytes the worker's.
JOB_FIGURES = (
    "wall_s", "direct_s", "enqueue_s", "pickup_s", "first_progress_s", "machinery_s",
    "overhead_pct", "overhead_in_worker_pct", "overhead_with_checks_pct", "rows", "file_bytes",
    "peak_rss_bytes", "worker_sampled_peak_rss_bytes", "worker_rss_before_bytes", "worker_cpu_s", "job_first",
    "direct_cpu_s", "check_cpu_s", "job_cpu_s", "machinery_cpu_s", "overhead_cpu_pct",
)
JOB_BACKUP = Step(
    "job_backup", "backup job (stored + verified) vs direct export", job_scenarios.measure_job_backup,
    (*JOB_FIGURES, "verify_s", "write_s", "prepare_s", "direct_file_bytes"),
)
JOB_RESTORE = Step(
    "job_restore", "restore job (from the archive) vs direct restore", job_scenarios.measure_job_restore,
    (*JOB_FIGURES, "sha256_s", "inserted_rows"),
)

STEPS = (
    EXPORT_CLI, VERIFY, EXPORT_HTTP, DUMPDATA, COPY_TO, RESTORE_REPLACE, RESTORE_EMPTY, LOADDATA, COPY_FROM,
    JOB_BACKUP, JOB_RESTORE,
)
BY_NAME = {step.name: step for step in STEPS}
RESTORES = (RESTORE_REPLACE, RESTORE_EMPTY)


def on(engine: str, names: tuple[str, ...] | None = None) -> tuple[Step, ...]:
    """The steps (of ``names``, default all) that run on ``engine``, in measuring order."""
    return tuple(step for step in STEPS if step.runs_on(engine) and (names is None or step.name in names))


def charted(chart: str) -> tuple[Step, ...]:
    return tuple(step for step in STEPS if step.chart == chart)
