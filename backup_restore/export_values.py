"""Refuse at export the values a restore would refuse, before the user trusts a useless file.

The rules are the restore's own (``values.value_converter``), applied to the value as the
file will carry it. Only the fields whose rule the current database does not enforce itself
are checked, so the cost per row stays small: choices and validators (no database checks
them), and on SQLite, which stores anything in any column, also lengths, NUL characters,
integer ranges and decimal digits. PostgreSQL enforces those, but a ``numeric`` column holds
``NaN``, so decimals are checked there too.

A value Python cannot even read fails the query itself: a PostgreSQL timestamp after the
year 9999 in UTC (``DataError``), a SQLite number too large for its decimal field
(``decimal.InvalidOperation``); ``unreadable_value`` finds the row for the error message.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

import orjson
from django.core import validators
from django.db import models
from django.db.models.functions import Cast
from django.utils.translation import gettext_lazy as _

from streaming.encoding import encode_record
from streaming.errors import shorten

from .errors import UnexportableValue
from .registry import FieldKind, ModelPlan
from .values import ValueProblem, value_converter

Check = Callable[[Any], Any]

# Validators that only restate what the value converter or the database checks already.
_PLAIN_VALIDATORS = (
    validators.MaxLengthValidator,
    validators.MinValueValidator,
    validators.MaxValueValidator,
    validators.DecimalValidator,
    validators.ProhibitNullCharactersValidator,
)
_UNCHECKED_BY_SQLITE = (
    models.CharField,
    models.TextField,
    models.FileField,
    models.JSONField,
    models.DecimalField,
    models.IntegerField,
)


def value_checks(plan: ModelPlan, vendor: str) -> tuple[tuple[int, str, Check], ...]:
    """``(column, field name, check)`` for the fields of ``plan`` the database leaves unchecked."""
    return tuple(
        (i, f.name, _check(f.field))
        for i, f in enumerate(plan.fields)
        if f.kind in (FieldKind.VALUE, FieldKind.FILE) and _needs_check(f.field, vendor)
    )


def _needs_check(field: models.Field, vendor: str) -> bool:
    if vendor == "sqlite":
        return bool(field.choices) or _validated(field) or isinstance(field, _UNCHECKED_BY_SQLITE)
    if isinstance(field, models.GenericIPAddressField):  # PostgreSQL's inet type checks addresses
        return bool(field.choices)
    return bool(field.choices) or _validated(field) or isinstance(field, models.DecimalField)


def _validated(field: models.Field) -> bool:
    return any(not isinstance(v, _PLAIN_VALIDATORS) for v in field.validators)


def _check(field: models.Field) -> Check:
    """The restore's converter, given the value in the form the file carries it."""
    check = _file_form_check(field)
    return _remembering(check) if _validated(field) else check


def _remembering(check: Check, size: int = 4096) -> Check:
    """Validators (addresses, e-mails) cost microseconds; a column repeats a few values (the audit
    log's addresses), so the first ``size`` values found good are not checked again."""
    good: set = set()

    def remembered(value: Any) -> None:
        if value not in good:
            check(value)
            if len(good) < size:
                good.add(value)

    return remembered


def _file_form_check(field: models.Field) -> Check:
    convert = value_converter(field)
    if isinstance(field, (models.CharField, models.TextField, models.FileField, models.IntegerField, models.JSONField)):
        return convert  # read as str / int / JSON values: already the file's form
    if isinstance(field, models.DecimalField):
        return lambda value: convert(str(value) if isinstance(value, Decimal) else value)
    return lambda value: convert(orjson.loads(encode_record(value)))


def refuse(plan: ModelPlan, row: tuple, column: int, name: str, problem: ValueProblem) -> UnexportableValue:
    pk = row[next(i for i, f in enumerate(plan.fields) if f.kind is FieldKind.PK)]
    return UnexportableValue(
        _(
            "%(section)s row id %(id)s, field %(field)s: %(problem)s. A restore would refuse this value, so no "
            "backup was made; correct it in the shop's data and back up again."
        ),
        params={"section": plan.label, "id": pk, "field": name, "problem": str(problem)},
        section=plan.label,
        field=name,
    )


def unreadable_value(plan: ModelPlan, tenant, using: str, error: Exception) -> UnexportableValue:
    """The export query failed on a value: find the date or number out of range.

    Runs after the failed transaction has ended; the rows are found by comparison in the
    database, which never converts the bad value to Python.
    """
    for f in plan.fields:
        if (limits := _readable_range(f.field)) and (found := _outside(plan, f.field, limits, tenant, using)):
            pk, text = found
            return UnexportableValue(
                _(
                    "%(section)s row id %(id)s, field %(field)s: the value %(value)s lies outside what the field "
                    "can hold (%(low)s to %(high)s), so no backup was made; correct it in the shop's data and back "
                    "up again."
                ),
                params={"section": plan.label, "id": pk, "field": f.name, "value": text, "low": limits[0], "high": limits[1]},
                section=plan.label,
                field=f.name,
            )
    return UnexportableValue(
        _("%(section)s: the database holds a value that cannot be read (%(error)s), so no backup was made."),
        params={"section": plan.label, "error": error},
        section=plan.label,
    )


def _readable_range(field: models.Field) -> tuple[Any, Any] | None:
    if isinstance(field, models.DateTimeField):
        return datetime.min.replace(tzinfo=UTC), datetime.max.replace(tzinfo=UTC)
    if isinstance(field, models.DateField):
        return date.min, date.max
    if isinstance(field, models.DecimalField):
        largest = Decimal(10) ** (field.max_digits - field.decimal_places) - Decimal(10) ** -field.decimal_places
        return -largest, largest
    return None


def _outside(plan: ModelPlan, field: models.Field, limits: tuple, tenant, using: str) -> tuple[Any, str] | None:
    low, high = limits
    rows = plan.rows_of(tenant).using(using)
    outside = rows.filter(models.Q(**{f"{field.name}__gt": high}) | models.Q(**{f"{field.name}__lt": low}))
    return outside.values_list("pk", Cast(field.name, models.TextField())).first()


_INT64 = (-(2**63), 2**64 - 1)  # the whole numbers a backup carries (orjson and every reader)


def json_fixes(plan: ModelPlan) -> list[tuple[int, Callable[[Any], Any]]]:
    """``(column, fix)`` for the JSON fields of ``plan``, for the export's one pass of fixes: a
    float that PostgreSQL's ``jsonb`` hands back as a whole number (1.8e19 as
    18446744073709552000) is written as the float it was; a whole number beyond 64 bits that no
    float holds exactly raises ``ValueProblem``, which the export turns into a refusal naming the row."""
    return [(i, _carried) for i, f in enumerate(plan.fields) if isinstance(f.field, models.JSONField)]


def _carried(value: Any) -> Any:
    if type(value) is int:
        if _INT64[0] <= value <= _INT64[1]:
            return value
        if Decimal(repr(float(value))) == value:  # the shortest writing of a float: jsonb's reading of one
            return float(value)
        raise ValueProblem(_("holds the whole number %(value)s, beyond the 64 bits a backup carries"), value=shorten(value))
    if type(value) is list:
        items = [_carried(item) for item in value]
        return value if all(a is b for a, b in zip(items, value)) else items
    if type(value) is dict:
        items = {key: _carried(item) for key, item in value.items()}
        return value if all(items[k] is v for k, v in value.items()) else items
    return value
