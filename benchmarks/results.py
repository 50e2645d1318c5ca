"""``results.json``: every measurement of a run, rewritten after each one.

Saving after every repetition (write to a temporary file, then rename) means a crash or a
kill at the largest size still leaves the smaller sizes complete and readable.
"""

from __future__ import annotations

import json
import os
from datetime import UTC, datetime
from pathlib import Path

from .stats import summarise

FORMAT = "taller-backup-benchmarks"
VERSION = 1


def now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


class ResultsLog:
    def __init__(self, path: Path, *, config: dict, machine: dict, command: list[str]) -> None:
        self.path = path
        self.data = {
            "format": FORMAT,
            "version": VERSION,
            "status": "running",
            "started_at": now(),
            "finished_at": None,
            "command": command,
            "config": config,
            "machine": machine,
            "runs": [],
            "notes": [],
        }

    def start_size(self, engine: str, rows: int, repeat: int) -> dict:
        entry = {
            "db": engine,
            "rows": rows,
            "repeat": repeat,
            "status": "running",
            "started_at": now(),
            "elapsed_s": None,
            "dataset": {},
            "setup": {},
            "measurements": {},
            "summary": {},
            "skipped": {},
            "errors": [],
        }
        self.data["runs"].append(entry)
        self.save()
        return entry

    def add(self, entry: dict, op: str, measurement: dict) -> None:
        entry["measurements"].setdefault(op, []).append(measurement)
        entry["summary"][op] = summarise(entry["measurements"][op])
        if not measurement.get("ok"):
            entry["errors"].append({"op": op, "rep": measurement.get("rep"), "error": measurement.get("error")})
        self.save()

    def finish(self, status: str) -> None:
        self.data["status"] = status
        self.data["finished_at"] = now()
        self.data["elapsed_s"] = (datetime.fromisoformat(self.data["finished_at"]) - datetime.fromisoformat(self.data["started_at"])).total_seconds()
        self.data["machine"]["load_average_at_end"] = list(os.getloadavg())
        self.save()

    def save(self) -> None:
        partial = self.path.with_name(self.path.name + ".part")
        partial.write_text(json.dumps(self.data, indent=2, default=str))
        os.replace(partial, self.path)


def load(path: Path) -> dict:
    data = json.loads(Path(path).read_text())
    if data.get("format") != FORMAT:
        raise ValueError(f"{path} is not a benchmark results file")
    return data


def newest(folder: Path) -> Path | None:
    """The most recent ``results.json`` under ``folder`` (run folders are named by timestamp)."""
    found = sorted(folder.glob("*/results.json"), key=lambda p: (p.parent.name, p.stat().st_mtime))
    return found[-1] if found else None
