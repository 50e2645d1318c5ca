"""A local S3 server for the tests: moto's server (``moto[server]``) in a process of its own on
127.0.0.1, and the ``STORAGES["backups"]`` entry that points the archives at one of its buckets."""

from __future__ import annotations

import subprocess
import sys
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
