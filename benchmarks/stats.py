"""Median, min and max over repetitions, and the derived rates every table shows."""

from __future__ import annotations

from statistics import median

MB = 1_000_000


def spread(values: list[float]) -> dict[str, float | int]:
    """``{"median", "min", "max", "n"}`` of the values that are present."""
    present = [v for v in values if v is not None]
    if not present:
        return {"median": None, "min": None, "max": None, "n": 0}
    return {"median": median(present), "min": min(present), "max": max(present), "n": len(present)}


def rate(amount: float | None, seconds: float | None) -> float | None:
    if not amount or not seconds:
        return None
    return amount / seconds


def summarise(measurements: list[dict]) -> dict[str, dict]:
    """Every numeric field of the successful repetitions, as a spread."""
    ok = [m for m in measurements if m.get("ok")]
    keys = sorted({k for m in ok for k, v in m.items() if isinstance(v, int | float) and not isinstance(v, bool)})
    return {k: spread([m.get(k) for m in ok]) for k in keys if k != "rep"}
