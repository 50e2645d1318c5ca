"""What the page says about an error code, in the reader's language.

The page shows this translated sentence for an error's code, with its line and section, and
the error's own message as the detail (a job's, rendered again in the reader's language:
``jobs.messages.error_shown``).
"""

from django.utils.translation import gettext_lazy as _

ERROR_TEXT = {
    "empty_file": _("The file is empty."),
    "not_a_backup": _("The file is not a backup of this system."),
    "corrupt": _("The file is damaged: its compressed data cannot be read."),
    "invalid_utf8": _("The file contains text that is not valid UTF-8."),
    "invalid_json": _("A line of the file is not valid JSON."),
    "line_too_long": _("A line of the file is longer than allowed."),
    "nesting_too_deep": _("A value of the file is nested too deeply."),
    "number_too_long": _("A number in the file is too long."),
    "too_large": _("The file is larger than this server accepts."),
    "too_many_values": _("A line of the file holds too many values."),
    "truncated": _("The file is incomplete: it ends before its last record."),
    "digest_mismatch": _("The file's checksum does not match its content: it was changed or damaged."),
    "count_mismatch": _("The number of rows in the file does not match its own count."),
    "unsupported_version": _("The file was made by a version this server cannot read."),
    "wrong_format": _("The file's format is not the one it declares."),
    "bad_framing": _("The file's records are out of order."),
    "row_arity": _("A row of the file has the wrong number of values."),
    "duplicate_section": _("A section appears twice in the file."),
    "unknown_section": _("The file names a section this system does not know."),
    "unknown_field": _("The file names a field this system does not know."),
    "missing_field": _("A required field is missing from the file."),
    "invalid_value": _("A value in the file is not valid."),
    "duplicate_row": _("Two rows of the file are the same record."),
    "rejected_by_database": _("The database refused a row of the file."),
    "wrong_tenant": _("The file is a backup of another shop."),
    "restore_in_progress": _("Another restore of this shop is running. Wait for it to finish."),
    "restore_failed": _("The restore failed on the server. Nothing was changed."),
    "database_busy": _("The database is busy. Try again in a moment."),
    "upload_too_large": _("The file is larger than this server accepts for a restore."),
    "unsupported_file_type": _("This type of file cannot be restored. Choose a .zst, .ndjson, .json or .gz backup."),
    "missing_file": _("Choose a file to upload."),
    "missing_source": _("Choose a stored backup or a file to upload."),
    "not_found": _("That backup does not exist in your shop."),
    "job_finished": _("That job has already ended."),
    "job_active": _("That backup is still running."),
    "archive_not_ready": _("That backup is not ready yet."),
    "cancelled": _("The job was cancelled. Nothing was changed."),
    "worker_lost": _("The process running the job stopped. Nothing was changed; start it again."),
    "archive_corrupt": _("The stored backup does not match its checksum: it was damaged."),
    "storage_failed": _("The backup storage could not be reached. Try again later."),
    "invalid_schedule": _("A schedule setting is not valid."),
}


def error_text(code: str | None, fallback: str = "") -> str:
    """The reader-language sentence for ``code``; the stored message if the code is unknown."""
    return str(ERROR_TEXT.get(code or "", fallback or _("Something went wrong.")))
