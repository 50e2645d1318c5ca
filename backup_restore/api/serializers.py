"""The restore form, validated by the view and documented in the schema: one definition for both."""

from rest_framework import serializers


class RestoreUploadSerializer(serializers.Serializer):
    backup_file = serializers.FileField(
        allow_empty_file=True,  # an empty file is the restore's to refuse, as `empty_file`
        help_text="The backup: .ndjson.zst, .ndjson or .json (also gzip). The format is detected from the bytes. "
        "Send it with a Content-Length (multipart as curl -F or a browser sends it); a chunked body is not read."
    )
    replace = serializers.BooleanField(
        required=False,
        default=False,
        help_text="true: delete the shop's restorable data first, then insert the backup. false (merge): keep "
        "existing rows, matched by natural key, and add the rest. Accepts true/false, 1/0, yes/no, on/off.",
    )
    dry_run = serializers.BooleanField(
        required=False, default=False, help_text="Do the whole restore, answer the summary, and roll it back."
    )
