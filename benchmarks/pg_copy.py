"""The database's own limits on PostgreSQL, measured in a child process with the project's settings.

``python -m benchmarks.pg_copy to FOLDER`` writes the bench tenant's rows of every table of
the backup plan with ``COPY (SELECT …) TO STDOUT``, through zstd level 3, one file per table
plus ``manifest.json``. The ``SELECT`` of each table is the plan's own ``rows_of(tenant)``
queryset (the same rows, joins and order the export reads), its parameters bound on the
client by psycopg. ``python -m benchmarks.pg_copy from FOLDER SCHEMA`` loads those files with
``COPY … FROM STDIN`` into the empty copies of the tables in ``SCHEMA`` (made by the harness),
in one transaction like a restore. Each prints its figures as JSON on stdout.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import orjson

LEVEL = 3
CHUNK = 1 << 20
MANIFEST = "manifest.json"
TENANT = "bench"


def copy_to(folder: Path, slug: str = TENANT) -> dict:
    import zstandard
    from django.db import connection, transaction
    from psycopg import ClientCursor

    from backup_restore.registry import get_plan
    from backup_restore.tenancy import tenant_by_slug

    tenant = tenant_by_slug(slug)
    folder.mkdir(parents=True, exist_ok=True)
    compressor = zstandard.ZstdCompressor(level=LEVEL)
    tables = []
    with transaction.atomic():
        cursor = ClientCursor(connection.connection)
        for plan in get_plan().models:
            sql, params = plan.rows_of(tenant).query.sql_with_params()
            meta = plan.model._meta
            path = folder / f"{meta.db_table}.tsv.zst"
            with open(path, "wb") as raw, compressor.stream_writer(raw, closefd=False) as out:
                with cursor.copy(f"COPY ({cursor.mogrify(sql, params)}) TO STDOUT") as copy:
                    for data in copy:
                        out.write(data)
            columns = [f.column for f in meta.concrete_fields]
            tables.append({"table": meta.db_table, "columns": columns, "rows": cursor.rowcount, "file": path.name})
    (folder / MANIFEST).write_bytes(orjson.dumps({"tables": tables}))
    return {"rows": sum(t["rows"] for t in tables), "file_bytes": sum((folder / t["file"]).stat().st_size for t in tables)}


def copy_from(folder: Path, schema: str) -> dict:
    import zstandard
    from django.db import connection, transaction

    decompressor = zstandard.ZstdDecompressor()
    rows = 0
    with transaction.atomic(), connection.cursor() as wrapper:
        cursor = wrapper.cursor
        for table in read_manifest(folder):
            columns = ", ".join(f'"{c}"' for c in table["columns"])
            with open(folder / table["file"], "rb") as raw, decompressor.stream_reader(raw) as reader:
                with cursor.copy(f'COPY "{schema}"."{table["table"]}" ({columns}) FROM STDIN') as copy:
                    while chunk := reader.read(CHUNK):
                        copy.write(chunk)
            rows += cursor.rowcount
    return {"inserted_rows": rows}


def read_manifest(folder: Path) -> list[dict]:
    return orjson.loads((folder / MANIFEST).read_bytes())["tables"]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.pg_copy", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("to").add_argument("folder", type=Path)
    load = commands.add_parser("from")
    load.add_argument("folder", type=Path)
    load.add_argument("schema")
    args = parser.parse_args(argv)

    import django

    django.setup()
    figures = copy_to(args.folder) if args.command == "to" else copy_from(args.folder, args.schema)
    print(json.dumps(figures))
    return 0


if __name__ == "__main__":
    sys.exit(main())
