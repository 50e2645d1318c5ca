"""Every setting of the backup/restore app, with its documented default.

Override any of them in Django settings under one dict::

    BACKUP_RESTORE = {"RESTORE_BATCH_SIZE": 5000}

Read them through ``backup_settings.NAME``; the values follow ``override_settings`` in tests.
"""

from typing import Any

from django.conf import settings

from streaming import Limits
from streaming.limits import GiB, MiB

_READER = Limits()  # the reader's own defaults: one definition of each limit

DEFAULTS: dict[str, Any] = {
    # The host ERP, reached only through backup_restore/tenancy.py. The model that *is* a tenant
    # (with slug, name and uuid); every model reaching it through non-null FKs is tenant data.
    "TENANT_MODEL": "personal_admin.Tenant",
    # user -> object with .tenant and .role (None for users of no shop).
    "MEMBERSHIP": "erp.personal_admin.tenancy.membership_for",
    # tenant -> queryset of the shop's user accounts.
    "TENANT_USERS": "erp.personal_admin.tenancy.tenant_users",
    # tenant uuid -> the storage prefix of the shop's files.
    "TENANT_FILE_PREFIX": "erp.personal_admin.storage.tenant_prefix",
    # The shop's audit log, and which of its fields hold each part of an entry.
    "AUDIT_MODEL": "personal_admin.Bitacora",
    "AUDIT_FIELDS": {
        "tenant": "tenant",
        "user": "usuario",
        "action": "accion",
        "module": "modulo",
        "details": "descripcion",
        "ip": "ip",
    },
    # Whole apps that hold no shop data, with the reason (the completeness check requires one).
    "EXCLUDED_APPS": {
        "admin": "Django admin history: framework data, not shop data",
        "auth": "users, groups and permissions are never exported (users are referenced by username)",
        "contenttypes": "framework catalog, referenced by natural key",
        "sessions": "login sessions are secrets and expire",
        "backup_restore": "the backup machinery's own bookkeeping",
        "backup_jobs": "the backup machinery's jobs and archives (in the jobs database)",
        "django_tasks_database": "the task queue (django-tasks-db)",
    },
    # Single models left out, label -> reason.
    "EXCLUDED_MODELS": {},
    # Tenant models exported for the record but never written back by a restore, label -> reason.
    "EXPORT_ONLY_MODELS": {
        "personal_admin.bitacora": "the audit log is history: a restore never rewrites or deletes it",
        "personal_admin.userprofile": "memberships belong to user accounts, which are not restored",
    },
    # A field whose name contains one of these is never exported (secrets, tokens, payment ids).
    "SENSITIVE_FIELD_MARKERS": ("password", "token", "secret", "api_key", "stripe_"),
    # Extra fields never exported, "app_label.model.field" -> reason.
    "EXCLUDED_FIELDS": {},
    # Merge-mode natural keys, label -> field names; by default taken from the model's
    # unique constraint that includes the tenant FK.
    "NATURAL_KEYS": {},
    # Roles allowed to download and to restore (see erp.personal_admin.models.UserProfile.Role).
    "BACKUP_ROLES": ("owner", "admin"),
    "RESTORE_ROLES": ("owner", "admin"),
    # Downloads allowed per tenant (DRF rate syntax, e.g. "30/hour"); None turns the limit off.
    "BACKUP_THROTTLE_RATE": "30/hour",
    # Export: rows fetched per database round trip, compressed bytes per streamed chunk, zstd level.
    "EXPORT_FETCH_SIZE": 2000,
    "EXPORT_CHUNK_BYTES": 128 * 1024,
    "ZSTD_LEVEL": 3,
    # zstd worker threads: 0 compresses in the exporting thread; N > 0 hands compression to N
    # threads (the file then differs in its bytes, not in its content, and verifies the same).
    "ZSTD_THREADS": 0,
    # How the export reads rows: "cursor" runs the compiled values_list query on a database
    # cursor and converts only the columns whose driver value differs from the file's (see
    # backup_restore/export_read.py); "orm" reads through values_list().iterator(). Both write
    # the same bytes for the same data.
    "EXPORT_READ_PATH": "cursor",
    # Restore: rows per batch, and the limits that keep a hostile file from exhausting the host.
    "RESTORE_BATCH_SIZE": 2000,
    # How a checked batch reaches its table: "fast" (COPY on PostgreSQL, executemany on SQLite,
    # bulk_create for other databases and for models the fast path refuses, listed in
    # backup_restore/writes/__init__.py) or "portable" (bulk_create always).
    "RESTORE_WRITE_PATH": "fast",
    # ...or fewer: a batch is written once its rows reach this many bytes in the file, so a
    # batch of wide rows holds about this much, not RESTORE_BATCH_SIZE x MAX_LINE_BYTES.
    "RESTORE_BATCH_BYTES": 4 * MiB,
    "MAX_UPLOAD_BYTES": 8 * GiB,
    # The reader's limits (streaming.Limits documents each; docs/format.md gives the reasons).
    # They bound what one upload can cost: memory about RESTORE_BATCH_BYTES plus one line of
    # MAX_LINE_BYTES holding at most MAX_LINE_ITEMS values, plus the id maps (16 bytes a row);
    # CPU about linear in MAX_DECOMPRESSED_BYTES, reached only at MAX_COMPRESSION_RATIO x the upload.
    # The export writes nothing these would refuse: every backup made here restores here.
    "MAX_DECOMPRESSED_BYTES": _READER.max_decompressed_bytes,
    "MAX_COMPRESSION_RATIO": _READER.max_compression_ratio,
    "MAX_ZSTD_WINDOW_BYTES": _READER.max_window_size,
    "MAX_LINE_BYTES": _READER.max_line_bytes,
    "MAX_LINE_ITEMS": _READER.max_line_items,
    "MAX_JSON_DEPTH": _READER.max_depth,
    # Rows between two progress reports of a restore (a job's progress, a command's bar).
    "PROGRESS_ROWS": 10_000,
    # Jobs: how long a signed download link lives; how long a running job may go without a
    # heartbeat (its runner writes one every JOB_HEARTBEAT_SECONDS) before it counts as lost.
    "DOWNLOAD_LINK_SECONDS": 15 * 60,
    "JOB_HEARTBEAT_SECONDS": 15,
    "JOB_STALE_SECONDS": 120,
    # Scheduled backups (backup_restore/jobs/schedules.py). A shop without a schedule of its own
    # starts from these: disabled, daily at SCHEDULE_HOUR (0-23) shop-local time in
    # SCHEDULE_TIMEZONE (an IANA zone name; None means settings.TIME_ZONE), keeping the newest
    # archive of each of the last SCHEDULE_KEEP_DAILY days and SCHEDULE_KEEP_WEEKLY ISO weeks
    # that have one. `manage.py backup_schedules --loop` checks for due schedules every
    # SCHEDULER_INTERVAL_SECONDS (a cron job or systemd timer runs it one-shot instead).
    "SCHEDULE_HOUR": 3,
    "SCHEDULE_TIMEZONE": None,
    "SCHEDULE_KEEP_DAILY": 7,
    "SCHEDULE_KEEP_WEEKLY": 4,
    "SCHEDULER_INTERVAL_SECONDS": 60,
    # SQLite only: folder of the per-tenant restore lock files (default: <MEDIA_ROOT>/../locks).
    "LOCK_DIR": None,
}


class BackupSettings:
    """Attribute access to ``settings.BACKUP_RESTORE`` merged over ``DEFAULTS``."""

    def __getattr__(self, name: str) -> Any:
        if name not in DEFAULTS:
            raise AttributeError(f"unknown BACKUP_RESTORE setting: {name}")
        return getattr(settings, "BACKUP_RESTORE", {}).get(name, DEFAULTS[name])


backup_settings = BackupSettings()


def reader_limits() -> Limits:
    """The limits every read of a backup applies, from the settings above."""
    return Limits(
        max_decompressed_bytes=backup_settings.MAX_DECOMPRESSED_BYTES,
        max_compression_ratio=backup_settings.MAX_COMPRESSION_RATIO,
        max_window_size=backup_settings.MAX_ZSTD_WINDOW_BYTES,
        max_line_bytes=backup_settings.MAX_LINE_BYTES,
        max_line_items=backup_settings.MAX_LINE_ITEMS,
        max_depth=backup_settings.MAX_JSON_DEPTH,
    )
