"""The page's forms: every control has a label, every message goes through gettext."""

from __future__ import annotations

import zoneinfo
from pathlib import PurePath

from django import forms
from django.utils.translation import gettext_lazy as _

ACCEPTED_SUFFIXES = (".zst", ".ndjson", ".json", ".gz")
ACCEPT_ATTRIBUTE = ",".join(ACCEPTED_SUFFIXES)


def accepted_file_name(name: str) -> bool:
    """Whether ``name`` ends like a backup the restore reads (``.ndjson.zst``, ``.json.gz``...)."""
    return PurePath(name.lower()).suffix in ACCEPTED_SUFFIXES


class RestoreForm(forms.Form):
    """The first step of a restore: where from, and how. It always starts a dry run."""

    SOURCE_ARCHIVE, SOURCE_UPLOAD = "archive", "upload"
    source = forms.ChoiceField(
        label=_("Restore from"),
        choices=[(SOURCE_ARCHIVE, _("A stored backup")), (SOURCE_UPLOAD, _("A file from this computer"))],
        widget=forms.RadioSelect,
        initial=SOURCE_ARCHIVE,
    )
    archive = forms.TypedChoiceField(label=_("Stored backup"), coerce=int, required=False, empty_value=None)
    backup_file = forms.FileField(
        label=_("Backup file"),
        required=False,
        widget=forms.ClearableFileInput(attrs={"accept": ACCEPT_ATTRIBUTE}),
    )
    mode = forms.ChoiceField(
        label=_("Mode"),
        choices=[("merge", _("Merge (combinar): keep what is there, add what is missing")),
                 ("replace", _("Replace (reemplazar): delete the shop's data, then restore the file"))],
        widget=forms.RadioSelect,
        initial="merge",
    )  # fmt: skip

    def __init__(self, *args, archives=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["archive"].choices = [("", _("— choose —"))] + [(a.pk, label) for a, label in archives]

    def clean(self):
        data = super().clean()
        if data.get("source") == self.SOURCE_ARCHIVE and not data.get("archive"):
            self.add_error("archive", _("Choose a stored backup."))
        if data.get("source") == self.SOURCE_UPLOAD and not data.get("backup_file"):
            self.add_error("backup_file", _("Choose a file to upload."))
        return data


class ReplaceConfirmForm(forms.Form):
    """Replace deletes the shop's data: the user types the shop's name to go on."""

    shop_name = forms.CharField(label=_("Type the shop's name to confirm"), max_length=200)

    def __init__(self, *args, expected: str, **kwargs):
        super().__init__(*args, **kwargs)
        self.expected = expected

    def clean_shop_name(self):
        value = self.cleaned_data["shop_name"]
        if value.strip() != self.expected.strip():
            raise forms.ValidationError(_("That is not the shop's name. Nothing was changed."))
        return value


class ScheduleForm(forms.Form):
    enabled = forms.BooleanField(label=_("Make a backup every day"), required=False)
    hour = forms.IntegerField(label=_("Hour of the day (0–23)"), min_value=0, max_value=23)
    timezone = forms.CharField(label=_("Time zone"), max_length=64)
    keep_daily = forms.IntegerField(label=_("Daily backups to keep"), min_value=0, max_value=366)
    keep_weekly = forms.IntegerField(label=_("Weekly backups to keep"), min_value=0, max_value=520)

    def clean_timezone(self):
        value = self.cleaned_data["timezone"].strip()
        if value not in zoneinfo.available_timezones():
            raise forms.ValidationError(_("Unknown time zone, e.g. America/La_Paz."))
        return value
