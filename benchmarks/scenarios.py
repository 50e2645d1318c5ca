"""The measured steps for one database and one tenant size, each in its own process.

``SizeRun`` holds what the steps share (database, files, the empty tenant's reset file);
every ``measure_*`` function runs one repetition and returns a flat dict of figures (the
metrics its step declares in ``steps``).
"""

from __future__ import annotations

import shutil
from dataclasses import dataclass, field
from pathlib import Path

import orjson

from . import procs
from .databases import Database
from .files import BackupContent, backup_content
from .http_export import measure_download
from .measurements import Dataset
from .pg_copy import read_manifest
from .site import ERP_APPS, REPO, Site
from .stats import MB, rate

BENCH_SLUG = "bench"
EMPTY_SLUG = "empty"
BENCH_PASSWORD = "bench-pass-1234"
BITACORA = "personal_admin.bitacora"
TABLE_PREFIXES = (*(f"{app}_" for app in ERP_APPS), "auth_user")
COPY_SCHEMA = "bench_copy"  # the empty copies of the tables COPY FROM loads into


@dataclass
class SizeRun:
    engine: str
    rows: int
    db: Database
    template: Database
    scratch: Database  # the fresh database each loaddata repetition loads into
    work: Path
    logs: Path
    timeout: float
    dataset: Dataset = field(default_factory=Dataset)

    @property
    def site(self) -> Site:
        return Site(self.db.url, self.work / "media")

    @property
    def backup(self) -> Path:
        return self.work / "bench.ndjson.zst"

    @property
    def empty_backup(self) -> Path:
        return self.work / "empty.ndjson.zst"

    @property
    def fixture(self) -> Path:
        return self.work / "dumpdata.json"

    @property
    def copy_files(self) -> Path:
        return self.work / "copy-1"

    def manage(self, step: str, *args: str, site: Site | None = None) -> procs.ProcessCost:
        site = site or self.site
        return procs.run(site.manage(*args), env=site.env(), cwd=REPO, log_stem=self.logs / step, timeout=self.timeout)

    def module(self, step: str, name: str, *args: str) -> procs.ProcessCost:
        """``python -m name args`` with the project's settings, like ``manage``."""
        site = self.site
        return procs.run(site.module(name, *args), env=site.env(), cwd=REPO, log_stem=self.logs / step, timeout=self.timeout)

    def stdout(self, step: str) -> bytes:
        return (self.logs / f"{step}.out").read_bytes()


def prepare(run: SizeRun) -> dict:
    """A fresh migrated database with tenant ``bench`` of ``rows`` rows and a tiny ``empty`` one."""
    run.work.mkdir(parents=True, exist_ok=True)
    run.db.create_from(run.template)
    seed = run.manage(
        "seed-bench", "seed_tenant", BENCH_SLUG, "--rows", str(run.rows), "--seed", "1",
        "--password", BENCH_PASSWORD, "--no-progress",
    )
    run.manage("seed-empty", "seed_tenant", EMPTY_SLUG, "--rows", "1", "--seed", "2", "--password", BENCH_PASSWORD, "--no-progress")
    run.manage("backup-empty", "backup_tenant", EMPTY_SLUG, "-o", str(run.empty_backup), "--no-progress")
    tables = run.db.table_rows(TABLE_PREFIXES)
    run.dataset.seed_rows, run.dataset.table_rows, run.dataset.dumped_rows = run.rows, tables, sum(tables.values())
    return {**seed.as_dict(), "rows": run.rows, "rows_per_s": rate(run.rows, seed.wall_s)}


def measure_export_cli(run: SizeRun, rep: int) -> dict:
    target = run.work / f"export-{rep}.ndjson.zst"
    cost = run.manage(f"export_cli-{rep}", "backup_tenant", BENCH_SLUG, "-o", str(target), "--no-progress")
    content = backup_content(target)
    if not run.dataset.sections:
        _describe_backup(run, content)
    file_bytes = target.stat().st_size
    _keep_first(target, run.backup, rep)
    return _io_figures(cost.as_dict(), content.rows, file_bytes) | {
        "uncompressed_bytes": content.uncompressed_bytes,
        "compression_ratio": rate(content.uncompressed_bytes, file_bytes),
    }


def _describe_backup(run: SizeRun, content: BackupContent) -> None:
    audit = content.sections.get(BITACORA, 0)
    run.dataset.exported_rows = content.rows
    run.dataset.bitacora_rows = audit
    run.dataset.bitacora_share = audit / content.rows if content.rows else None
    run.dataset.sections = content.sections


def measure_verify(run: SizeRun, rep: int) -> dict:
    cost = run.manage(f"verify-{rep}", "verify_backup", str(run.backup))
    return _io_figures(cost.as_dict(), run.dataset.exported_rows, run.backup.stat().st_size)


def measure_export_http(run: SizeRun, rep: int) -> dict:
    target = run.work / f"http-{rep}.ndjson.zst"
    download, server = measure_download(
        run.site, password=BENCH_PASSWORD, target=target, log_stem=run.logs / f"export_http-{rep}"
    )
    rows = backup_content(target).rows
    target.unlink()
    figures = _io_figures({"wall_s": download.client_wall_s}, rows, download.bytes)
    return figures | {
        "cpu_s": download.server_cpu_s,
        "first_byte_s": download.first_byte_s,
        "peak_rss_bytes": server.peak_rss_bytes,
        "server_rss_before_bytes": download.server_rss_before_bytes,
        "server_sampled_peak_rss_bytes": download.server_sampled_peak_rss_bytes,
        "server_tree_sampled_peak_rss_bytes": download.server_tree_sampled_peak_rss_bytes,
        "server_lifetime_s": server.wall_s,
    }


