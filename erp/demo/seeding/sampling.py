"""Random draws shared by every part of the seed: points in time, spreads and picks."""

import random
from collections.abc import Iterator
from datetime import datetime, timedelta

from .plan import SPAN_DAYS, START


def at(fraction: float) -> datetime:
    """A point of the ten-year window (0 = oldest, 1 = REFERENCE), squeezed into shop hours
    (07:30-20:00) so that a growing ``fraction`` gives growing datetimes."""
    days = min(max(fraction, 0.0), 0.999_999_99) * SPAN_DAYS
    day = int(days)
    return START + timedelta(days=day, seconds=int(27_000 + (days - day) * 45_000))


def spread(rng: random.Random, total: int, parents: int, minimum: int = 0) -> Iterator[int]:
    """Per-parent child counts summing to exactly ``total`` (multinomial above a floor)."""
    if parents <= 0:
        return
    minimum = min(minimum, total // parents)
    rest = total - minimum * parents
    for remaining in range(parents, 0, -1):
        k = rng.binomialvariate(rest, 1 / remaining) if rest and remaining > 1 else rest
        rest -= k
        yield minimum + k


def pick(rng: random.Random, chosen: int, population: int) -> Iterator[bool]:
    """``population`` flags, exactly ``chosen`` of them true (sequential sampling)."""
    for remaining in range(population, 0, -1):
        hit = rng.random() * remaining < chosen
        chosen -= hit
        yield hit
