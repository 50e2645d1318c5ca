"""Archives through Django's storage API (``STORAGES["backups"]``), streamed both ways.

Writing: the storage reads a forward-only file object (``_Pipe``) on a writer thread of its
own while the caller's thread produces the chunks. The chunks must be produced on the caller's
thread: a backup's chunks come from a generator that owns a database transaction on that
thread's connection, and boto3 reads an upload's file on a thread of *its* pool. The pipe
holds at most ``PIPE_BYTES``; nothing holds the whole file, and nothing makes a full local
copy first. A write that fails leaves nothing behind: the storage's partial file is removed,
and on S3 the multipart upload is aborted (see ``s3.py``).

Reading: S3 is read through ranged ``get_object`` streams (``s3.object_reader``), never
through ``storage.open()``, whose ``S3File`` would download the whole object into memory.
"""

from __future__ import annotations

import hashlib
import io
import logging
import tempfile
import threading
from collections import deque
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import BinaryIO

from django.conf import settings
from django.core.files import File
from django.core.files.storage import Storage, storages
from django.utils.timezone import now as django_now
from django.utils.translation import gettext_lazy as _

from ..errors import BackupError, StorageFailed

logger = logging.getLogger("backup_restore")

CHUNK = 1024 * 1024
PIPE_BYTES = 4 * CHUNK

# Writer threads live on, so that each keeps its boto3 connection (django-storages keeps one
# per thread) from one archive to the next.
_writers = ThreadPoolExecutor(max_workers=4, thread_name_prefix="archive-writer")


def backups_storage() -> Storage:
    return storages["backups"]


def _s3(storage: Storage):
    """The storage if it is django-storages' S3Storage (django-storages may not be installed)."""
    try:
        from storages.backends.s3 import S3Storage
    except ImportError:  # pragma: no cover - a dependency of the project
        return None
    return storage if isinstance(storage, S3Storage) else None


@dataclass
class Written:
    name: str
    size: int
    sha256: str


class _WriterGone(Exception):
    """The producer failed: the storage's read raises this, so the storage gives up the file."""


class _Pipe(io.RawIOBase):
    """A forward-only file between two threads: ``put`` (the producer) blocks while ``limit``
    bytes wait; ``readinto`` (the storage, on its writer thread) blocks while none do."""

    def __init__(self, limit: int = PIPE_BYTES) -> None:
        self._chunks: deque[memoryview] = deque()
        self._buffered = 0
        self._limit = limit
        self._ended = False  # the producer is done (or failed: ``_failed``)
        self._failed = False
        self._abandoned = False  # the reader stopped (the storage failed or finished)
        self._cond = threading.Condition()

    def readable(self) -> bool:
        return True

    def put(self, chunk: bytes) -> bool:
        """Queue ``chunk``; False if the reader has stopped (the write failed)."""
        with self._cond:
            self._cond.wait_for(lambda: self._abandoned or self._buffered < self._limit)
            if self._abandoned:
                return False
            self._chunks.append(memoryview(chunk))
            self._buffered += len(chunk)
            self._cond.notify_all()
            return True

    def end(self, *, failed: bool = False) -> None:
        with self._cond:
            self._ended, self._failed = True, failed
            self._cond.notify_all()

    def abandon(self) -> None:
        with self._cond:
            self._abandoned = True
            self._chunks.clear()
            self._cond.notify_all()

    def readinto(self, buffer) -> int:
        with self._cond:
            self._cond.wait_for(lambda: self._chunks or self._ended)
            if self._failed:
                raise _WriterGone("the archive's producer failed")
            if not self._chunks:
                return 0
            head = self._chunks[0]
            n = min(len(buffer), len(head))
            buffer[:n] = head[:n]
            if n == len(head):
                self._chunks.popleft()
            else:
                self._chunks[0] = head[n:]
            self._buffered -= n
            self._cond.notify_all()
            return n


def archive_write(name: str, chunks: Iterator[bytes]) -> Written:
    """Store ``chunks`` as ``name`` (never overwriting: the storage may pick another name).

    Raises what ``chunks`` raises, or ``StorageFailed`` for whatever the storage raises (from
    its first call, which picks the name, to the last); either way nothing is left stored.
    """
    storage = backups_storage()
    try:
        target = storage.get_available_name(name)
    except Exception as exc:
        raise _storage_error(exc) from exc
    pipe = _Pipe()
    upload = _writers.submit(_save, storage, target, pipe)
    size, digest = 0, hashlib.sha256()
    try:
        for chunk in chunks:
            if not pipe.put(chunk):
                break  # the storage failed: its error is raised below
            size += len(chunk)
            digest.update(chunk)
        else:
            pipe.end()
    except BaseException:
        pipe.end(failed=True)
        _wait_quietly(upload)
        _remove_partial(storage, target)
        raise
    try:
        stored = upload.result()
    except Exception as exc:
        _remove_partial(storage, target)
        raise _storage_error(exc) from exc
    return Written(name=stored, size=size, sha256=digest.hexdigest())


