"""How a child process reaches the project: ``manage.py`` argv and the environment it runs with."""

from __future__ import annotations

import os
import secrets
import sys
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
ERP_APPS = ("personal_admin", "clientes_servicios", "operaciones_inventario", "finanzas_facturacion", "servicios_IA")


# Production settings need a private key; a benchmark run makes one of its own for its children.
_SECRET_KEY = os.environ.get("SECRET_KEY") or secrets.token_urlsafe(50)


@dataclass(frozen=True, slots=True)
class Site:
    """One database as the project sees it: every child gets ``DATABASE_URL``, its own
    ``MEDIA_ROOT`` (which also holds the SQLite restore lock files) and, beside it, its own
    ``BACKUPS_ROOT`` (the stored archives of backup jobs). The ``jobs`` database follows
    ``DATABASE_URL`` (settings: a second SQLite file, or the same PostgreSQL database)."""

    database_url: str
    media_root: Path

    @property
    def backups_root(self) -> Path:
        return self.media_root.with_name(f"{self.media_root.name}-backups")

    def env(self) -> dict[str, str]:
        env = dict(os.environ)
        for derived in ("JOBS_DATABASE_URL", "BACKUPS_S3_BUCKET"):  # follow DATABASE_URL / BACKUPS_ROOT
            env.pop(derived, None)
        env.update(
            DJANGO_SETTINGS_MODULE="config.settings",
            DATABASE_URL=self.database_url,
            MEDIA_ROOT=str(self.media_root),
            BACKUPS_ROOT=str(self.backups_root),
            # Production settings: with DEBUG on, Django keeps the SQL of every query.
            DEBUG="false",
            SECRET_KEY=_SECRET_KEY,
            PYTHONUNBUFFERED="1",
            PYTHONDONTWRITEBYTECODE="1",
        )
        return env

    @staticmethod
    def manage(*args: str) -> list[str]:
        return [sys.executable, str(REPO / "manage.py"), *args]

    @staticmethod
    def module(name: str, *args: str) -> list[str]:
        return [sys.executable, "-m", name, *args]
