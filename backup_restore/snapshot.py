"""One consistent read-only view of the database for the whole backup."""

from collections.abc import Iterator
from contextlib import contextmanager

from django.db import DEFAULT_DB_ALIAS, connections, transaction


@contextmanager
def read_snapshot(using: str = DEFAULT_DB_ALIAS) -> Iterator[None]:
    """Every query inside sees the database as it was when the block was entered.

    PostgreSQL: a ``REPEATABLE READ READ ONLY`` transaction. SQLite: a deferred read
    transaction, which in WAL mode keeps its snapshot while writers carry on. Both take their
    snapshot at the first read, so one is made at once. Inside an outer transaction (tests)
    that transaction already fixes what is seen.
    """
    connection = connections[using]
    owns_transaction = not connection.in_atomic_block
    with transaction.atomic(using=using):
        if owns_transaction:
            with connection.cursor() as cursor:
                if connection.vendor == "postgresql":
                    cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY")
                # The first read pins the snapshot (PostgreSQL) or starts the read transaction (SQLite).
                cursor.execute("SELECT count(*) FROM django_migrations")
        yield
