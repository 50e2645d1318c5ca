"""How a checked, remapped batch of a restore reaches its table.

Everything before this point (reader, checks, allow-list, id remap, merge matching, deferred
FKs) is the same on every path; a writer only stores rows and answers their new ids in order.

- ``postgres.CopyWriter``: ids reserved in one round trip from the table's sequence, then one
  ``COPY ... FROM STDIN`` per batch.
- ``sqlite.ExecutemanyWriter``: one prepared ``INSERT`` run with ``executemany``, ids assigned
  under the restore's hold on SQLite's single writer.
- ``portable.BulkCreateWriter``: Django's ``bulk_create``, for every other database, when the
  ``RESTORE_WRITE_PATH`` setting is ``"portable"``, and for any model the fast paths refuse.

The fast paths refuse (and the portable path takes) a model that:

- overrides ``save()`` or ``__init__()``, or has ``pre_init``/``post_init``/``pre_save``/
  ``post_save`` receivers (``bulk_create`` builds instances and runs ``pre_save`` of each field);
- has a parent model (multi-table inheritance), a primary key that is not an auto-increment
  integer, a generated field, or a field with a database default (``db_default``);
- has a field whose storing behaviour ``convert.py`` does not mirror: a field class it does not
  know, a known class overriding how a value is stored, or a foreign key to a non-integer key;
- on PostgreSQL: a primary key with no sequence behind it.
"""

from __future__ import annotations

from typing import Any, Protocol

from django.db import connections, models
from django.db.models import signals

from ..conf import backup_settings
from .convert import Unsupported, db_converter
from .portable import BulkCreateWriter

WRITE_PATHS = ("fast", "portable")


class Writer(Protocol):
    def write(self, rows: list[list[Any]]) -> list[int]:
        """Store ``rows`` (values in the order of the model's concrete fields, checked, the
        primary key left None) and return their new primary keys, in order."""


def writer_for(model: type[models.Model], using: str) -> Writer:
    """The fastest writer that stores ``model`` rows exactly as ``bulk_create`` would."""
    path = backup_settings.RESTORE_WRITE_PATH
    if path not in WRITE_PATHS:
        raise ValueError(f"RESTORE_WRITE_PATH must be one of {', '.join(WRITE_PATHS)}, not {path!r}")
    connection = connections[using]
    if path == "portable" or connection.vendor not in ("postgresql", "sqlite") or refusal(model, connection):
        return BulkCreateWriter(model, using)
    if connection.vendor == "postgresql":
        from .postgres import CopyWriter

        writer = CopyWriter(model, using, columns(model, connection))
        return writer if writer.sequence else BulkCreateWriter(model, using)
    from .sqlite import ExecutemanyWriter

    return ExecutemanyWriter(model, using, columns(model, connection))


def refusal(model: type[models.Model], connection) -> str | None:
    """Why the fast path cannot take ``model`` (None if it can)."""
    meta = model._meta
    if model.save is not models.Model.save or model.__init__ is not models.Model.__init__:
        return "it overrides save() or __init__()"
    for signal in (signals.pre_init, signals.post_init, signals.pre_save, signals.post_save):
        if signal.has_listeners(model):
            return "it has signal receivers"
    if meta.parents or not isinstance(meta.pk, models.AutoField):
        return "its primary key is inherited or not an auto-increment integer"
    if any(f.generated or f.has_db_default() for f in meta.concrete_fields):
        return "it has a generated field or a database default"
    try:
        columns(model, connection)
    except Unsupported as exc:
        return str(exc)
    return None


Column = tuple[int, str, Any, bool]  # (position in the row, column name, converter or None, takes None)


def columns(model: type[models.Model], connection) -> list[Column]:
    """Every concrete field but the primary key, with its converter."""
    out = []
    for position, field in enumerate(model._meta.concrete_fields):
        if field is not model._meta.pk:
            out.append((position, field.column, *db_converter(field, connection)))
    return out


def database_rows(ids: list[int], rows: list[list[Any]], cols: list[Column]) -> list[tuple]:
    """``(id, *database values)`` of each row, converted column by column."""
    converted = [ids]
    for position, _, convert, takes_none in cols:
        values = [row[position] for row in rows]
        if convert is not None:
            if takes_none:
                values = [convert(v) for v in values]
            else:
                values = [None if v is None else convert(v) for v in values]
        converted.append(values)
    return list(zip(*converted))

