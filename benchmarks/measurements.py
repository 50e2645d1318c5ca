"""``results.json`` as typed objects: every measurement of a run, rewritten after each one.

Saving after every repetition (write to a temporary file, then rename) means a crash or a
kill at the largest size still leaves the smaller sizes complete and readable. The file's
layout is fixed by ``to_json``/``from_json`` here; committed runs under
``benchmarks/results/`` must keep loading.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field, fields
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .stats import Spread, spread, summarise

if TYPE_CHECKING:
    from .steps import Step

FORMAT = "taller-backup-benchmarks"
VERSION = 1

Figures = dict[str, float | int | None]


def now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


@dataclass(slots=True)
class Measurement:
    """One repetition of one step (or the seeding): its figures, flat in the file."""

    ok: bool
    figures: Figures = field(default_factory=dict)
    rep: int | None = None
    at: str | None = None
    error: str | None = None

    def get(self, key: str) -> float | int | None:
        return self.figures.get(key)

    def to_json(self) -> dict[str, Any]:
        head = {} if self.rep is None else {"rep": self.rep, "at": self.at}
        tail = {} if self.ok else {"error": self.error}
        return {**head, "ok": self.ok, **self.figures, **tail}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Measurement:
        figures = {k: v for k, v in data.items() if k not in ("rep", "at", "ok", "error")}
        return cls(data["ok"], figures, data.get("rep"), data.get("at"), data.get("error"))


@dataclass(slots=True)
class StepError:
    op: str
    error: str | None
    rep: int | None = None

    def to_json(self) -> dict[str, Any]:
        return {"op": self.op, "error": self.error} if self.rep is None else {"op": self.op, "rep": self.rep, "error": self.error}


@dataclass(slots=True)
class Dataset:
    """The seeded data of one size; the backup's figures are filled in by the first export."""

    seed_rows: int | None = None
    table_rows: dict[str, int] | None = None
    dumped_rows: int | None = None
    exported_rows: int | None = None
    bitacora_rows: int | None = None
    bitacora_share: float | None = None
    sections: dict[str, int] | None = None

    def to_json(self) -> dict[str, Any]:
        return {f.name: value for f in fields(self) if (value := getattr(self, f.name)) is not None}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Dataset:
        return cls(**{f.name: data.get(f.name) for f in fields(cls)})