def measure_dumpdata(run: SizeRun, rep: int) -> dict:
    target = run.work / f"dumpdata-{rep}.json"
    cost = run.manage(f"dumpdata-{rep}", "dumpdata", *ERP_APPS, "auth.user", "-o", str(target))
    file_bytes = target.stat().st_size
    _keep_first(target, run.fixture, rep)
    return _io_figures(cost.as_dict(), run.dataset.dumped_rows, file_bytes)


def measure_restore_replace(run: SizeRun, rep: int) -> dict:
    step = f"restore_replace-{rep}"
    cost = run.manage(step, "restore_tenant", BENCH_SLUG, str(run.backup), "--replace", "--no-progress")
    return _restore_figures(cost, orjson.loads(run.stdout(step)))


def measure_restore_empty(run: SizeRun, rep: int) -> dict:
    """Into tenant ``empty``, emptied first (unmeasured) by restoring its own tiny backup."""
    run.manage(f"reset-empty-{rep}", "restore_tenant", EMPTY_SLUG, str(run.empty_backup), "--replace", "--no-progress")
    step = f"restore_empty-{rep}"
    cost = run.manage(
        step, "restore_tenant", EMPTY_SLUG, str(run.backup), "--replace", "--allow-other-tenant", "--no-progress"
    )
    return _restore_figures(cost, orjson.loads(run.stdout(step)))


def measure_loaddata(run: SizeRun, rep: int) -> dict:
    """``loaddata`` of the ``dumpdata`` fixture into a fresh migrated database."""
    run.scratch.create_from(run.template)
    try:
        site = Site(run.scratch.url, run.work / "media-load")
        cost = run.manage(f"loaddata-{rep}", "loaddata", str(run.fixture), site=site)
        loaded = sum(run.scratch.table_rows(TABLE_PREFIXES).values())
    finally:
        run.scratch.drop()
    figures = _io_figures(cost.as_dict(), loaded, run.fixture.stat().st_size)
    return figures | {"inserted_rows": loaded, "inserted_rows_per_s": rate(loaded, cost.wall_s)}


def measure_copy_to(run: SizeRun, rep: int) -> dict:
    """PostgreSQL ``COPY (SELECT …) TO STDOUT`` of the tenant's rows through zstd level 3."""
    _postgres_only(run)
    folder, step = run.work / f"copy-{rep}", f"copy_to-{rep}"
    cost = run.module(step, "benchmarks.pg_copy", "to", str(folder))
    figures = orjson.loads(run.stdout(step))
    if rep > 1:  # the first repetition's files feed copy_from
        shutil.rmtree(folder)
    return _io_figures(cost.as_dict(), figures["rows"], figures["file_bytes"])


def measure_copy_from(run: SizeRun, rep: int) -> dict:
    """``COPY … FROM STDIN`` of the ``copy_to`` files into empty copies of the tables; rows counted after."""
    _postgres_only(run)
    tables = [t["table"] for t in read_manifest(run.copy_files)]
    run.db.copy_tables(COPY_SCHEMA, tables)
    try:
        step = f"copy_from-{rep}"
        cost = run.module(step, "benchmarks.pg_copy", "from", str(run.copy_files), COPY_SCHEMA)
        inserted = orjson.loads(run.stdout(step))["inserted_rows"]
        counted = sum(run.db.table_rows(tuple(tables), schema=COPY_SCHEMA).values())
    finally:
        run.db.drop_schema(COPY_SCHEMA)
    if counted != inserted:
        raise procs.StepFailed(f"COPY FROM reported {inserted:,} rows, the tables hold {counted:,}")
    file_bytes = sum(path.stat().st_size for path in run.copy_files.glob("*.zst"))
    figures = _io_figures(cost.as_dict(), inserted, file_bytes)
    return figures | {"inserted_rows": inserted, "inserted_rows_per_s": rate(inserted, cost.wall_s)}


def _postgres_only(run: SizeRun) -> None:
    if run.engine != "postgres":
        raise ValueError(f"COPY is PostgreSQL's; this run is on {run.engine}")


def _keep_first(written: Path, keep_as: Path, rep: int) -> None:
    """The first repetition's file feeds the later steps; the others only cost disk."""
    if rep == 1:
        written.replace(keep_as)
    else:
        written.unlink()


def _io_figures(cost: dict, rows: int | None, file_bytes: int) -> dict:
    return cost | {
        "rows": rows,
        "file_bytes": file_bytes,
        "rows_per_s": rate(rows, cost["wall_s"]),
        "mb_per_s": rate(file_bytes / MB, cost["wall_s"]),
    }


def _restore_figures(cost: procs.ProcessCost, summary: dict) -> dict:
    sections = summary["sections"].values()
    created = sum(s["created"] for s in sections)
    return cost.as_dict() | {
        "rows": summary["rows"],
        "inserted_rows": created,
        "skipped_rows": sum(s["skipped"] for s in sections),
        "deleted_rows": sum(summary.get("deleted", {}).values()),
        "rows_per_s": rate(summary["rows"], cost.wall_s),
        "inserted_rows_per_s": rate(created, cost.wall_s),
    }