def _save(storage: Storage, name: str, pipe: _Pipe) -> str:
    try:
        return storage.save(name, File(io.BufferedReader(pipe, CHUNK), name=name))
    finally:
        pipe.abandon()


def _wait_quietly(upload) -> None:
    try:
        upload.result()
    except Exception:  # the write failed because the producer did; the producer's error wins
        pass


def _remove_partial(storage: Storage, name: str) -> None:
    """Remove what a failed write left under ``name`` (``FileSystemStorage`` keeps the bytes it
    wrote; an aborted S3 upload leaves no object). ``name`` is this job's own (it carries the
    job's id and a random part), so nothing else can be stored under it."""
    try:
        if storage.exists(name):
            storage.delete(name)
    except Exception:  # the storage is what failed; the job records that
        logger.warning("could not remove the partial archive %s", name, exc_info=True)


def _storage_error(exc: Exception) -> BackupError:
    """A clear ``storage_failed`` for what the storage raised (the cause stays chained): the
    one mapping of storage errors, for every caller of ``archive_write``."""
    if isinstance(exc, BackupError):
        return exc
    kind = type(exc).__name__
    module = type(exc).__module__
    if module.startswith(("botocore", "boto3", "s3transfer", "urllib3")):
        if "Connect" in kind or "Endpoint" in kind or "Timeout" in kind:
            return StorageFailed(
                _("The backup storage (S3) could not be reached (%(error)s); nothing was stored."), params={"error": kind}
            )
        code = getattr(exc, "response", {}).get("Error", {}).get("Code", kind)
        return StorageFailed(_("The backup storage (S3) refused the file (%(error)s); nothing was stored."), params={"error": code})
    if isinstance(exc, OSError):
        return StorageFailed(
            _("The backup could not be written to its storage (%(error)s: %(reason)s); nothing was stored."),
            params={"error": kind, "reason": exc.strerror},
        )
    return StorageFailed(_("The backup storage failed (%(error)s); nothing was stored."), params={"error": kind})


def archive_delete(name: str) -> None:
    if name:
        backups_storage().delete(name)


def stored_files_prune(*, folder: str, older_than: timedelta, now: datetime | None = None) -> list[str]:
    """Delete the files under ``folder`` (and its sub-folders) last written before
    ``now - older_than``; returns their names. For copies nothing else cleans up: the
    page's staged dry-run uploads, abandoned when their user walks away."""
    storage = backups_storage()
    cutoff = (now or django_now()) - older_than
    deleted = []
    for name in _files_under(storage, folder):
        if storage.get_modified_time(name) < cutoff:
            storage.delete(name)
            deleted.append(name)
    return deleted


def _files_under(storage: Storage, folder: str) -> Iterator[str]:
    if not storage.exists(folder) and _s3(storage) is None:
        return
    folders, files = storage.listdir(folder)
    for name in files:
        yield f"{folder}/{name}"
    for sub in folders:
        yield from _files_under(storage, f"{folder}/{sub}")


def archive_exists(name: str) -> bool:
    return bool(name) and backups_storage().exists(name)


def archive_open(name: str) -> BinaryIO:
    """The stored archive, read forward in chunks, never loaded whole."""
    storage = backups_storage()
    if s3 := _s3(storage):
        from .s3 import object_reader

        return object_reader(s3, name)
    return storage.open(name, "rb")


def archive_chunks(name: str, start: int = 0, end: int | None = None) -> Iterator[bytes]:
    """The bytes ``start..end`` (inclusive; ``end=None``: to the end) of a stored archive."""
    storage = backups_storage()
    if s3 := _s3(storage):
        from .s3 import object_reader

        with object_reader(s3, name, start, end) as f:
            while block := f.read(CHUNK):
                yield block
        return
    with storage.open(name, "rb") as f:
        f.seek(start)
        left = None if end is None else end - start + 1
        while left is None or left > 0:
            block = f.read(CHUNK if left is None else min(CHUNK, left))
            if not block:
                return
            if left is not None:
                left -= len(block)
            yield block


@contextmanager
def local_copy(name: str) -> Iterator[tuple[BinaryIO, str]]:
    """A seekable local file with the archive's bytes, and their sha256.

    A restore reads its file twice; a storage with local paths is read in place, any other
    (S3) is copied to a temporary file (in ``FILE_UPLOAD_TEMP_DIR``) first, in chunks.
    """
    storage = backups_storage()
    try:
        path = storage.path(name)
    except NotImplementedError:
        path = None
    if path is not None:
        with open(path, "rb") as f:
            digest = _sha256(f)
            f.seek(0)
            yield f, digest
        return
    digest = hashlib.sha256()
    with tempfile.TemporaryFile(dir=settings.FILE_UPLOAD_TEMP_DIR) as copy:
        for block in archive_chunks(name):
            digest.update(block)
            copy.write(block)
        copy.seek(0)
        yield copy, digest.hexdigest()


def _sha256(f: BinaryIO) -> str:
    digest = hashlib.sha256()
    while block := f.read(CHUNK):
        digest.update(block)
    return digest.hexdigest()