@dataclass(slots=True)
class SizeResult:
    """One database and one tenant size: setup, every repetition of every step, their spreads."""

    db: str
    rows: int
    repeat: int = 1
    status: str = "running"
    started_at: str | None = None
    elapsed_s: float | None = None
    dataset: Dataset = field(default_factory=Dataset)
    setup: dict[str, Measurement] = field(default_factory=dict)
    measurements: dict[str, list[Measurement]] = field(default_factory=dict)
    skipped: dict[str, str] = field(default_factory=dict)
    errors: list[StepError] = field(default_factory=list)
    summary: dict[str, dict[str, Spread]] = field(init=False)

    def __post_init__(self) -> None:
        self.summary = {op: summarise(reps) for op, reps in self.measurements.items()}

    def add(self, step: Step, measurement: Measurement) -> None:
        self.measurements.setdefault(step.name, []).append(measurement)
        self.summary[step.name] = summarise(self.measurements[step.name])
        if not measurement.ok:
            self.errors.append(StepError(step.name, measurement.error, measurement.rep))

    def figure(self, step: Step, key: str) -> Spread:
        """The spread of ``key`` for ``step`` (all None when not measured)."""
        return self.summary.get(step.name, {}).get(key) or spread([])

    def median(self, step: Step, key: str) -> float | None:
        return self.figure(step, key).median

    def successes(self, step: Step) -> list[Measurement]:
        return self.successes_named(step.name)

    def successes_named(self, name: str) -> list[Measurement]:
        return [m for m in self.measurements.get(name, []) if m.ok]

    def to_json(self) -> dict[str, Any]:
        return {
            "db": self.db,
            "rows": self.rows,
            "repeat": self.repeat,
            "status": self.status,
            "started_at": self.started_at,
            "elapsed_s": self.elapsed_s,
            "dataset": self.dataset.to_json(),
            "setup": {name: m.to_json() for name, m in self.setup.items()},
            "measurements": {op: [m.to_json() for m in reps] for op, reps in self.measurements.items()},
            "summary": {op: {k: s.to_json() for k, s in figures.items()} for op, figures in self.summary.items()},
            "skipped": self.skipped,
            "errors": [e.to_json() for e in self.errors],
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> SizeResult:
        """The summary is recomputed from the measurements, which ``add`` kept it equal to."""
        errors = [StepError(e["op"], e.get("error"), e.get("rep")) for e in data.get("errors", [])]
        return cls(
            db=data["db"],
            rows=data["rows"],
            repeat=data.get("repeat", 1),
            status=data.get("status", "running"),
            started_at=data.get("started_at"),
            elapsed_s=data.get("elapsed_s"),
            dataset=Dataset.from_json(data.get("dataset", {})),
            setup={name: Measurement.from_json(m) for name, m in data.get("setup", {}).items()},
            measurements={op: [Measurement.from_json(m) for m in reps] for op, reps in data.get("measurements", {}).items()},
            skipped=dict(data.get("skipped", {})),
            errors=errors,
        )


@dataclass(slots=True)
class Results:
    """A whole run: where and how it was measured, and one ``SizeResult`` per database and size."""

    runs: list[SizeResult] = field(default_factory=list)
    status: str = "running"
    started_at: str | None = None
    finished_at: str | None = None
    elapsed_s: float | None = None
    command: list[str] = field(default_factory=list)
    config: dict[str, Any] = field(default_factory=dict)
    machine: dict[str, Any] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)

    def engines(self) -> list[str]:
        return list(dict.fromkeys(run.db for run in self.runs))

    def runs_of(self, engine: str) -> list[SizeResult]:
        return sorted((r for r in self.runs if r.db == engine), key=lambda r: r.rows)

    def to_json(self) -> dict[str, Any]:
        data = {
            "format": FORMAT,
            "version": VERSION,
            "status": self.status,
            "started_at": self.started_at,
            "finished_at": self.finished_at,
            "command": self.command,
            "config": self.config,
            "machine": self.machine,
            "runs": [run.to_json() for run in self.runs],
            "notes": self.notes,
        }
        return data if self.elapsed_s is None else data | {"elapsed_s": self.elapsed_s}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Results:
        return cls(
            runs=[SizeResult.from_json(r) for r in data.get("runs", [])],
            status=data.get("status", "running"),
            started_at=data.get("started_at"),
            finished_at=data.get("finished_at"),
            elapsed_s=data.get("elapsed_s"),
            command=list(data.get("command", [])),
            config=dict(data.get("config", {})),
            machine=dict(data.get("machine", {})),
            notes=list(data.get("notes", [])),
        )


def points(runs: list[SizeResult], step: Step, x_key: str, y_key: str) -> list[tuple[float, float]]:
    """``(x, y)`` of every successful repetition, for fitting."""
    return [
        (m.get(x_key), m.get(y_key))
        for run in runs
        for m in run.successes(step)
        if m.get(x_key) is not None and m.get(y_key) is not None
    ]


class ResultsLog:
    """The ``results.json`` of a run in progress, saved after every change."""

    def __init__(self, path: Path, *, config: dict, machine: dict, command: list[str]) -> None:
        self.path = path
        self.results = Results(started_at=now(), command=command, config=config, machine=machine)

    def start_size(self, engine: str, rows: int, repeat: int) -> SizeResult:
        entry = SizeResult(db=engine, rows=rows, repeat=repeat, started_at=now())
        self.results.runs.append(entry)
        self.save()
        return entry

    def add(self, entry: SizeResult, step: Step, measurement: Measurement) -> None:
        entry.add(step, measurement)
        self.save()

    def finish(self, status: str) -> None:
        results = self.results
        results.status = status
        results.finished_at = now()
        results.elapsed_s = (datetime.fromisoformat(results.finished_at) - datetime.fromisoformat(results.started_at)).total_seconds()
        results.machine["load_average_at_end"] = list(os.getloadavg())
        self.save()

    def save(self) -> None:
        partial = self.path.with_name(self.path.name + ".part")
        partial.write_text(json.dumps(self.results.to_json(), indent=2, default=str))
        os.replace(partial, self.path)


def load(path: Path) -> Results:
    data = json.loads(Path(path).read_text())
    if data.get("format") != FORMAT:
        raise ValueError(f"{path} is not a benchmark results file")
    return Results.from_json(data)


def newest(folder: Path, having: str | None = None) -> Path | None:
    """The most recent ``results.json`` under ``folder`` (run folders are named by timestamp);
    with ``having``, the most recent one that measured that step (a run of a few steps only,
    such as the jobs run, is no default for ``plan``)."""
    found = sorted(folder.glob("*/results.json"), key=lambda p: (p.parent.name, p.stat().st_mtime))
    if having is not None:
        found = [path for path in found if any(run.successes_named(having) for run in load(path).runs)]
    return found[-1] if found else None
