"""SQLite: one prepared ``INSERT`` per section, run with ``executemany`` per batch.

Ids are assigned here rather than taken from ``RETURNING``: ``executemany`` discards what a
statement returns, and a multi-row ``INSERT ... RETURNING`` (what ``bulk_create`` does) is
the slower statement this path exists to avoid. Assigning is safe because the restore holds
SQLite's single writer for its whole transaction (``locks.claim_writer`` writes first): no
other connection can insert into the table until it commits or rolls back. The next id is
the larger of the table's largest id and its ``AUTOINCREMENT`` counter, so ids are never
reused, as SQLite itself would assign them; explicit ids advance that counter as usual.
"""

from __future__ import annotations

from typing import Any

from django.db import connections, models

from . import Column, database_rows


class ExecutemanyWriter:
    def __init__(self, model: type[models.Model], using: str, cols: list[Column]) -> None:
        self.using = using
        self.cols = cols
        quote = connections[using].ops.quote_name
        table, pk = model._meta.db_table, model._meta.pk.column
        names = ", ".join(quote(c) for c in [pk, *(column for _, column, _, _ in cols)])
        self.sql = f"INSERT INTO {quote(table)} ({names}) VALUES ({', '.join(['%s'] * (len(cols) + 1))})"
        self.next_id_sql = (
            f"SELECT max(coalesce((SELECT seq FROM sqlite_sequence WHERE name = %s), 0), "
            f"coalesce((SELECT max({quote(pk)}) FROM {quote(table)}), 0)) + 1"
        )
        self.table = table

    def write(self, rows: list[list[Any]]) -> list[int]:
        with connections[self.using].cursor() as cursor:
            cursor.execute(self.next_id_sql, [self.table])
            first = cursor.fetchone()[0]
            ids = list(range(first, first + len(rows)))
            cursor.executemany(self.sql, database_rows(ids, rows, self.cols))
        return ids
