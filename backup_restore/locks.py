"""One restore per tenant at a time, with locks that die with their holder.

A restore killed with SIGKILL must not leave a stale lock behind, so neither backend uses a
row that somebody must remember to delete:

- PostgreSQL: a transaction-level advisory lock, released at commit, rollback or disconnect.
- SQLite: an ``flock`` on a per-tenant file, released by the kernel when the process ends.
  SQLite serves one machine, so a file lock covers every process that can reach the data.
"""

import fcntl
import os
import zlib
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, connections

from .conf import backup_settings
from django.utils.translation import gettext_lazy as _

from .errors import RestoreInProgress

_LOCK_CLASS = zlib.crc32(b"backup_restore.restore") & 0x7FFFFFFF


@contextmanager
def tenant_restore_lock(tenant, using: str = DEFAULT_DB_ALIAS) -> Iterator[None]:
    """Hold the tenant's restore lock, or raise ``RestoreInProgress`` at once.

    On PostgreSQL it must be entered inside the restore's transaction, which then owns it.
    """
    connection = connections[using]
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_try_advisory_xact_lock(%s, %s)", [_LOCK_CLASS, tenant.pk])
            if not cursor.fetchone()[0]:
                raise _in_progress(tenant)
        yield
    else:
        with _file_lock(tenant):
            yield


@contextmanager
def _file_lock(tenant) -> Iterator[None]:
    lock_dir = Path(backup_settings.LOCK_DIR or Path(settings.MEDIA_ROOT).parent / "locks")
    lock_dir.mkdir(parents=True, exist_ok=True)
    fd = os.open(lock_dir / f"restore-{tenant.uuid}.lock", os.O_RDWR | os.O_CREAT, 0o600)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise _in_progress(tenant) from None
        yield
    finally:
        os.close(fd)


def _in_progress(tenant) -> RestoreInProgress:
    return RestoreInProgress(
        _("A restore of %(shop)s is already running. Wait for it to finish, then try again."),
        params={"shop": tenant.name},
    )


def claim_writer(using: str = DEFAULT_DB_ALIAS) -> None:
    """SQLite: take the database's single write lock now, waiting up to its busy timeout.

    A deferred SQLite transaction that reads first and writes later fails at once with
    "database is locked" if anyone else wrote in between (WAL cannot upgrade a stale read
    snapshot), whatever the timeout. Writing first turns that into an orderly wait, and a
    wait that runs out into ``DatabaseBusy``. PostgreSQL needs nothing: rows lock one by one.
    """
    connection = connections[using]
    if connection.vendor == "sqlite":
        with connection.cursor() as cursor:
            cursor.execute("DELETE FROM backup_restore_attempt WHERE 0")  # a write that writes nothing


def is_busy(error: Exception) -> bool:
    """Whether a database error means "another writer holds the lock; try again later"."""
    return "database is locked" in str(error) or "database table is locked" in str(error)
