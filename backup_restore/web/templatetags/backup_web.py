"""Labels of the page, in the reader's language."""

from django import template
from django.utils.translation import gettext_lazy as _

from ...jobs.messages import error_shown
from ..messages import error_text

register = template.Library()

STATES = {
    "queued": _("Queued"),
    "running": _("Running"),
    "cancel_requested": _("Cancelling"),
    "succeeded": _("Done"),
    "failed": _("Failed"),
    "cancelled": _("Cancelled"),
}
PHASES = {
    "checking": _("Checking the file"),
    "restoring": _("Restoring"),
    "writing": _("Writing the backup"),
    "verifying": _("Verifying the backup"),
}
OUTCOMES = {
    "job_started": _("started"),
    "job_reused": _("already running"),
    "succeeded": _("succeeded"),
    "ok": _("succeeded"),
    "failed": _("failed"),
    "refused": _("refused"),
    "cancel_requested": _("cancel requested"),
    "cancelled": _("cancelled"),
    "archive_deleted": _("backup deleted"),
    "downloaded": _("downloaded"),
    "head": _("headers only"),
}
ACTIONS = {"backup": _("Backup"), "restore": _("Restore")}


@register.filter
def state_label(value: str) -> str:
    return str(STATES.get(value, value))


@register.filter
def phase_label(value: str) -> str:
    return str(PHASES.get(value, value))


@register.filter
def outcome_label(value: str) -> str:
    return str(OUTCOMES.get(value, value or "—"))


@register.filter
def action_label(value: str) -> str:
    return str(ACTIONS.get(value, value))


@register.filter
def shown_error(error: dict | None) -> dict | None:
    """A job's stored error, its message in the reader's language."""
    return error_shown(error)


@register.filter
def error_label(error: dict | None) -> str:
    if not error:
        return ""
    return error_text(error.get("code"), error.get("message", ""))


@register.simple_tag
def summary_table(summary: dict) -> dict:
    """A restore summary per section: created, matched, deleted, skipped; and the totals."""
    sections = summary.get("sections") or {}
    deleted = summary.get("deleted") or {}
    rows = []
    for name in list(sections) + [n for n in deleted if n not in sections]:
        counts = sections.get(name) or {}
        rows.append({
            "section": name,
            "created": counts.get("created", 0),
            "matched": counts.get("matched", 0),
            "skipped": counts.get("skipped", 0),
            "deleted": deleted.get(name, 0),
        })  # fmt: skip
    total = {key: sum(r[key] for r in rows) for key in ("created", "matched", "skipped", "deleted")}
    return {"rows": rows, "total": total}
