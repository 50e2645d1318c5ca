"""The throw-away databases a run measures against: SQLite files and PostgreSQL databases.

Each size gets its own database, created and dropped by the suite; the project's
``db.sqlite3`` is never touched. Migrated templates make a fresh, empty database for
``loaddata`` cheap: a file copy on SQLite, ``CREATE DATABASE ... TEMPLATE`` on PostgreSQL.
"""

from __future__ import annotations

import shutil
import sqlite3
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

DEFAULT_PG_URL = "postgres://postgres@127.0.0.1:5432/postgres"
SQLITE_SIDE_FILES = ("", "-wal", "-shm")


@dataclass(frozen=True, slots=True)
class SqliteDatabase:
    path: Path

    engine = "sqlite"

    @property
    def url(self) -> str:
        return f"sqlite:///{self.path}"

    @property
    def label(self) -> str:
        return self.path.name

    @property
    def jobs_path(self) -> Path:
        """The ``jobs`` database the settings derive from ``DATABASE_URL``: ``<stem>-jobs<suffix>``."""
        return self.path.with_name(f"{self.path.stem}-jobs{self.path.suffix}")

    def create(self) -> None:
        """``migrate`` creates the files; make sure no older ones are in the way."""
        self.drop()
        self.path.parent.mkdir(parents=True, exist_ok=True)

    def create_from(self, template: SqliteDatabase) -> None:
        self.drop()
        for mine, theirs in ((self.path, template.path), (self.jobs_path, template.jobs_path)):
            for suffix in SQLITE_SIDE_FILES:
                source = Path(f"{theirs}{suffix}")
                if source.exists():
                    shutil.copyfile(source, f"{mine}{suffix}")

    def drop(self) -> None:
        for path in (self.path, self.jobs_path):
            for suffix in SQLITE_SIDE_FILES:
                Path(f"{path}{suffix}").unlink(missing_ok=True)

    def table_rows(self, prefixes: tuple[str, ...]) -> dict[str, int]:
        with sqlite3.connect(self.path) as conn:
            names = [r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")]
            return {t: conn.execute(f'SELECT count(*) FROM "{t}"').fetchone()[0] for t in _matching(names, prefixes)}


@dataclass(frozen=True, slots=True)
class PostgresDatabase:
    admin_url: str
    name: str

    engine = "postgres"

    @property
    def url(self) -> str:
        return _with_database(self.admin_url, self.name)

    @property
    def label(self) -> str:
        return self.name

    def create(self) -> None:
        self.drop()
        _admin(self.admin_url, f'CREATE DATABASE "{self.name}"')

    def create_from(self, template: PostgresDatabase) -> None:
        self.drop()
        _admin(self.admin_url, f'CREATE DATABASE "{self.name}" TEMPLATE "{template.name}"')

    def drop(self) -> None:
        _admin(self.admin_url, f'DROP DATABASE IF EXISTS "{self.name}" WITH (FORCE)')

    def table_rows(self, prefixes: tuple[str, ...], schema: str = "public") -> dict[str, int]:
        import psycopg

        with psycopg.connect(self.url.replace("postgres://", "postgresql://", 1)) as conn:
            names = [r[0] for r in conn.execute("SELECT tablename FROM pg_tables WHERE schemaname = %s", (schema,))]
            return {
                t: conn.execute(f'SELECT count(*) FROM "{schema}"."{t}"').fetchone()[0] for t in _matching(names, prefixes)
            }

    def copy_tables(self, schema: str, tables: list[str]) -> None:
        """Empty copies of ``tables`` in a fresh ``schema``: columns, defaults, constraints and
        indexes (primary keys included), no foreign keys."""
        self.drop_schema(schema)
        statements = [f'CREATE SCHEMA "{schema}"']
        statements += [f'CREATE TABLE "{schema}"."{t}" (LIKE public."{t}" INCLUDING ALL)' for t in tables]
        _admin(self.url, "; ".join(statements))

    def drop_schema(self, schema: str) -> None:
        _admin(self.url, f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')


Database = SqliteDatabase | PostgresDatabase


def sqlite_version() -> str:
    return sqlite3.sqlite_version


def postgres_version(admin_url: str) -> str | None:
    """The server's version, or None when it cannot be reached."""
    try:
        return str(_admin(admin_url, "SHOW server_version", connect_timeout=3))
    except Exception:
        return None


def admin_url_from(url: str | None) -> str:
    """A URL to the ``postgres`` maintenance database of the server ``url`` points at."""
    if not url or not url.startswith(("postgres://", "postgresql://")):
        return DEFAULT_PG_URL
    return _with_database(url, "postgres")


def redact(url: str) -> str:
    """The URL without its password, for results that get committed."""
    parts = urlsplit(url)
    if parts.password is None:
        return url
    netloc = parts.netloc.replace(f":{parts.password}@", ":***@", 1)
    return urlunsplit((parts.scheme, netloc, parts.path, parts.query, parts.fragment))


def _matching(names: list[str], prefixes: tuple[str, ...]) -> list[str]:
    return sorted(n for n in names if n.startswith(prefixes))


def _with_database(url: str, name: str) -> str:
    parts = urlsplit(url)
    return urlunsplit((parts.scheme, parts.netloc, f"/{name}", parts.query, parts.fragment))


def _admin(admin_url: str, sql: str, connect_timeout: int = 10):
    import psycopg

    conninfo = admin_url.replace("postgres://", "postgresql://", 1)
    with psycopg.connect(conninfo, autocommit=True, connect_timeout=connect_timeout) as conn:
        cursor = conn.execute(sql)
        return cursor.fetchone()[0] if cursor.description else None
