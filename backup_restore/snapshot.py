"""One consistent read-only view of the database for the whole backup."""

from collections.abc import Iterator
from contextlib import contextmanager

from django.db import DEFAULT_DB_ALIAS, connections, transaction


@contextmanager
def read_snapshot(using: str = DEFAULT_DB_ALIAS) -> Iterator[None]:
    """Every query inside sees the database as it was at the first one.

    PostgreSQL: a ``REPEATABLE READ READ ONLY`` transaction. SQLite: a deferred read
    transaction, which in WAL mode keeps its snapshot while writers carry on.
    Inside an outer transaction (tests) that transaction already gives the snapshot.
    """
    connection = connections[using]
    owns_transaction = not connection.in_atomic_block
    with transaction.atomic(using=using):
        if owns_transaction and connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY")
        yield
