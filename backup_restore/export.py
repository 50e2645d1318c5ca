"""Streaming export: a tenant's backup as byte chunks, in flat memory.

Rows come from the ``values_list(...)`` query run on a database cursor (server-side on
PostgreSQL; see ``export_read``) inside one read-only snapshot, are encoded and compressed by
``streaming.BackupWriter``, and leave as chunks. The generator owns its transaction: it is opened on the first chunk and closed in
``finally`` when the stream ends or the client goes away (``StreamingHttpResponse.close()``).
"""

from __future__ import annotations

import decimal
import logging
from collections.abc import Callable, Iterable, Iterator
from contextlib import closing
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import django
from django.db import DEFAULT_DB_ALIAS, DataError, connections

from streaming import BackupError, BackupWriter, Container, header_record

from .audit import audit_record
from .conf import backup_settings, reader_limits
from .export_links import OutsideLinks
from .export_read import read_rows
from .export_values import json_fixes, refuse, unreadable_value, value_checks
from .registry import BackupPlan, FieldKind, FieldPlan, ModelPlan, get_plan, natural_key_index
from .snapshot import read_snapshot
from .values import ValueProblem

logger = logging.getLogger("backup_restore")


@dataclass
class BackupStats:
    """Filled in while the stream runs; read by progress displays and the audit entry."""

    container: str
    rows: int = 0
    bytes: int = 0
    section: str | None = None
    outcome: str = "started"  # then "ok", "incomplete" (client left) or "failed"
    error: str | None = None
    code: str | None = None  # the error's code, when it has one
    warnings: list[str] = field(default_factory=list)  # links to another shop left empty
    started: datetime = field(default_factory=lambda: datetime.now(UTC))


def backup_filename(tenant, container: str, when: datetime | None = None) -> str:
    stamp = (when or datetime.now(UTC)).strftime("%Y%m%dT%H%M%SZ")
    return f"backup_{tenant.slug}_{stamp}{Container(container).extension}"


def tenant_backup_stream(
    *,
    tenant,
    container: str = Container.NDJSON_ZST,
    user=None,
    ip: str | None = None,
    stats: BackupStats | None = None,
    using: str = DEFAULT_DB_ALIAS,
) -> Iterator[bytes]:
    """The tenant's backup as byte chunks; every attempt ends with an audit entry.

    A failure after the first chunk ends the stream without an ``end`` record, so the
    partial file is detectably incomplete, and is re-raised for the server to log. A stream
    closed before its first chunk (the client left at once) is audited as ``incomplete`` too.
    """
    stats = stats or BackupStats(container=container)
    return _AuditedChunks(_stream(tenant, container, user, ip, stats, using), tenant, user, ip, stats)


class _AuditedChunks:
    """The stream's generator, audited even if it is closed before it ever started: a
    generator that never ran its first step runs no ``finally`` when closed."""

    def __init__(self, chunks: Iterator[bytes], tenant, user, ip: str | None, stats: BackupStats) -> None:
        self._chunks, self._started = chunks, False
        self._audit = (tenant, user, ip, stats)

    def __iter__(self) -> Iterator[bytes]:
        return self

    def __next__(self) -> bytes:
        self._started = True
        return next(self._chunks)

    def close(self) -> None:
        self._chunks.close()
        if not self._started:
            self._started = True
            tenant, user, ip, stats = self._audit
            stats.outcome = "incomplete"
            _audit(tenant, user, ip, stats)


def _stream(tenant, container: str, user, ip: str | None, stats: BackupStats, using: str) -> Iterator[bytes]:
    try:
        # closing(): the snapshot transaction must end before the audit entry is written.
        with closing(_export(tenant, Container(container), stats, using)) as chunks:
            for chunk in chunks:
                stats.bytes += len(chunk)
                yield chunk
        stats.outcome = "ok"
    except GeneratorExit:
        stats.outcome = "incomplete"
        logger.warning("backup of %s stopped by the client after %s bytes", tenant.slug, stats.bytes)
        raise
    except BackupError as exc:
        stats.outcome, stats.code, stats.error = "failed", str(exc.code), exc.message
        logger.error("backup of %s failed after %s bytes: %s", tenant.slug, stats.bytes, exc)
        raise
    except Exception as exc:
        stats.outcome, stats.code, stats.error = "failed", "export_failed", f"{type(exc).__name__}: {exc}"
        logger.exception("backup of %s failed after %s bytes", tenant.slug, stats.bytes)
        raise
    finally:
        _audit(tenant, user, ip, stats)


def _export(tenant, container: Container, stats: BackupStats, using: str) -> Iterator[bytes]:
    plan = get_plan()
    writer = BackupWriter(
        container=container,
        chunk_size=backup_settings.EXPORT_CHUNK_BYTES,
        level=backup_settings.ZSTD_LEVEL,
        threads=backup_settings.ZSTD_THREADS,
        limits=reader_limits(),  # write nothing the restore would refuse to read
    )
    links = OutsideLinks(tenant, plan, using)
    try:
        with read_snapshot(using):
            yield from writer.header(_header(tenant, plan, using))
            for model_plan in plan.models:
                stats.section = model_plan.label
                rows = _rows(model_plan, tenant, using, links)
                for chunk in writer.section(model_plan.label, model_plan.field_names, rows):
                    stats.rows = writer.stats.rows
                    yield chunk
            stats.section = None
            yield from writer.finish()
            stats.rows = writer.stats.rows
    except (DataError, decimal.InvalidOperation) as exc:
        if stats.section is None:
            raise
        # Outside the snapshot: the failed transaction has ended, the culprit can be looked up.
        raise unreadable_value(plan.by_label[stats.section], tenant, using, exc) from exc
    finally:
        stats.warnings = links.warnings()
        links.log()


