"""A local S3 server for the tests: moto's server (``moto[server]``) in a process of its own on
127.0.0.1, the ``STORAGES["backups"]`` entry that points the archives at one of its buckets, and
``PartGate``, a front that holds an upload's first part for as long as a test needs."""

from __future__ import annotations

import re
import socket
import subprocess
import sys
import threading
import uuid
from pathlib import Path

import boto3
from botocore.config import Config

from benchmarks.probes import HOST, free_port
from tests.e2e.support import wait_until

CREDENTIALS = {"aws_access_key_id": "testing", "aws_secret_access_key": "testing", "region_name": "us-east-1"}


class MotoServer:
    """``python -m moto.server`` on a free port, answering before ``start`` returns."""

    def __init__(self, log_dir: Path) -> None:
        self.port = free_port()
        self.url = f"http://{HOST}:{self.port}"
        self._log = log_dir / f"moto-{self.port}.log"
        self.process: subprocess.Popen | None = None

    def start(self) -> MotoServer:
        with open(self._log, "ab") as log:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "moto.server", "-H", HOST, "-p", str(self.port)],
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        wait_until(self._answers, timeout=30, what=f"moto on {self.url}")
        return self

    def _answers(self) -> bool:
        if self.process.poll() is not None:
            raise AssertionError(f"moto exited ({self.process.returncode}): {self._log.read_text()[-2000:]}")
        try:
            self.client(retries=0).list_buckets()
        except Exception:
            return False
        return True

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.kill()
            self.process.wait(timeout=30)

    def client(self, retries: int = 2):
        config = Config(retries={"max_attempts": retries, "mode": "standard"}, connect_timeout=2, read_timeout=30)
        return boto3.client("s3", endpoint_url=self.url, config=config, **CREDENTIALS)

    def bucket(self) -> str:
        """A new empty bucket."""
        name = f"backups-{uuid.uuid4().hex[:12]}"
        self.client().create_bucket(Bucket=name)
        return name

    def keys(self, bucket: str) -> list[str]:
        return [item["Key"] for item in self.client().list_objects_v2(Bucket=bucket).get("Contents", [])]

    def multipart_uploads(self, bucket: str) -> list[str]:
        return [item["Key"] for item in self.client().list_multipart_uploads(Bucket=bucket).get("Uploads", [])]


def s3_backups_storage(server: MotoServer, bucket: str, **options) -> dict:
    """The ``STORAGES["backups"]`` entry for ``bucket`` on ``server`` (what settings.py builds
    from BACKUPS_S3_BUCKET and AWS_S3_ENDPOINT_URL, with the test credentials)."""
    return {
        "BACKEND": "backup_restore.jobs.s3.ArchiveS3Storage",
        "OPTIONS": {
            "bucket_name": bucket,
            "endpoint_url": server.url,
            "region_name": CREDENTIALS["region_name"],
            "access_key": CREDENTIALS["aws_access_key_id"],
            "secret_key": CREDENTIALS["aws_secret_access_key"],
            "location": "archives",
            **options,
        },
    }


# The request line of an S3 UploadPart (path-style, as boto3 sends it to an IP address).
_UPLOAD_PART = re.compile(rb"PUT /[^ ]*[?&]partNumber=\d+[^ ]* HTTP/1\.1\r\n")


class PartGate:
    """A TCP front on 127.0.0.1 that passes every byte between its clients and ``server``,
    except the first UploadPart request: that one is held, unsent, until ``close()``.

    While it is held the multipart upload exists on the server (CreateMultipartUpload came
    before) and cannot complete, for as long as the test wants: no race with the upload.
    ``close()`` then drops every connection and stops listening, as a stopped server would.
    Requests are matched at the start of what a connection sends after its previous
    response, which is where an HTTP/1.1 client (no pipelining) starts its next request.
    """

    def __init__(self, server: MotoServer) -> None:
        self._upstream = (HOST, server.port)
        self._listener = socket.create_server((HOST, 0))
        self.url = f"http://{HOST}:{self._listener.getsockname()[1]}"
        self.held = threading.Event()  # the first UploadPart arrived and is held
        self._closed = threading.Event()
        self._sockets: list[socket.socket] = []
        self._lock = threading.Lock()
        threading.Thread(target=self._accept, name="part-gate", daemon=True).start()

    def close(self) -> None:
        self._closed.set()
        try:
            self._listener.shutdown(socket.SHUT_RDWR)  # wakes the blocked accept()
        except OSError:
            pass
        self._listener.close()
        with self._lock:
            for sock in self._sockets:
                _drop(sock)

    def _accept(self) -> None:
        while not self._closed.is_set():
            try:
                client, _ = self._listener.accept()
            except OSError:
                return
            try:
                upstream = socket.create_connection(self._upstream)
            except OSError:  # the server is gone: so is this connection
                _drop(client)
                continue
            with self._lock:
                self._sockets += [client, upstream]
            if self._closed.is_set():  # closed while connecting: drop both
                _drop(client)
                _drop(upstream)
                return
            threading.Thread(target=self._pump, args=(client, upstream, True), daemon=True).start()
            threading.Thread(target=self._pump, args=(upstream, client, False), daemon=True).start()

    def _pump(self, source: socket.socket, target: socket.socket, requests: bool) -> None:
        try:
            while data := source.recv(65536):
                if requests and not self.held.is_set() and _UPLOAD_PART.match(data):
                    self.held.set()
                    self._closed.wait()
                    return
                target.sendall(data)
        except OSError:
            pass
        finally:
            _drop(source)
            _drop(target)


def _drop(sock: socket.socket) -> None:
    try:
        sock.shutdown(socket.SHUT_RDWR)
    except OSError:
        pass
    sock.close()
