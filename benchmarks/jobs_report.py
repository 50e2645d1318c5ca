"""The report's "Jobs" tables: backups and restores as jobs against the direct path."""

from __future__ import annotations

from .measurements import SizeResult
from .stats import MB
from .steps import JOB_BACKUP, JOB_RESTORE, Step

EXPLAIN = [
    "Each repetition runs both paths back to back, in an order that alternates: the direct path (the export",
    "service writing a file / `tenant_restore --replace` from the stored archive, timed inside an already",
    "started process) and the job path (enqueue → a running `manage.py db_worker --interval 1` → job row",
    "`finished_at`). *machinery* = job − direct − the archive check the job adds (verify of the stored",
    "archive after writing; its sha256 before restoring; both timed apart with the job's own code), in s and",
    "as % of the direct path's time; *in worker* leaves out the wait for the worker's next look at the",
    "queue (*pickup*, up to `--interval`). *first progress*: enqueue → the first phase/rows change of the job",
    "row. *worker peak RSS*: `ru_maxrss` of the worker process (idle, then one job) from `os.wait4`.",
    "*CPU*: the same comparison in CPU seconds, which other work on the machine does not inflate: the probe's",
    "CPU for the direct path, the worker's CPU after start-up for the job; *machinery %* = (job − direct −",
    "check) / direct. On PostgreSQL the server's own CPU (the same queries on both paths) is in neither.",
    "",
]


def jobs_section(runs: list[SizeResult], cell, table) -> list[str]:
    """Empty when the run measured no job step; ``cell(run, step, key, digits, scale=1)`` formats a
    spread and ``table(head, rows)`` a markdown table (report.py's)."""
    runs = [r for r in runs if JOB_BACKUP.name in r.measurements or JOB_RESTORE.name in r.measurements]
    if not runs:
        return []
    lines = ["### Jobs (backup and restore as jobs, against the direct path)", "", *EXPLAIN]
    lines += table(*_rows(runs, cell, JOB_BACKUP, "direct export s", "backup job s", ("verify_s", "verify s")))
    lines += table(*_rows(runs, cell, JOB_RESTORE, "direct restore s", "restore job s", ("sha256_s", "sha256 s")))
    return lines


def _rows(runs: list[SizeResult], cell, step: Step, direct: str, job: str, check: tuple[str, str]):
    key, label = check
    head = [
        "rows", direct, job, label, "machinery s", "machinery %", "in worker %", "with check %",
        "CPU: direct s", "job s", "machinery %", "pickup s", "first progress s", "worker peak RSS MB",
        "idle worker RSS MB",
    ]
    rows = [
        [
            f"{r.rows:,}", cell(r, step, "direct_s", 2), cell(r, step, "wall_s", 2), cell(r, step, key, 3),
            cell(r, step, "machinery_s", 2), cell(r, step, "overhead_pct", 1), cell(r, step, "overhead_in_worker_pct", 1),
            cell(r, step, "overhead_with_checks_pct", 1), cell(r, step, "direct_cpu_s", 2), cell(r, step, "job_cpu_s", 2),
            cell(r, step, "overhead_cpu_pct", 1), cell(r, step, "pickup_s", 2),
            cell(r, step, "first_progress_s", 2), cell(r, step, "peak_rss_bytes", 1, MB),
            cell(r, step, "worker_rss_before_bytes", 1, MB),
        ]
        for r in runs
    ]
    return head, rows
