"""Read figures back out of ``results.json``: per database, per size, per step."""

from __future__ import annotations

from .stats import spread

OPS_EXPORT = ("export_cli", "export_http", "dumpdata")
OPS_RESTORE = ("restore_replace", "restore_empty", "loaddata")
LABELS = {
    "export_cli": "backup_tenant (CLI)",
    "export_http": "GET /api/backup/ (HTTP)",
    "dumpdata": "dumpdata (baseline)",
    "verify": "verify_backup",
    "restore_replace": "restore --replace (same tenant)",
    "restore_empty": "restore into empty tenant",
    "loaddata": "loaddata (baseline)",
}


def engines(data: dict) -> list[str]:
    return list(dict.fromkeys(run["db"] for run in data["runs"]))


def runs_of(data: dict, engine: str) -> list[dict]:
    return sorted((r for r in data["runs"] if r["db"] == engine), key=lambda r: r["rows"])


def figure(run: dict, op: str, key: str) -> dict:
    """The spread of ``key`` for ``op`` in one size's run (all None when not measured)."""
    return run.get("summary", {}).get(op, {}).get(key) or spread([])


def median(run: dict, op: str, key: str) -> float | None:
    return figure(run, op, key)["median"]


def points(runs: list[dict], op: str, x_key: str, y_key: str) -> list[tuple[float, float]]:
    """``(x, y)`` of every successful repetition, for fitting."""
    found = []
    for run in runs:
        for m in run.get("measurements", {}).get(op, []):
            if m.get("ok") and m.get(x_key) is not None and m.get(y_key) is not None:
                found.append((m[x_key], m[y_key]))
    return found
