"""What to seed: the fixed time window, the defaults and how many rows each model gets."""

import uuid
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from django.contrib.auth import get_user_model
from django.db import models

from erp.clientes_servicios.models import Cita, Cliente
from erp.finanzas_facturacion.models import DetalleFacturaProveedor, FacturaProveedor, Pago
from erp.operaciones_inventario.models import (
    Area,
    DetalleOrden,
    DetallePresupuesto,
    ImagenOrden,
    InspeccionOrden,
    Item,
    NotaOrden,
    OrdenTrabajo,
    Presupuesto,
    Proveedor,
    PruebaRuta,
    TareaOrden,
    Vehiculo,
)
from erp.personal_admin.models import Bitacora, Cargo, Empleado, Tenant, UserProfile
from erp.servicios_IA.models import LecturaPlaca, Reporte

from . import vocab as v
from .errors import SeedError

TZ = ZoneInfo("America/La_Paz")
REFERENCE = datetime(2026, 1, 1, tzinfo=TZ)
SPAN_DAYS = 3652  # ten years of history before REFERENCE
START = REFERENCE - timedelta(days=SPAN_DAYS)
DEFAULT_PASSWORD = "demo1234"
DEFAULT_BATCH_SIZE = 5000
BITACORA_SHARE = 0.70
UUID_NAMESPACE = uuid.UUID("6f1c1e0e-5b7a-4e55-9d1e-7a11e2c0ffee")

User = get_user_model()
ItemProveedor = Item.proveedores.through
OrdenMecanico = OrdenTrabajo.mecanicos.through

# Rows per work order for the mid-sized tables. Bitacora takes BITACORA_SHARE of the total;
# staff, suppliers and the Cargo/Area catalogs are small and grow with sqrt(rows).
WEIGHTS: dict[type[models.Model], float] = {
    Item: 0.5,
    ItemProveedor: 0.75,
    Cliente: 1.0,
    Vehiculo: 1.25,
    Cita: 1.0,
    Presupuesto: 0.75,
    DetallePresupuesto: 2.25,
    OrdenTrabajo: 1.0,
    OrdenMecanico: 1.5,
    DetalleOrden: 3.0,
    NotaOrden: 1.0,
    TareaOrden: 1.5,
    ImagenOrden: 0.5,
    InspeccionOrden: 1.5,
    PruebaRuta: 0.3,
    Pago: 1.0,
    FacturaProveedor: 0.25,
    DetalleFacturaProveedor: 0.75,
    LecturaPlaca: 0.5,
    Reporte: 0.1,
}


def plan_counts(rows: int) -> dict[type[models.Model], int]:
    """How many rows each model gets for a target of ``rows``.

    Every model gets at least one row, so below about 40 rows the total exceeds ``rows``.
    """
    if rows < 1:
        raise SeedError(f"rows must be at least 1 (got {rows})")
    small = max(1, round(rows**0.5 / 8))
    counts: dict[type[models.Model], int] = {
        Tenant: 1,
        User: 3,
        UserProfile: 3,
        Cargo: min(len(v.CARGOS), small),
        Empleado: max(2, round(rows**0.5 / 6)),  # a boss and a subordinate at least
        Area: min(len(v.AREAS), small),
        Proveedor: small,
    }
    budget = rows - round(rows * BITACORA_SHARE) - sum(counts.values())
    per_order = max(1.0, budget / sum(WEIGHTS.values()))
    for model, weight in WEIGHTS.items():
        counts[model] = max(1, round(weight * per_order))
    # Unique pairs and "one inspection in, at most one out" cap a few tables.
    counts[ItemProveedor] = min(counts[ItemProveedor], counts[Item] * counts[Proveedor])
    counts[OrdenMecanico] = min(counts[OrdenMecanico], counts[OrdenTrabajo] * counts[Empleado])
    counts[InspeccionOrden] = min(max(counts[InspeccionOrden], counts[OrdenTrabajo]), 2 * counts[OrdenTrabajo])
    counts[Bitacora] = max(1, rows - sum(counts.values()))
    return counts
