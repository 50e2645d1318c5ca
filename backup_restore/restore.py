"""Streaming restore: a backup file into one tenant, in one transaction, in bounded memory.

The file is read twice. The first pass checks everything that can be checked without
writing (format, framing, counts, digest, which tenant it came from, sections and fields
known, the ids of the rows of sections that are not restored); the second passes the rows of
those sections over unparsed (``verified``: it reads the server's own copy that the first pass
checked) and converts each other row through the plan's allow-list of fields, remaps every
foreign key through an old->new id map built from this file only, and inserts in batches
(``writes/``: ``COPY`` on PostgreSQL, ``executemany`` on SQLite, ``bulk_create`` otherwise).
A reference to a row that is not in the file is an error, never a link to an existing row:
that is what keeps a crafted file from reaching another tenant.

Any error rolls the whole transaction back; the audit entry is written after it ends.
"""

from __future__ import annotations

import logging
import os
import time
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass, field
from typing import Any, BinaryIO

from django.apps import apps
from django.db import (
    DEFAULT_DB_ALIAS,
    DatabaseError,
    DataError,
    IntegrityError,
    OperationalError,
    connections,
    transaction,
)

from django.utils.translation import gettext, gettext_lazy as _

from streaming import Header, Row, Section, SectionEnd, iter_records
from streaming.errors import shorten

from .audit import audit_record
from .conf import backup_settings, reader_limits
from .errors import BackupError, DatabaseBusy, RejectedByDatabase, RestoreFailed, WrongTenant
from .locks import claim_writer, is_busy, tenant_restore_lock
from .references import References
from .registry import BackupPlan, ModelPlan, get_plan
from .sections import IdOrder, SectionLoader

logger = logging.getLogger("backup_restore")

Progress = Callable[..., None]  # (phase: "checking" | "restoring", rows so far, total=None)


@dataclass
class SectionCounts:
    created: int = 0
    matched: int = 0
    skipped: int = 0


@dataclass
class RestoreSummary:
    mode: str
    dry_run: bool
    sections: dict[str, SectionCounts] = field(default_factory=dict)
    deleted: dict[str, int] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)
    rows: int = 0

    def to_dict(self) -> dict[str, Any]:
        return {"ok": True, **asdict(self)}


def tenant_restore(
    *,
    tenant,
    fileobj: BinaryIO,
    replace: bool = False,
    dry_run: bool = False,
    user=None,
    ip: str | None = None,
    allow_other_tenant: bool = False,
    progress: Progress | None = None,
    using: str = DEFAULT_DB_ALIAS,
) -> RestoreSummary:
    """Restore the backup in ``fileobj`` (seekable) into ``tenant``; all or nothing.

    ``replace`` deletes the tenant's restorable data first (never the audit log, never
    users); otherwise rows matching an existing one by natural key are reused (merge).
    ``dry_run`` does all the work and rolls it back. ``progress(phase, rows)`` is called every
    ``PROGRESS_ROWS`` rows of the checking pass and of the restoring pass, and with the
    file's row count as ``total`` when the restoring pass starts.
    """
    summary = RestoreSummary(mode="replace" if replace else "merge", dry_run=dry_run)
    started = time.monotonic()
    size = _size(fileobj)
    failure: BackupError | None = None
    try:
        with transaction.atomic(using=using), tenant_restore_lock(tenant, using):
            plan = get_plan()
            present, rows = _preflight(fileobj, tenant, plan, allow_other_tenant, progress)
            if progress:
                progress("restoring", 0, total=rows)
            fileobj.seek(0)
            _Restore(tenant, plan, summary, replace=replace, using=using, progress=progress, present=present).run(
                iter_records(fileobj, limits=reader_limits(), skip=_not_restored(plan), verified=True)
            )
            if dry_run:
                transaction.set_rollback(True, using=using)
        return summary
    except BackupError as exc:
        failure = exc
        raise
    except Exception as exc:
        failure = _failure(exc, tenant)
        raise failure from exc
    finally:
        _audit(tenant, user, ip, summary, failure, time.monotonic() - started, size)


def _failure(exc: Exception, tenant) -> BackupError:
    """The error a restore answers for an exception that is not a ``BackupError``."""
    if isinstance(exc, (IntegrityError, DataError)):
        # The database's own words may name rows of other shops (a foreign key of theirs that
        # points at a row this replace deletes): the log keeps them, the answer does not.
        logger.warning("restore into %s refused by the database: %s", tenant.slug, shorten(str(exc).strip(), 500))
        return RejectedByDatabase(
            _(
                "The database refused the restored data: a row would be left pointing at a row that is "
                "gone (other data, possibly outside this backup, still links to rows a replace deletes), "
                "or a unique rule failed. Nothing was changed."
            )
        )
    if isinstance(exc, OperationalError) and is_busy(exc):
        return DatabaseBusy()
    logger.exception("restore into %s failed", tenant.slug)
    return RestoreFailed(
        _("The restore failed (%(error)s) and was rolled back; nothing was changed."),
        params={"error": type(exc).__name__},
    )


def _preflight(
    fileobj: BinaryIO, tenant, plan: BackupPlan, allow_other_tenant: bool, progress
) -> tuple[set[str], int]:
    """Read the whole file once, writing nothing: every format problem surfaces here.
    Returns the models the file has a section for, and its number of rows."""
    every = backup_settings.PROGRESS_ROWS
    rows = 0
    present = set()
    skipped = _not_restored(plan)
    ids = None
    for event in iter_records(fileobj, limits=reader_limits()):
        if type(event) is Row:
            rows += 1
            if ids:
                ids.check(event.values, event.line)
            if progress and not rows % every:
                progress("checking", rows)
        elif type(event) is Section:
            SectionLoader.check_fields(plan, event)
            present.add(event.model)
            ids = IdOrder(plan, event) if skipped(event) else None
        elif type(event) is Header:
            _check_origin(event, tenant, allow_other_tenant)
    return present, rows


