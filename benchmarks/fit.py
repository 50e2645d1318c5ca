"""Least-squares lines through measurements: cost = fixed + per_row * rows."""

from __future__ import annotations

from dataclasses import dataclass


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
    xs = {x for x, _ in points}
    if len(xs) == 1:
        x = next(iter(xs))
        mean_y = sum(y for _, y in points) / len(points)
        return Line(0.0, mean_y / x if x else 0.0)
    n = len(points)
    mean_x = sum(x for x, _ in points) / n
    mean_y = sum(y for _, y in points) / n
    sxx = sum((x - mean_x) ** 2 for x, _ in points)
    sxy = sum((x - mean_x) * (y - mean_y) for x, y in points)
    slope = sxy / sxx
    return Line(mean_y - slope * mean_x, slope)
