"""Helpers of the job API tests: real HTTP through Django's test client with real JWTs, and
the proof that a refused request changed nothing and was audited once."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import parse_qs, urlencode, urlsplit

from django.core.files.uploadedfile import SimpleUploadedFile
from rest_framework.test import APIClient

from backup_restore.jobs.models import BackupJob
from backup_restore.models import Attempt
from erp.personal_admin.models import Bitacora

from ..helpers import database_checksum


def files_in(root: Path) -> dict[str, str]:
    """Every file under ``root`` and the sha256 of its bytes."""
    if not root.exists():
        return {}
    return {str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest() for p in root.rglob("*") if p.is_file()}


def jobs_state() -> list[tuple]:
    return list(BackupJob.objects.order_by("pk").values_list("pk", "state", "file", "upload", "finished_at"))


def _audit_marks() -> tuple[int, int]:
    last_entry = Bitacora.objects.filter(modulo="backup_restore").order_by("-pk").values_list("pk", flat=True).first()
    last_attempt = Attempt.objects.order_by("-pk").values_list("pk", flat=True).first()
    return last_entry or 0, last_attempt or 0


@dataclass
class Before:
    """What a refused request must leave as it was: every ERP row, the stored files, the jobs."""

    root: Path
    checksum: str
    files: dict[str, str]
    jobs: list[tuple]
    audit: tuple[int, int]

    @classmethod
    def take(cls, root: Path) -> Before:
        return cls(root, database_checksum(), files_in(root), jobs_state(), _audit_marks())

    def assert_refused(self, response, status: int, code: str) -> dict:
        """``response`` is the error ``code`` with ``status``; one audit entry records it; nothing
        else changed. Returns the audit entry's text."""
        assert response.status_code == status, (code, response.status_code, getattr(response, "content", b""))
        body = response.json()
        assert body["ok"] is False and body["error"]["code"] == code, body
        entries = Bitacora.objects.filter(modulo="backup_restore", pk__gt=self.audit[0])
        attempts = Attempt.objects.filter(pk__gt=self.audit[1])
        texts = [e.descripcion for e in entries] + [a.details for a in attempts]
        assert len(texts) == 1, (code, texts)
        entries.delete()  # the audit entry is the one row a refusal adds
        attempts.delete()
        assert database_checksum() == self.checksum, code
        assert files_in(self.root) == self.files, code
        assert jobs_state() == self.jobs, code
        return texts[0]


def upload(data: bytes, name: str = "backup.ndjson.zst") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, data, content_type="application/octet-stream")


def path_of(url: str) -> str:
    """The path and query of an absolute URL, for the test client."""
    parts = urlsplit(url)
    return f"{parts.path}?{parts.query}" if parts.query else parts.path


def anonymous() -> APIClient:
    return APIClient()


def body_of(response) -> bytes:
    return b"".join(response.streaming_content) if response.streaming else response.content


def token_of(url: str) -> str:
    return parse_qs(urlsplit(url).query)["token"][0]


def with_token(url: str, token: str) -> str:
    return f"{urlsplit(url).path}?{urlencode({'token': token})}"
