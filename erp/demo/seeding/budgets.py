"""Budgets (``Presupuesto``) with their lines; the approved ones become work orders later."""

from collections.abc import Iterator
from typing import NamedTuple

from erp.operaciones_inventario.models import DetallePresupuesto, OrdenTrabajo, Presupuesto

from . import vocab as v
from .lines import lineas
from .sampling import at, pick, spread
from .seeder import Seeder


class _Budget(NamedTuple):
    row: Presupuesto
    convertido: bool  # approved, and becomes a work order
    vidx: int  # index of its vehicle in ``Seeder.vehiculos``
    detalles: list[DetallePresupuesto]


def presupuestos(s: Seeder) -> None:
    """Budgets chunk by chunk; the approved ones are noted in ``s.convertidos`` for the orders."""
    total, ordenes = s.plan[Presupuesto], s.plan[OrdenTrabajo]
    convertidos = min(total, max(1, round(ordenes * 0.6)))
    lines = spread(s.rng, s.plan[DetallePresupuesto], total, minimum=1)
    flags = pick(s.rng, convertidos, total)
    chunk = max(1, s.child_batch // 2)
    for start in range(0, total, chunk):
        budgets = [_presupuesto(s, i, total, next(flags), lines) for i in range(start, min(start + chunk, total))]
        s.insert(Presupuesto, (b.row for b in budgets))
        for budget in budgets:
            if budget.convertido:
                s.convertidos.append((budget.row.pk, budget.vidx, budget.row.fecha))
        for budget in budgets:
            for detalle in budget.detalles:
                detalle.presupuesto_id = budget.row.pk
                s.add(DetallePresupuesto, detalle)


def _presupuesto(s: Seeder, i: int, total: int, convertido: bool, lines: Iterator[int]) -> _Budget:
    """Budget number ``i + 1``; takes its number of lines from ``lines``."""
    rng = s.rng
    fecha = at((i + rng.random()) / total * 0.985).date()
    descuento = rng.choice((0, 0, 0, 500, 1000)) if rng.random() < 0.3 else 0
    detalles, suma = _detalles(s, next(lines), descuento)
    vidx = rng.randrange(len(s.vehiculos))
    if convertido:
        estado = Presupuesto.Estado.APROBADO
    else:
        estado = rng.choice((Presupuesto.Estado.BORRADOR, Presupuesto.Estado.ENVIADO, Presupuesto.Estado.RECHAZADO))
    row = Presupuesto(
        tenant_id=s.tid,
        numero=i + 1,
        vehiculo_id=s.vehiculos[vidx],
        fecha=fecha,
        validez_dias=rng.choice((7, 15, 15, 30)),
        estado=estado,
        total=v.money(suma),
        observaciones=rng.choice(v.PRESUPUESTO_OBS),
    )
    return _Budget(row, convertido, vidx, detalles)


def _detalles(s: Seeder, n: int, descuento: int) -> tuple[list[DetallePresupuesto], int]:
    """``n`` lines with ``descuento`` (hundredths of a percent) off, and their total in cents."""
    detalles, suma = [], 0
    for item_id, desc, cant, precio in lineas(s, n):
        neto = cant * precio * (10_000 - descuento)
        suma += (neto + 500_000) // 1_000_000
        detalles.append(
            DetallePresupuesto(
                item_id=item_id,
                descripcion=desc,
                cantidad=v.money(cant),
                precio_unitario=v.money(precio),
                descuento=v.money(descuento),
            )
        )
    return detalles, suma
