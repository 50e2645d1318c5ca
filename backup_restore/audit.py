"""Audit entries for every backup and restore attempt, successful or not.

An attempt of a known shop lands in that shop's own audit log (``tenancy.audit_entry``);
one that no shop can be named for (no or bad token, a user of no shop) in ``Attempt``.
Each entry's details, and its log line, hold at most ``MAX_DETAILS_CHARS`` characters,
whatever the request or the file said.

SQLite has one writer at a time: while another shop's long restore holds it, an entry cannot
be written. It is then kept in memory and written by a background thread as soon as the
database is free, and its full text goes to the log at once, so it is never lost silently.
"""

from __future__ import annotations

import logging
import threading
from collections import deque
from contextlib import contextmanager
from typing import Any

import orjson
from django.db import DEFAULT_DB_ALIAS, OperationalError, connections, transaction

from streaming.errors import shorten

from .locks import is_busy
from .models import Attempt
from .tenancy import audit_entry

logger = logging.getLogger("backup_restore")

MAX_DETAILS_CHARS = 2000
"""The most characters an entry's details (and so its log line) can have."""
MAX_VALUE_CHARS = 300
"""Longer strings inside the details are cut, with "…"."""
RETRY_SECONDS = 5.0
"""How often entries kept back by a busy database are tried again."""
BUSY_WAIT_MS = 2000
"""SQLite: how long the request itself waits for the writer before keeping the entry back."""


def audit_record(*, tenant, user, action: str, ip: str | None, details: dict[str, Any]) -> None:
    """Write one audit entry and one structured log line.

    Called after the work's own transaction has ended, so a rolled-back restore still leaves
    the record of its failure. ``tenant`` None records an attempt no shop can be named for.
    """
    text = bounded_details(details)
    username = getattr(user, "username", None) or None
    logger.info("%s tenant=%s user=%s %s", action, getattr(tenant, "slug", None), username, text)
    user = user if getattr(user, "pk", None) else None
    if tenant is not None:
        entry = audit_entry(tenant=tenant, user=user, action=action, details=text, ip=ip)
    else:
        entry = Attempt(
            action=action,
            username=(username or "")[:150],
            ip=ip,
            outcome=str(details.get("outcome", ""))[:20],
            code=str((details.get("error") or {}).get("code", ""))[:60],
            details=text,
        )
    _save(entry)


def bounded_details(details: dict[str, Any]) -> str:
    """The details as JSON of at most ``MAX_DETAILS_CHARS``: long strings cut, then (if still
    too long) only the top-level numbers and short words kept."""
    text = orjson.dumps(_cut(details), default=str).decode()
    if len(text) <= MAX_DETAILS_CHARS:
        return text
    kept = {k: v for k, v in details.items() if isinstance(v, (int, float, bool)) or (isinstance(v, str) and len(v) < 40)}
    return orjson.dumps({**kept, "truncated": True}, default=str).decode()[:MAX_DETAILS_CHARS]


def _cut(value: Any, depth: int = 0) -> Any:
    if isinstance(value, str):
        return value if len(value) <= MAX_VALUE_CHARS else value[: MAX_VALUE_CHARS - 1] + "…"
    if depth >= 3:
        return shorten(value, 80)
    if isinstance(value, dict):
        return {str(k)[:60]: _cut(v, depth + 1) for k, v in list(value.items())[:20]}
    if isinstance(value, (list, tuple)):
        return [_cut(v, depth + 1) for v in value[:10]]
    return value


def _save(entry) -> None:
    try:
        with _short_busy_wait(DEFAULT_DB_ALIAS), transaction.atomic():
            entry.save()
    except OperationalError as exc:
        if not is_busy(exc):
            raise
        _kept_back.add(entry)


@contextmanager
def _short_busy_wait(using: str):
    """SQLite: wait ``BUSY_WAIT_MS`` at most for the writer (the connection's own timeout is
    for the work itself); the entry is kept back rather than holding the request longer."""
    connection = connections[using]
    if connection.vendor != "sqlite" or connection.in_atomic_block:
        yield
        return
    connection.ensure_connection()
    previous = connection.connection.execute("PRAGMA busy_timeout").fetchone()[0]
    connection.connection.execute(f"PRAGMA busy_timeout = {BUSY_WAIT_MS}")
    try:
        yield
    finally:
        connection.connection.execute(f"PRAGMA busy_timeout = {int(previous)}")


class _KeptBack:
    """Entries a busy database refused, written again by one daemon thread until they land."""

    def __init__(self) -> None:
        self._entries: deque = deque(maxlen=10_000)
        self._lock = threading.Lock()
        self._wake = threading.Event()
        self._thread: threading.Thread | None = None
        self.written = threading.Event()  # set each time the queue empties (tests wait on it)

    def add(self, entry) -> None:
        logger.warning("audit entry kept back (database busy), will retry: %s %s", type(entry).__name__, _describe(entry))
        with self._lock:
            self._entries.append(entry)
            self.written.clear()
            if self._thread is None or not self._thread.is_alive():
                self._thread = threading.Thread(target=self._run, name="audit-retry", daemon=True)
                self._thread.start()

    def pending(self) -> int:
        return len(self._entries)

    def _run(self) -> None:
        try:
            while self._write_all():
                self._wake.wait(RETRY_SECONDS)
        finally:
            connections.close_all()

    def _write_all(self) -> bool:
        """Write what is kept back; True while something is left."""
        while self._entries:
            entry = self._entries[0]
            try:
                with transaction.atomic():
                    entry.save()
            except OperationalError as exc:
                if not is_busy(exc):
                    logger.exception("audit entry lost: %s", _describe(entry))
                    self._entries.popleft()
                    continue
                connections.close_all()
                return True
            self._entries.popleft()
        self.written.set()
        return False


def _describe(entry) -> str:
    """Every field of an unsaved entry, for the log (each is bounded already)."""
    return ", ".join(f"{f.attname}={getattr(entry, f.attname)!r}" for f in entry._meta.concrete_fields if not f.primary_key)


_kept_back = _KeptBack()
