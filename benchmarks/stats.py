"""Median, min and max over repetitions, and the derived rates every table shows."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from statistics import median
from typing import Protocol

MB = 1_000_000


@dataclass(frozen=True, slots=True)
class Spread:
    """Median, min and max of the values that are present (all None when there are none)."""

    median: float | None = None
    min: float | None = None
    max: float | None = None
    n: int = 0

    def to_json(self) -> dict[str, float | int | None]:
        return {"median": self.median, "min": self.min, "max": self.max, "n": self.n}


class HasFigures(Protocol):
    ok: bool
    figures: dict[str, float | int | None]


def spread(values: Iterable[float | None]) -> Spread:
    present = [v for v in values if v is not None]
    if not present:
        return Spread()
    return Spread(median(present), min(present), max(present), len(present))


def rate(amount: float | None, seconds: float | None) -> float | None:
    if not amount or not seconds:
        return None
    return amount / seconds


def summarise(measurements: Iterable[HasFigures]) -> dict[str, Spread]:
    """Every numeric figure of the successful repetitions, as a spread."""
    ok = [m.figures for m in measurements if m.ok]
    keys = sorted({k for m in ok for k, v in m.items() if isinstance(v, int | float) and not isinstance(v, bool)})
    return {k: spread(m.get(k) for m in ok) for k in keys}
