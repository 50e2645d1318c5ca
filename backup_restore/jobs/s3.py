"""Archives on S3 (or any S3-compatible server) through django-storages, in bounded memory.

``ArchiveS3Storage`` is django-storages' ``S3Storage`` with the defaults an archive store
needs; settings.py selects it when ``BACKUPS_S3_BUCKET`` is set.

- **Upload.** ``S3Storage._save`` hands our forward-only file to boto3's ``upload_fileobj``,
  which, for a file that cannot seek, reads it part by part into memory and sends a multipart
  upload. How many parts it holds at once is bounded by its ``TransferConfig``: the
  ``max_in_memory_upload_chunks`` tasks waiting or in flight (10 by default) plus the one being
  read. With ``part_size`` 8 MiB and ``parts_in_memory`` 2, an upload holds at most about
  3 x 8 MiB, whatever the archive's size (``multipart_threshold`` equals the part size, so the
  first part is not copied twice). When the file raises or a request fails, boto3 aborts the
  multipart upload (s3transfer registers ``abort_multipart_upload`` as a failure cleanup once
  the upload is created): no object is left. If the server is unreachable the abort cannot
  reach it either; a bucket lifecycle rule (``AbortIncompleteMultipartUpload``) clears such
  leftovers (docs/serving.md).
- **Download.** Never ``storage.open()``: ``S3File`` downloads the whole object into a
  ``SpooledTemporaryFile`` whose limit, ``AWS_S3_MAX_MEMORY_SIZE``, is 0 by default, meaning
  *all in memory*. ``object_reader`` reads ``get_object``'s streaming body instead, with a
  ``Range`` for a part of the file.
"""

from __future__ import annotations

import io
from typing import BinaryIO

from boto3.s3.transfer import TransferConfig
from botocore.exceptions import ClientError
from storages.backends.s3 import S3Storage
from storages.utils import clean_name, setting

MIB = 1024 * 1024


def bounded_transfer_config(part_size: int = 8 * MIB, parts_in_memory: int = 2) -> TransferConfig:
    """A multipart upload holding at most ``parts_in_memory + 1`` parts of ``part_size`` bytes."""
    config = TransferConfig(
        multipart_threshold=part_size,
        multipart_chunksize=part_size,
        max_concurrency=parts_in_memory,
    )
    # Not a keyword of boto3's TransferConfig, an attribute of s3transfer's that it inherits:
    # the bound on parts read from a non-seekable file and not yet sent.
    config.max_in_memory_upload_chunks = parts_in_memory
    return config


class ArchiveS3Storage(S3Storage):
    """``S3Storage`` for archives: never overwrites, bounded upload memory, no signed URLs
    (archives are served by our own download view, through ``object_reader``).

    Options besides django-storages' own: ``part_size`` (bytes, default 8 MiB, at least the
    5 MiB S3 requires) and ``parts_in_memory`` (default 2), used unless a ``transfer_config``
    (``AWS_S3_TRANSFER_CONFIG``) is given.
    """

    def get_default_settings(self) -> dict:
        return super().get_default_settings() | {
            "file_overwrite": False,
            "querystring_auth": False,
            "part_size": 8 * MIB,
            "parts_in_memory": 2,
        }

    def __init__(self, **options) -> None:
        super().__init__(**options)
        if options.get("transfer_config") is None and setting("AWS_S3_TRANSFER_CONFIG") is None:
            self.transfer_config = bounded_transfer_config(int(self.part_size), int(self.parts_in_memory))


def object_reader(storage: S3Storage, name: str, start: int = 0, end: int | None = None) -> BinaryIO:
    """A buffered file reading bytes ``start..end`` (inclusive; ``end=None``: to the end) of
    ``name`` as they arrive from S3. Past the end: an empty file. Missing: FileNotFoundError."""
    key = storage._normalize_name(clean_name(name))
    params = {"Bucket": storage.bucket_name, "Key": key}
    if start or end is not None:
        params["Range"] = f"bytes={start}-{'' if end is None else end}"
    try:
        response = storage.connection.meta.client.get_object(**params)
    except ClientError as err:
        status = err.response.get("ResponseMetadata", {}).get("HTTPStatusCode")
        if status == 404:
            raise FileNotFoundError(f"No stored archive {name}") from err
        if status == 416:  # the range starts past the end
            return io.BytesIO(b"")
        raise
    return io.BufferedReader(_Body(response["Body"]), 1024 * 1024)


class _Body(io.RawIOBase):
    """botocore's ``StreamingBody`` as a raw file (``readinto``), so that ``BufferedReader``
    gives every ``read`` size, ``read()`` included, and closing it releases the connection."""

    def __init__(self, body) -> None:
        self._body = body

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        block = self._body.read(len(buffer))
        buffer[: len(block)] = block
        return len(block)

    def close(self) -> None:
        if not self.closed:
            self._body.close()
        super().close()