def _not_restored(plan: BackupPlan) -> Callable[[Section], bool]:
    """Whether a (known) section is one the restore does not write: its rows are only checked."""

    def skipped(section: Section) -> bool:
        model_plan = plan.by_label.get(section.model)
        return model_plan is not None and not model_plan.restorable

    return skipped


def _check_origin(header: Header, tenant, allow_other_tenant: bool) -> None:
    origin = header.data.get("tenant")
    if not isinstance(origin, dict) or not isinstance(origin.get("uuid"), str):
        raise WrongTenant(line=header.line)
    if origin["uuid"] != str(tenant.uuid) and not allow_other_tenant:
        raise WrongTenant(
            _("This backup belongs to another shop (%(origin)s); it cannot be restored into %(shop)s."),
            params={"origin": origin.get("name") or origin["uuid"], "shop": tenant.name},
            line=header.line,
        )


class _Restore:
    def __init__(
        self, tenant, plan: BackupPlan, summary: RestoreSummary, *, replace: bool, using: str, progress, present: set[str]
    ):
        self.present = present
        self.tenant = tenant
        self.plan = plan
        self.summary = summary
        self.replace = replace
        self.using = using
        self.progress = progress
        self.every = backup_settings.PROGRESS_ROWS
        self.references = References(tenant, plan, using)
        self.touched: list[ModelPlan] = []

    def run(self, events: Iterable) -> None:
        claim_writer(self.using)
        if self.replace:
            self._delete_existing()
        loader = None
        loaders = []
        for event in events:
            kind = type(event)
            if kind is Row:
                loader.add(event.values, event.line, event.size)
                if self.progress and not loader.rows % self.every:
                    self.progress("restoring", self.summary.rows + loader.rows)
            elif kind is Section:
                loader = SectionLoader(self.plan, event, self.references, merge=not self.replace, using=self.using)
                loaders.append(loader)
            elif kind is SectionEnd:
                if not loader.plan.restorable:
                    loader.passed_over(event.rows)
                loader.finish()
                self._count(loader)
                loader = None
        for loader in loaders:
            for deferred in loader.deferred:
                deferred.apply(self.references)
        self._check_constraints(loaders)
        self.summary.warnings = self.references.warning_lines() + [
            gettext("%(section)s: the backup has no section for it; its existing rows were kept") % {"section": p.label}
            for p in self.plan.models
            if p.restorable and p.label not in self.present
        ]

    def _count(self, loader: SectionLoader) -> None:
        self.summary.sections[loader.label] = SectionCounts(loader.created, loader.matched, loader.skipped)
        self.summary.rows += loader.rows
        if self.progress:
            self.progress("restoring", self.summary.rows)

    def _delete_existing(self) -> None:
        """Replace what the file holds: the models it has a section for (a file without one,
        e.g. older than the model, must not silently empty it). Children first:
        ``_raw_delete`` issues one DELETE per table without loading rows, and the rows that
        point to them are deleted before them, so nothing cascades."""
        for model_plan in reversed(self.plan.models):
            if model_plan.restorable and model_plan.label in self.present:
                rows = model_plan.rows_of(self.tenant).using(self.using).order_by()
                self.summary.deleted[model_plan.label] = rows._raw_delete(self.using)

    def _check_constraints(self, loaders: list[SectionLoader]) -> None:
        """Foreign keys are checked at commit on both databases; check them now, while the
        error can still be reported as this restore's, and so that a dry run (which never
        commits) gives the real run's verdict. On SQLite that means the tables this restore
        inserted into, and every table whose rows may point at a row it deleted (not the
        export-only sections, which insert nothing: the audit log of every shop is the
        largest table)."""
        connection = connections[self.using]
        with connection.cursor() as cursor:
            if connection.vendor == "postgresql":
                cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
                cursor.execute("SET CONSTRAINTS ALL DEFERRED")
            else:
                inserted = {lo.model._meta.db_table for lo in loaders if lo.model and lo.created}
                deleted = {p.model for p in self.plan.models if self.summary.deleted.get(p.label)}
                connection.check_constraints(table_names=sorted(inserted | _tables_pointing_at(deleted)))


def _tables_pointing_at(targets: set) -> set[str]:
    """The tables of every model (M2M tables included) with a foreign key to one of ``targets``."""
    if not targets:
        return set()
    return {
        model._meta.db_table
        for model in apps.get_models(include_auto_created=True)
        if any(f.related_model in targets for f in model._meta.concrete_fields if f.is_relation)
    }


def _size(fileobj: BinaryIO) -> int:
    """Bytes in the (seekable) file, for the audit entry; leaves it at the start."""
    size = fileobj.seek(0, os.SEEK_END)
    fileobj.seek(0)
    return size


def _audit(tenant, user, ip, summary: RestoreSummary, failure, seconds: float, size: int | None) -> None:
    details = {
        "event": "restore",
        "outcome": "failed" if failure else ("dry_run" if summary.dry_run else "ok"),
        "mode": summary.mode,
        "rows": summary.rows,
        "bytes": size,
        "created": sum(c.created for c in summary.sections.values()),
        "seconds": round(seconds, 3),
    }
    if failure:
        details["error"] = failure.to_dict()
    try:
        audit_record(tenant=tenant, user=user, action="restore", ip=ip, details=details)
    except DatabaseError:
        logger.exception("could not write the audit entry for the restore of %s", tenant.slug)
