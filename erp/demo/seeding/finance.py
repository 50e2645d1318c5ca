"""Supplier invoices (``FacturaProveedor``) with their lines. (Payments belong to the work
orders: see ``orders``.)"""

from collections.abc import Iterator

from erp.finanzas_facturacion.models import DetalleFacturaProveedor, FacturaProveedor

from . import vocab as v
from .sampling import at, spread
from .seeder import Seeder


def facturas(s: Seeder) -> None:
    total = s.plan[FacturaProveedor]
    lines = spread(s.rng, s.plan[DetalleFacturaProveedor], total, minimum=1)
    numeros: dict[int, int] = {}  # next invoice number per supplier
    comprables = [item for item in s.items if item[2]] or s.items  # services are not bought
    chunk = max(1, s.child_batch // 2)
    for start in range(0, total, chunk):
        batch = [_factura(s, i, total, numeros, comprables, lines) for i in range(start, min(start + chunk, total))]
        s.insert(FacturaProveedor, [factura for factura, _ in batch])
        for factura, detalles in batch:
            for detalle in detalles:
                detalle.factura_id = factura.pk
                s.add(DetalleFacturaProveedor, detalle)


def _factura(
    s: Seeder,
    i: int,
    total: int,
    numeros: dict[int, int],
    comprables: list[tuple[int, str, int, int]],
    lines: Iterator[int],
) -> tuple[FacturaProveedor, list[DetalleFacturaProveedor]]:
    """Invoice ``i``: numbered after the supplier's previous one, with ``next(lines)`` lines."""
    rng = s.rng
    proveedor_id = rng.choice(s.proveedores)
    numero = numeros.get(proveedor_id) or rng.randrange(100, 20_000)
    numeros[proveedor_id] = numero + rng.randrange(1, 40)
    fraction = (i + rng.random()) / total
    suma, detalles = 0, []
    for _ in range(next(lines)):
        item_id, _, compra, _ = rng.choice(comprables)
        cantidad = rng.randrange(1, 48)
        suma += cantidad * compra
        costo = v.money(compra)
        detalles.append(DetalleFacturaProveedor(item_id=item_id, cantidad=cantidad, costo_unitario=costo))
    factura = FacturaProveedor(
        tenant_id=s.tid,
        proveedor_id=proveedor_id,
        numero=str(numero),
        fecha=at(fraction).date(),
        total=v.money(suma),
        estado=FacturaProveedor.Estado.PENDIENTE if fraction > 0.97 else FacturaProveedor.Estado.PAGADA,
    )
    return factura, detalles
