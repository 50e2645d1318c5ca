"""The job API's bodies: one job serializer for both kinds, the restore-job request, the link."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers
from rest_framework.pagination import PageNumberPagination

from ..jobs.messages import error_shown
from ..jobs.models import BackupJob


@extend_schema_field(
    {
        "type": "object",
        "nullable": True,
        "description": "Why the job failed or was cancelled: the API's error detail (code, message, line, "
        "section, field); e.g. `cancelled`, `worker_lost`, `archive_corrupt`, `storage_failed`, or a restore's "
        "file errors.",
        "properties": {
            "code": {"type": "string"},
            "message": {"type": "string"},
            "line": {"type": "integer", "nullable": True},
            "section": {"type": "string", "nullable": True},
            "field": {"type": "string", "nullable": True},
        },
        "required": ["code", "message", "line", "section", "field"],
    }
)
class _ErrorField(serializers.JSONField):
    """The stored error, its message rendered in the request's language (``jobs.messages``)."""

    def to_representation(self, value):
        return error_shown(value)


@extend_schema_field(
    {
        "type": "object",
        "nullable": True,
        "description": "Once a restore succeeded: exactly what POST /api/restore/ answers for the same file.",
    }
)
class _SummaryField(serializers.JSONField):
    pass


_COMMON = [
    "id", "kind", "state", "phase", "progress", "rows_done", "rows_total", "bytes_done",
    "created_at", "started_at", "finished_at", "created_by", "origin", "error",
]  # fmt: skip


class JobSerializer(serializers.ModelSerializer):
    """What every job shows; ``BackupJobSerializer`` and ``RestoreJobSerializer`` add their kind's
    fields (``job_data`` picks the one of a job)."""

    phase = serializers.ChoiceField(
        choices=["", *BackupJob.Phase.values], read_only=True, help_text="Empty while queued and once ended."
    )
    progress = serializers.IntegerField(
        read_only=True, allow_null=True, help_text="Percent done (0-100) when the total is known, else null."
    )
    error = _ErrorField(read_only=True)

    class Meta:
        model = BackupJob
        fields = _COMMON
        read_only_fields = fields


class BackupJobSerializer(JobSerializer):
    """A backup job and the archive it stored."""

    filename = serializers.CharField(read_only=True, help_text="The download's file name.")
    size = serializers.IntegerField(read_only=True, allow_null=True, help_text="Bytes stored, once succeeded.")
    sha256 = serializers.CharField(read_only=True, help_text="SHA-256 of the stored bytes (the download's ETag).")
    rows = serializers.IntegerField(read_only=True, allow_null=True, help_text="Rows in the file.")

    class Meta(JobSerializer.Meta):
        fields = [*_COMMON, "filename", "size", "sha256", "rows", "sections", "format_version", "container"]
        read_only_fields = fields


class RestoreJobSerializer(JobSerializer):
    """A restore job: its source and, once it succeeded, its summary."""

    source = serializers.IntegerField(
        source="source_id", read_only=True, allow_null=True,
        help_text="The id of the stored backup restored, or null for an uploaded file.",
    )  # fmt: skip
    summary = _SummaryField(read_only=True)

    class Meta(JobSerializer.Meta):
        fields = [*_COMMON, "source", "replace", "dry_run", "summary"]
        read_only_fields = fields


def job_serializer(job: BackupJob) -> type[JobSerializer]:
    return BackupJobSerializer if job.kind == BackupJob.Kind.BACKUP else RestoreJobSerializer


def job_data(job: BackupJob) -> dict:
    """The JSON of one job, with its kind's fields."""
    return job_serializer(job)(job).data


class JobPagination(PageNumberPagination):
    page_size = 20


class StrictIntegerField(serializers.IntegerField):
    """An integer, as JSON writes it, or its digits in a form field; never a boolean or a float."""

    def to_internal_value(self, data):
        if isinstance(data, bool) or not isinstance(data, (int, str)) or (isinstance(data, str) and not data.isdigit()):
            self.fail("invalid")
        return super().to_internal_value(data)


class RestoreRequestSerializer(serializers.Serializer):
    """``POST /api/restores/``: an uploaded ``backup_file`` (multipart) or the id of a stored backup."""

    backup_file = serializers.FileField(
        required=False,
        allow_empty_file=True,
        help_text="Multipart only: the backup file, as for POST /api/restore/. Send either this or `backup`.",
    )
    backup = StrictIntegerField(required=False, min_value=1, help_text="The id of one of the shop's stored backups.")
    replace = serializers.BooleanField(required=False, default=False, help_text="As for POST /api/restore/.")
    dry_run = serializers.BooleanField(required=False, default=False, help_text="Restore, then roll back.")


class DownloadLinkSerializer(serializers.Serializer):
    url = serializers.URLField(help_text="Absolute URL of the file; needs no Authorization header. Share it with care.")
    expires_at = serializers.DateTimeField(help_text="When the link stops working (DOWNLOAD_LINK_SECONDS).")
