"""Priced lines, shared by budgets and work orders."""

from collections.abc import Iterator

from . import vocab as v
from .seeder import Seeder


def lineas(s: Seeder, n: int) -> Iterator[tuple[int | None, str, int, int]]:
    """``n`` lines ``(item id, descripcion, cantidad in hundredths, price in cents)``."""
    rng = s.rng
    for _ in range(n):
        if rng.random() < 0.8:
            item_id, nombre, _, venta = rng.choice(s.items)
            yield item_id, nombre, rng.choice((100, 100, 100, 200, 400, 50, 450)), venta
        else:
            yield None, f"Mano de obra: {rng.choice(v.SERVICIOS).lower()}", 100, rng.randrange(5_000, 120_000)
