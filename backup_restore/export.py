"""Streaming export: a tenant's backup as byte chunks, in flat memory.

Rows come from ``values_list(...).iterator()`` (server-side cursors on PostgreSQL) inside one
read-only snapshot, are encoded and compressed by ``streaming.BackupWriter``, and leave as
chunks. The generator owns its transaction: it is opened on the first chunk and closed in
``finally`` when the stream ends or the client goes away (``StreamingHttpResponse.close()``).
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Iterator
from contextlib import closing
from dataclasses import dataclass, field
from datetime import UTC, datetime

import django
from django.db import DEFAULT_DB_ALIAS, connections

from streaming import BackupWriter, Container, header_record

from .audit import audit_record
from .conf import backup_settings
from .registry import BackupPlan, FieldKind, ModelPlan, get_plan
from .snapshot import read_snapshot

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
    partial file is detectably incomplete, and is re-raised for the server to log.
    """
    stats = stats or BackupStats(container=container)
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
    except Exception as exc:
        stats.outcome, stats.error = "failed", f"{type(exc).__name__}: {exc}"
        logger.exception("backup of %s failed after %s bytes", tenant.slug, stats.bytes)
        raise
    finally:
        _audit(tenant, user, ip, stats)


def _export(tenant, container: Container, stats: BackupStats, using: str) -> Iterator[bytes]:
    plan = get_plan()
    writer = BackupWriter(
        container=container, chunk_size=backup_settings.EXPORT_CHUNK_BYTES, level=backup_settings.ZSTD_LEVEL
    )
    with read_snapshot(using):
        yield from writer.header(_header(tenant, plan, using))
        natural_keys = _NaturalKeys()
        for model_plan in plan.models:
            stats.section = model_plan.label
            rows = _rows(model_plan, tenant, natural_keys, using)
            for chunk in writer.section(model_plan.label, model_plan.field_names, rows):
                stats.rows = writer.stats.rows
                yield chunk
        stats.section = None
        yield from writer.finish()
        stats.rows = writer.stats.rows


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


def _rows(plan: ModelPlan, tenant, natural_keys: _NaturalKeys, using: str) -> Iterable[tuple]:
    queryset = plan.rows_of(tenant).using(using).values_list(*(f.lookup for f in plan.fields))
    rows = queryset.iterator(chunk_size=backup_settings.EXPORT_FETCH_SIZE)
    catalog_columns = [(i, f.target) for i, f in enumerate(plan.fields) if f.kind is FieldKind.CATALOG]
    if not catalog_columns:
        return rows
    return natural_keys.replace(rows, catalog_columns, using)


class _NaturalKeys:
    """Primary key -> natural key of the global catalogs, loaded once per backup on first use."""

    def __init__(self) -> None:
        self._maps: dict[str, dict] = {}

    def replace(self, rows: Iterable[tuple], columns: list[tuple[int, str]], using: str) -> Iterator[list]:
        maps = [(i, self._map(label, using)) for i, label in columns]
        for row in rows:
            row = list(row)
            for i, keys in maps:
                if row[i] is not None:
                    row[i] = keys[row[i]]
            yield row

    def _map(self, label: str, using: str) -> dict:
        if label not in self._maps:
            model = get_plan().catalogs.get(label) or django.apps.apps.get_model(label)
            related = [f.name for f in model._meta.concrete_fields if f.is_relation]
            objects = model._base_manager.using(using).select_related(*related).iterator(chunk_size=2000)
            self._maps[label] = {obj.pk: list(obj.natural_key()) for obj in objects}
        return self._maps[label]


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
        details["error"] = stats.error
    try:
        audit_record(tenant=tenant, user=user, action="backup", ip=ip, details=details)
    except Exception:
        logger.exception("could not write the audit entry for the backup of %s", tenant.slug)
