"""Where the figures were measured: hardware, software versions, load, git commit.

Versions are read without importing Django (``importlib.metadata``), so the harness stays
framework-free.
"""

from __future__ import annotations

import os
import platform
import subprocess
import sys
from importlib import metadata

import psutil

from .databases import postgres_version, sqlite_version
from .site import REPO


def describe(pg_admin_url: str | None) -> dict:
    memory = psutil.virtual_memory()
    return {
        "cpu_model": cpu_model(),
        "logical_cores": os.cpu_count(),
        "physical_cores": psutil.cpu_count(logical=False),
        "ram_bytes": memory.total,
        "ram_available_bytes": memory.available,
        "load_average_at_start": list(os.getloadavg()),
        "os": platform.platform(),
        "python": sys.version.split()[0],
        "django": _version("Django"),
        "packages": {name: _version(name) for name in ("orjson", "zstandard", "psycopg", "gunicorn", "httpx")},
        "sqlite": sqlite_version(),
        "postgresql": postgres_version(pg_admin_url) if pg_admin_url else None,
        "git": git_state(),
    }


def cpu_model() -> str:
    try:
        with open("/proc/cpuinfo") as info:
            for line in info:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def git_state() -> dict:
    def git(*args: str) -> str:
        done = subprocess.run(["git", *args], cwd=REPO, capture_output=True, text=True, check=False)
        return done.stdout.strip()

    return {"commit": git("rev-parse", "HEAD") or None, "dirty": bool(git("status", "--porcelain", "--untracked-files=no"))}


def _version(name: str) -> str | None:
    try:
        return metadata.version(name)
    except metadata.PackageNotFoundError:
        return None