def _header(tenant, plan: BackupPlan, using: str) -> dict:
    return header_record(
        datetime.now(UTC),
        tenant={"uuid": str(tenant.uuid), "slug": tenant.slug, "name": tenant.name},
        source={"app": "taller-backup", "django": django.get_version(), "database": connections[using].vendor},
        schema={p.label: _schema(p) for p in plan.models},
    )


def _schema(plan: ModelPlan) -> dict:
    """Field names and how each travels, so a reader needs no access to our models."""
    types = {}
    for f in plan.fields:
        match f.kind:
            case FieldKind.REF | FieldKind.CATALOG:
                types[f.name] = f"{f.kind}:{f.target}"
            case FieldKind.VALUE:
                types[f.name] = f.field.get_internal_type()
            case _:
                types[f.name] = str(f.kind)
    return {"fields": plan.field_names, "types": types, "restorable": plan.restorable}


def _rows(plan: ModelPlan, tenant, using: str, links: OutsideLinks) -> Iterator[tuple]:
    """The section's rows as written: values checked, links to other rows and users made safe.

    The database cursor is closed here, at once, when a row fails: left to the garbage
    collector, a PostgreSQL server-side cursor would be closed later, after its transaction,
    and that error would break whatever the connection is doing then.
    """
    queryset = plan.rows_of(tenant).using(using).values_list(*(f.field.attname for f in plan.fields))
    with closing(read_rows(queryset, using)) as read:
        rows: Iterable[tuple] = read
        if checks := value_checks(plan, connections[using].vendor):
            rows = _checked(plan, rows, checks)
        fixes = json_fixes(plan)
        fixes += [(i, _fix(plan, f, tenant, using, links)) for i, f in enumerate(plan.fields) if f.kind in _LINKS]
        if fixes:
            rows = _fixed(plan, rows, fixes)
        yield from links.recording(plan, rows)


_LINKS = (FieldKind.REF, FieldKind.USER, FieldKind.CATALOG)


def _fix(plan: ModelPlan, f: FieldPlan, tenant, using: str, links: OutsideLinks) -> Callable[[Any], Any]:
    """A non-null id read from the database -> what the file carries for it."""
    if f.kind is FieldKind.CATALOG:
        return _referenced_keys(plan, f, tenant, using).__getitem__
    return links.fix(plan.label, f)


def _referenced_keys(plan: ModelPlan, f: FieldPlan, tenant, using: str) -> dict:
    """pk -> natural key of the catalog rows this tenant's rows point to (not the whole catalog)."""
    referenced = plan.rows_of(tenant).using(using).order_by().values(f.field.attname)
    rows = f.field.related_model._base_manager.using(using).filter(pk__in=referenced)
    return {pk: list(key) for key, pk in natural_key_index(f.field.related_model, using, rows).items()}


def _fixed(plan: ModelPlan, rows: Iterable[tuple], fixes: list[tuple[int, Callable[[Any], Any]]]) -> Iterator[list]:
    """The rows with each non-null value of ``fixes``' columns replaced by what the file carries."""
    for row in rows:
        row = list(row)
        for i, fix in fixes:
            if row[i] is not None:
                try:
                    row[i] = fix(row[i])
                except ValueProblem as problem:
                    raise refuse(plan, row, i, plan.fields[i].name, problem) from None
        yield row


def _checked(plan: ModelPlan, rows: Iterable[tuple], checks: tuple) -> Iterator[tuple]:
    """The rows, each value of ``checks``' columns passed through the restore's own rules."""
    row, column, name = (), 0, ""
    try:
        for row in rows:
            for column, name, check in checks:
                check(row[column])
            yield row
    except ValueProblem as problem:
        raise refuse(plan, row, column, name, problem) from None


_MAX_DETAIL_CHARS = 300
_MAX_WARNINGS = 50


def _capped(text: str) -> str:
    return text if len(text) <= _MAX_DETAIL_CHARS else text[: _MAX_DETAIL_CHARS - 1] + "…"


def _audit(tenant, user, ip: str | None, stats: BackupStats) -> None:
    seconds = (datetime.now(UTC) - stats.started).total_seconds()
    details = {
        "event": "backup",
        "outcome": stats.outcome,
        "format": str(stats.container),
        "rows": stats.rows,
        "bytes": stats.bytes,
        "seconds": round(seconds, 3),
    }
    if stats.error:
        details["code"] = stats.code
        details["error"] = _capped(stats.error)
    if stats.warnings:
        details["warnings"] = [_capped(line) for line in stats.warnings[:_MAX_WARNINGS]]
    try:
        audit_record(tenant=tenant, user=user, action="backup", ip=ip, details=details)
    except Exception:
        logger.exception("could not write the audit entry for the backup of %s", tenant.slug)
