"""PostgreSQL: ids reserved from the table's sequence in one round trip, rows written with ``COPY``.

``COPY`` runs through the connection's execute wrappers (as Django runs every statement, with
its ``CursorWrapper._execute_with_wrappers``), so instrumentation and fault injection see it, and inside ``wrap_database_errors``, so a refusal
surfaces as Django's ``IntegrityError``/``DataError`` like one from ``bulk_create``.
"""

from __future__ import annotations

from typing import Any

from django.db import connections, models

from . import Column, database_rows

# Binary: each value goes out in the column's own wire format, with the dumper chosen once per
# column from the table's types (``set_types``). Measured on a seeded 100k-row shop (30k rows
# inserted), whole restore, best of 3, three rounds: binary 1.30-1.58 s, text with the same
# ``set_types`` 1.34-1.84 s, text choosing a dumper per value 2.07 s; bulk_create 2.24 s.
COPY_FORMAT = "binary"


class CopyWriter:
    def __init__(self, model: type[models.Model], using: str, cols: list[Column]) -> None:
        self.using = using
        self.cols = cols
        connection = connections[using]
        quote = connection.ops.quote_name
        table, pk = model._meta.db_table, model._meta.pk.column
        names = ", ".join(quote(c) for c in [pk, *(column for _, column, _, _ in cols)])
        binary = " (FORMAT BINARY)" if COPY_FORMAT == "binary" else ""
        self.sql = f"COPY {quote(table)} ({names}) FROM STDIN{binary}"
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_get_serial_sequence(%s, %s)", [quote(table), pk])
            self.sequence = cursor.fetchone()[0]
            cursor.execute(f"SELECT {names} FROM {quote(table)} LIMIT 0")
            self.types = [column.type_code for column in cursor.description]

    def write(self, rows: list[list[Any]]) -> list[int]:
        connection = connections[self.using]
        with connection.cursor() as cursor:
            cursor.execute("SELECT nextval(%s) FROM generate_series(1, %s)", [self.sequence, len(rows)])
            ids = sorted(pk for (pk,) in cursor.fetchall())
            cursor._execute_with_wrappers(self.sql, database_rows(ids, rows, self.cols), True, self._copy)
        return ids

    def _copy(self, sql: str, rows, many: bool, context: dict) -> None:
        """The executor the wrappers call: one ``COPY`` of ``rows`` (any iterable of tuples)."""
        with context["connection"].wrap_database_errors:
            with context["cursor"].cursor.copy(sql) as copy:
                copy.set_types(self.types)
                for row in rows:
                    copy.write_row(row)
