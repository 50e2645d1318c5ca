"""Least-squares lines through measurements: cost = fixed + per_row * rows."""

from __future__ import annotations

from dataclasses import dataclass
from statistics import fmean, linear_regression


@dataclass(frozen=True, slots=True)
class Line:
    fixed: float
    per_row: float

    def at(self, rows: float) -> float:
        return self.fixed + self.per_row * rows


def linear_fit(points: list[tuple[float, float]]) -> Line | None:
    """Ordinary least squares; with a single distinct x the line goes through the origin."""
    points = [(x, y) for x, y in points if x is not None and y is not None]
    if not points:
        return None
    xs, ys = zip(*points)
    if len(set(xs)) == 1:
        return Line(0.0, fmean(ys) / xs[0] if xs[0] else 0.0)
    slope, intercept = linear_regression(xs, ys)
    return Line(intercept, slope)
