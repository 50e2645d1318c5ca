"""Archives through Django's storage API (``STORAGES["backups"]``), streamed both ways.

The writer hands the storage a read-only file object that pulls the backup's chunks as the
storage reads them: nothing holds the whole file, and nothing makes a full local copy first.
"""

from __future__ import annotations

import hashlib
import io
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import BinaryIO

from django.core.files import File
from django.core.files.storage import Storage, storages

CHUNK = 1024 * 1024


def backups_storage() -> Storage:
    return storages["backups"]


@dataclass
class Written:
    name: str
    size: int
    sha256: str


class ChunkReader(io.RawIOBase):
    """A forward-only file over an iterator of byte chunks, hashing and counting what passes."""

    def __init__(self, chunks: Iterator[bytes]) -> None:
        self._chunks = iter(chunks)
        self._pending = b""
        self.size = 0
        self.digest = hashlib.sha256()

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        while not self._pending:
            try:
                self._pending = next(self._chunks)
            except StopIteration:
                return 0
        n = min(len(buffer), len(self._pending))
        buffer[:n] = self._pending[:n]
        self._pending = self._pending[n:]
        self.size += n
        self.digest.update(buffer[:n])
        return n


def archive_write(name: str, chunks: Iterator[bytes]) -> Written:
    """Store ``chunks`` as ``name`` (never overwriting: the storage may pick another name)."""
    reader = ChunkReader(chunks)
    stored = backups_storage().save(name, File(io.BufferedReader(reader, CHUNK), name=name))
    return Written(name=stored, size=reader.size, sha256=reader.digest.hexdigest())


def archive_delete(name: str) -> None:
    if name:
        backups_storage().delete(name)


def archive_exists(name: str) -> bool:
    return bool(name) and backups_storage().exists(name)


def archive_open(name: str) -> BinaryIO:
    """The stored archive, read forward in chunks, never loaded whole."""
    return backups_storage().open(name, "rb")


def archive_chunks(name: str, start: int = 0, end: int | None = None) -> Iterator[bytes]:
    """The bytes ``start..end`` (inclusive; ``end=None``: to the end) of a stored archive."""
    with backups_storage().open(name, "rb") as f:
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
    (S3) is copied to a temporary file first, in chunks.
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
    with tempfile.TemporaryFile() as copy, storage.open(name, "rb") as source:
        shutil.copyfileobj(source, copy, CHUNK)
        copy.seek(0)
        digest = _sha256(copy)
        copy.seek(0)
        yield copy, digest


def _sha256(f: BinaryIO) -> str:
    digest = hashlib.sha256()
    while block := f.read(CHUNK):
        digest.update(block)
    return digest.hexdigest()
