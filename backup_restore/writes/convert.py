"""Per-field conversion of checked values to what the database driver stores, built once per section.

Each converter does, for the values a restore produces (already checked by ``values.py``),
exactly what Django's ``field.get_db_prep_save(value, connection)`` does for that vendor:

- DateTimeField: PostgreSQL takes the aware datetime; SQLite stores it made naive in the
  connection's time zone (UTC) as ``str()``, the text Django writes.
- DateField / TimeField: the value on PostgreSQL; ``str()`` on SQLite (an aware time is
  refused as Django refuses it).
- DecimalField: the ``Decimal`` itself: ``adapt_decimalfield_value`` leaves it unchanged on
  both vendors and SQLite's registered adapter writes ``str()`` of it.
- JSONField: the vendor's own ``adapt_json_value`` (``json.dumps`` text on SQLite, psycopg's
  ``Jsonb`` on PostgreSQL); None is SQL NULL.
- UUIDField: the ``UUID`` on PostgreSQL (native type), ``.hex`` on SQLite.
- GenericIPAddressField: ``get_prep_value`` (IPv6 normalised as Django does), then the vendor's
  ``adapt_ipaddressfield_value`` (empty -> NULL; ``Inet`` on PostgreSQL).
- FileField / ImageField: the stored name, ``str()``.
- Integers, booleans, floats, text, foreign keys to integer keys: unchanged.
- ``auto_now`` / ``auto_now_add`` fields: the current time, as their ``pre_save`` sets it on insert.

A field is taken only if its class does not override any of the methods that decide the stored
value (``to_python``, ``get_prep_value``, ``get_db_prep_value``, ``get_db_prep_save``, ``pre_save``)
beyond the Django class its converter mirrors; anything else raises ``Unsupported``.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable
from functools import partial
from typing import Any

from django.db import models
from django.db.models.fields.json import JSONField
from django.utils import timezone

Convert = Callable[[Any], Any]
_DECIDING = ("to_python", "get_prep_value", "get_db_prep_value", "get_db_prep_save", "pre_save")
_PLAIN = (
    models.AutoField, models.BigAutoField, models.SmallAutoField,
    models.IntegerField, models.BigIntegerField, models.SmallIntegerField,
    models.PositiveIntegerField, models.PositiveBigIntegerField, models.PositiveSmallIntegerField,
    models.BooleanField, models.FloatField, models.DecimalField,
    models.CharField, models.TextField, models.EmailField, models.SlugField, models.URLField,
)  # stored as they are on both vendors
_KNOWN = (
    *_PLAIN, models.DateTimeField, models.DateField, models.TimeField, models.UUIDField,
    models.GenericIPAddressField, JSONField, models.FileField, models.ImageField,
)


class Unsupported(Exception):
    """The fast path cannot convert this field exactly as Django would; the message says why."""


def db_converter(field: models.Field, connection) -> tuple[Convert | None, bool]:
    """(converter, whether it also takes None): None for values stored as they are; only the
    converter of an ``auto_now`` field takes None (it ignores the value, as ``pre_save`` does)."""
    if field.is_relation:
        return _relation(field, connection), False
    base = _mirrored_class(field)
    convert = _vendor(base, field, connection)
    if getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False):
        now = _now(base)
        return (lambda _value: convert(now())) if convert else (lambda _value: now()), True
    return convert, False


def _vendor(base: type, field: models.Field, connection) -> Convert | None:
    if base in _PLAIN:
        return None
    sqlite = connection.vendor == "sqlite"
    if base is models.DateTimeField:
        return partial(_naive_text, connection.timezone) if sqlite else None
    if base is models.DateField:
        return str if sqlite else None
    if base is models.TimeField:
        return connection.ops.adapt_timefield_value if sqlite else None
    if base is models.UUIDField:
        return _hex if sqlite else None
    if base is models.GenericIPAddressField:
        return partial(_ip, field.get_prep_value, connection.ops.adapt_ipaddressfield_value)
    if base is JSONField:
        return partial(connection.ops.adapt_json_value, encoder=field.encoder)
    return str  # FileField, ImageField: the name


def _mirrored_class(field: models.Field) -> type:
    """The Django class whose storing behaviour ``field`` has, or ``Unsupported``."""
    base = next((cls for cls in type(field).__mro__ if cls in _KNOWN), None)
    if base is None:
        raise Unsupported(f"field {field.name} is a {type(field).__name__}, which the fast path does not convert")
    if changed := [m for m in _DECIDING if getattr(type(field), m) is not getattr(base, m)]:
        raise Unsupported(f"field {field.name} ({type(field).__name__}) overrides {', '.join(changed)}")
    return base


def _relation(field: models.Field, connection) -> None:
    if not isinstance(field, models.ForeignKey) or type(field).get_db_prep_save is not models.ForeignKey.get_db_prep_save:
        raise Unsupported(f"field {field.name} is a {type(field).__name__}")
    target = field.target_field
    if db_converter(target, connection)[0] is not None or not isinstance(target, (models.IntegerField, models.AutoField)):
        raise Unsupported(f"field {field.name} points to a {type(target).__name__} key")
    return None


def _now(base: type) -> Callable[[], Any]:
    """What ``pre_save(add=True)`` of an ``auto_now``/``auto_now_add`` field sets, before the
    vendor's conversion."""
    if base is models.DateTimeField:
        return timezone.now
    if base is models.DateField:
        return datetime.date.today
    return lambda: datetime.datetime.now().time()


def _naive_text(zone: datetime.tzinfo, value: datetime.datetime) -> str:
    return str(value.astimezone(zone).replace(tzinfo=None))


def _hex(value) -> str:
    return value.hex


def _ip(prepare: Convert, adapt: Convert, value: str) -> Any:
    return adapt(prepare(value))
