"""The export's read path: a section's rows straight from a database cursor.

The query is the ORM's own (``values_list`` compiled by Django, so the same filter, columns
and order), run on a server-side (named) cursor on PostgreSQL and a plain one on SQLite,
inside the export's snapshot. Rows arrive as tuples of driver values. Django would pass
every value through its converters (``from_db_value`` and the backend's own); here a column
is converted only where the driver's value differs from what the file carries, by a small
function chosen once per column, with exactly the result Django's converter gives:

* SQLite: datetimes (stored as text, read back naive) become aware in the connection's time
  zone; decimals (stored as floats) are rounded to 15 digits and quantised, and leave as the
  text Django's ``Decimal`` would print; UUIDs (hex text) become ``UUID``; JSON is parsed.
* PostgreSQL: JSON is parsed (Django reads ``jsonb`` as text); nothing else needs a change.

A column whose Django converters have no counterpart here (a custom field, a duration on
SQLite...) sends its whole section through the ORM, as does ``EXPORT_READ_PATH = "orm"``.
"""

from __future__ import annotations

import decimal
import json
import re
from collections.abc import Callable, Iterator
from datetime import date, datetime
from typing import Any
from uuid import UUID

import orjson
from django.conf import settings
from django.core.exceptions import EmptyResultSet, ImproperlyConfigured
from django.db import connections, models
from django.utils.dateparse import parse_date, parse_datetime

from .conf import backup_settings

Convert = Callable[[Any], Any]

READ_PATHS = ("cursor", "orm")


def read_rows(queryset: models.QuerySet, using: str) -> Iterator[tuple]:
    """The rows of a ``values_list`` queryset, as its ``iterator()`` would give them."""
    path = backup_settings.EXPORT_READ_PATH
    if path not in READ_PATHS:
        raise ImproperlyConfigured(f"BACKUP_RESTORE['EXPORT_READ_PATH'] must be one of {READ_PATHS}, not {path!r}")
    size = backup_settings.EXPORT_FETCH_SIZE
    if path == "cursor" and (compiled := cursor_query(queryset, using)) is not None:
        sql, params, converters = compiled
        return _cursor_rows(connections[using], sql, params, converters, size)
    return queryset.iterator(chunk_size=size)


def cursor_query(queryset: models.QuerySet, using: str) -> tuple[str, Any, list[tuple[int, Convert]]] | None:
    """The queryset's SQL, parameters and ``(column, convert)`` for each column that needs it;
    None when a column's Django converters have no counterpart here (the ORM then reads it)."""
    compiler = queryset.query.get_compiler(using=using)
    try:
        sql, params = compiler.as_sql()
    except EmptyResultSet:  # a query that can match nothing: the ORM knows to run none
        return None
    expressions = [column for column, _, _ in compiler.select]
    converters = []
    for position, (_, expression) in sorted(compiler.get_converters(expressions).items()):
        if (convert := _converter(_target(expression.output_field), compiler.connection)) is None:
            return None
        converters.append((position, convert))
    return sql, params, converters


def _cursor_rows(connection, sql: str, params, converters: list[tuple[int, Convert]], size: int) -> Iterator[tuple]:
    """Run ``sql`` and yield its rows, converted; the cursor is closed when the generator is."""
    chunked = not connection.settings_dict.get("DISABLE_SERVER_SIDE_CURSORS")
    cursor = connection.chunked_cursor() if chunked else connection.cursor()
    try:
        cursor.execute(sql, params)
        while batch := cursor.fetchmany(size):
            if converters:
                batch = _converted(batch, converters)
            yield from batch
    finally:
        cursor.close()


def _converted(batch: list[tuple], converters: list[tuple[int, Convert]]) -> list[tuple]:
    rows = []
    for row in batch:
        row = list(row)
        for i, convert in converters:
            if (value := row[i]) is not None:
                row[i] = convert(value)
        rows.append(tuple(row))
    return rows


def _target(field: models.Field) -> models.Field:
    while isinstance(field, models.ForeignKey):
        field = field.target_field
    return field


def _converter(field: models.Field, connection) -> Convert | None:
    """Our counterpart of every converter Django applies to ``field``'s column, or None."""
    if isinstance(field, models.JSONField) and type(field).from_db_value is models.JSONField.from_db_value:
        return _json_converter(field)
    if hasattr(field, "from_db_value") or connection.vendor != "sqlite":
        return None
    match field.get_internal_type():
        case "DateTimeField":
            return _sqlite_datetime(connection.timezone if settings.USE_TZ else None)
        case "DecimalField" if field.decimal_places is not None:
            return _sqlite_decimal(field)
        case "UUIDField":
            return UUID
        # The sqlite3 module's converters (registered by Django for the declared types "date"
        # and "bool") already give these; a column declared otherwise gives text or 0/1.
        case "DateField":
            return _sqlite_date
        case "BooleanField":
            return _sqlite_bool
    return None


def _sqlite_date(value: Any) -> Any:
    return value if isinstance(value, date) else parse_date(value)


def _sqlite_bool(value: Any) -> Any:
    return bool(value) if value in (1, 0) else value


def _sqlite_datetime(zone) -> Convert:
    """Django's ``convert_datetimefield_value``: naive values are in the connection's zone."""

    def convert(value: Any) -> Any:
        if value.__class__ is not datetime:
            value = parse_datetime(value)
        if zone is None or value.tzinfo is not None:
            return value
        return value.replace(tzinfo=zone)

    return convert


def _sqlite_decimal(field: models.DecimalField) -> Convert:
    """Django's SQLite decimal converter, as the text its ``Decimal`` prints (what the file holds)."""
    from_float = decimal.Context(prec=15).create_decimal_from_float  # SQLite keeps 15 digits
    exponent = decimal.Decimal(1).scaleb(-field.decimal_places)
    context = field.context
    Decimal = decimal.Decimal

    def convert(value: Any) -> str:
        number = from_float(value) if value.__class__ is float else Decimal(value)
        return str(number.quantize(exponent, context=context))

    return convert


# A run of 19 digits may be a whole number beyond 64 bits, which orjson would read as a float.
_LONG_NUMBER = re.compile(r"\d{19}")


def _json_converter(field: models.JSONField) -> Convert:
    """``JSONField.from_db_value``: ``json.loads``, the text itself when it is not JSON.

    orjson gives the same values, faster, for any text it accepts without a run of 19 digits;
    the rest (big numbers, ``NaN``, lone surrogates, not JSON at all) goes to ``json.loads``.
    """
    decoder = field.decoder

    def django(value: Any) -> Any:
        try:
            return json.loads(value, cls=decoder)
        except json.JSONDecodeError:
            return value

    if decoder is not None:
        return django
    search, loads, failed = _LONG_NUMBER.search, orjson.loads, orjson.JSONDecodeError

    def convert(value: Any) -> Any:
        if value.__class__ is not str or search(value):
            return django(value)
        try:
            return loads(value)
        except failed:
            return django(value)

    return convert
