"""A job's error, stored so that it is shown in the READER's language.

A job fails in a worker process, in the language the job was started in; the one who reads it
later may ask for another. So ``BackupJob.error`` keeps, next to the API's error object (its
``message`` as written then, a fallback), the English ``template`` and its ``params``: the
API and the page render them again in the request's language (``error_shown``). A ``Clause``
among the params (a translated part of the message) is kept the same way.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.utils import translation
from django.utils.functional import Promise

from streaming.errors import MAX_MESSAGE, BackupError, Clause, render

_FIELDS = ("code", "message", "line", "section", "field")


def error_record(error: BackupError) -> dict[str, Any]:
    """What ``BackupJob.error`` stores: ``error.to_dict()`` plus its template and params."""
    return {**error.to_dict(), "template": _msgid(error.template), "params": _stored(error.params)}


def error_shown(record: Mapping[str, Any] | None) -> dict[str, Any] | None:
    """The API's error object of a stored record, its message in the active language (the one
    stored when the record holds no template, or its params no longer fit the template)."""
    if not record:
        return None
    shown = {name: record.get(name) for name in _FIELDS}
    template = record.get("template")
    if template:
        try:
            text = render(template, _loaded(record.get("params") or {}))
        except (KeyError, TypeError, ValueError):
            text = None
        if text is not None:
            shown["message"] = text if len(text) <= MAX_MESSAGE else text[: MAX_MESSAGE - 1] + "…"
    return shown


def _msgid(template: Any) -> str:
    """The untranslated text of a template: a lazy translation resolved with no language active."""
    if isinstance(template, Promise):
        with translation.override(None):
            return str(template)
    return str(template)


def _stored(params: Mapping[str, Any]) -> dict[str, Any]:
    return {name: _stored_value(value) for name, value in params.items()}


def _stored_value(value: Any) -> Any:
    if isinstance(value, Clause):
        return {"clause": _msgid(value.template), "params": _stored(value.params)}
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    return str(value)


def _loaded(params: Mapping[str, Any]) -> dict[str, Any]:
    return {name: _loaded_value(value) for name, value in params.items()}


def _loaded_value(value: Any) -> Any:
    if isinstance(value, Mapping) and "clause" in value:
        return Clause(value["clause"], _loaded(value.get("params") or {}))
    return value
