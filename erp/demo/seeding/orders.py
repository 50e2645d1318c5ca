"""Work orders (``OrdenTrabajo``) with all their children: lines, mechanics, notes, tasks,
photos, inspections, road tests and payments."""

import random
import uuid
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.db import models

from erp.finanzas_facturacion.models import Pago
from erp.operaciones_inventario.models import (
    DetalleOrden,
    ImagenOrden,
    InspeccionOrden,
    NotaOrden,
    OrdenTrabajo,
    PruebaRuta,
    TareaOrden,
)

from . import vocab as v
from .lines import lineas
from .plan import OrdenMecanico
from .sampling import at, pick, spread
from .seeder import Seeder

E = OrdenTrabajo.Estado
CHILDREN = (DetalleOrden, OrdenMecanico, NotaOrden, TareaOrden, ImagenOrden, PruebaRuta, Pago)


def ordenes(s: Seeder) -> None:
    """Work orders with all their children, chunk by chunk; converted budgets get their
    back-pointer (``Presupuesto.orden_trabajo``) once the order has a primary key."""
    rng, plan = s.rng, s.plan
    total = plan[OrdenTrabajo]
    flags = pick(rng, len(s.convertidos), total)
    convertidos = iter(s.convertidos)
    per_order = {  # children per order; every order has a line and a mechanic when possible
        model: spread(rng, plan[model], total, minimum=int(model in (DetalleOrden, OrdenMecanico)))
        for model in CHILDREN
    }
    salidas = pick(rng, plan[InspeccionOrden] - total, total)  # orders with an exit inspection
    chunk = max(1, s.child_batch // 4)
    for start in range(0, total, chunk):
        batch = [
            _orden(
                s,
                i,
                next(convertidos) if next(flags) else None,
                {model: next(counts) for model, counts in per_order.items()},
                next(salidas),
            )
            for i in range(start, min(start + chunk, total))
        ]
        _write(s, batch)


def _write(s: Seeder, batch: list[tuple[OrdenTrabajo, list[models.Model]]]) -> None:
    s.insert(OrdenTrabajo, [orden for orden, _ in batch])
    for orden, children in batch:
        if orden.presupuesto_id is not None:
            s.link_back(orden.presupuesto_id, orden.pk)
        for child in children:
            if isinstance(child, OrdenMecanico):
                child.ordentrabajo_id = orden.pk
            else:
                child.orden_id = orden.pk
            s.add(type(child), child)


@dataclass(frozen=True, slots=True)
class _Visita:
    """When the vehicle came in and left, and in which state the order is."""

    ingreso: datetime
    salida: datetime | None  # None while the order is open
    estado: str
    km: int

    @property
    def abierta(self) -> bool:
        return self.estado in (E.RECIBIDA, E.EN_PROCESO)

    def later(self, rng: random.Random, low: int, high: int) -> datetime:
        """A moment between ``low`` and ``high`` minutes after the vehicle came in."""
        return self.ingreso + timedelta(minutes=rng.randrange(low, high))


def _orden(
    s: Seeder,
    i: int,
    convertido: tuple[int, int, date] | None,
    n: dict[type[models.Model], int],
    con_salida: bool,
) -> tuple[OrdenTrabajo, list[models.Model]]:
    """Order number ``i + 1`` and its children (without their ``orden`` yet)."""
    rng = s.rng
    fraction = (i + rng.random()) / s.plan[OrdenTrabajo]
    if convertido is not None:
        presupuesto_id, vidx, fecha = convertido
        ingreso = datetime.combine(fecha, at(fraction).timetz()) + timedelta(days=rng.randrange(1, 8))
    else:
        presupuesto_id, vidx, ingreso = None, rng.randrange(len(s.vehiculos)), at(fraction)
    visita = _visita(rng, fraction, ingreso)
    children, suma = _detalles(s, n[DetalleOrden])
    mecanicos = rng.sample(s.empleados, min(n[OrdenMecanico], len(s.empleados)))
    children += [OrdenMecanico(empleado_id=e) for e in mecanicos]
    children += _notas(s, visita, n[NotaOrden])
    children += _tareas(rng, visita, mecanicos, n[TareaOrden])
    children += _imagenes(s, visita, i, n[ImagenOrden])
    children += _inspecciones(rng, visita, con_salida)
    children += _pruebas(s, visita, n[PruebaRuta])
    children += _pagos(s, visita, suma, n[Pago])
    orden = OrdenTrabajo(
        tenant_id=s.tid,
        numero=i + 1,
        codigo_seguimiento=uuid.UUID(int=rng.getrandbits(128), version=4),
        vehiculo_id=s.vehiculos[vidx],
        presupuesto_id=presupuesto_id,
        fecha_ingreso=ingreso,
        fecha_salida=visita.salida,
        estado=visita.estado,
        kilometraje=visita.km,
        descripcion=f"{rng.choice(v.MOTIVOS)}. {rng.choice(v.MOTIVOS)}.",
        total=v.money(suma),
    )
    return orden, children


def _visita(rng: random.Random, fraction: float, ingreso: datetime) -> _Visita:
    """The newest orders are still open; older ones were delivered or, a few, cancelled."""
    if fraction > 0.995:
        estado = rng.choice((E.RECIBIDA, E.EN_PROCESO))
    elif fraction > 0.99:
        estado = E.TERMINADA
    else:
        estado = E.CANCELADA if rng.random() < 0.04 else E.ENTREGADA
    abierta = estado in (E.RECIBIDA, E.EN_PROCESO)
    salida = None if abierta else ingreso + timedelta(hours=rng.randrange(3, 24 * 12))
    return _Visita(ingreso, salida, estado, rng.randrange(5_000, 350_000))


def _detalles(s: Seeder, n: int) -> tuple[list[models.Model], int]:
    """``n`` order lines and their total in cents."""
    detalles: list[models.Model] = []
    suma = 0
    for item_id, desc, cant, precio in lineas(s, n):
        suma += (cant * precio + 50) // 100
        detalles.append(
            DetalleOrden(item_id=item_id, descripcion=desc, cantidad=v.money(cant), precio_unitario=v.money(precio))
        )
    return detalles, suma


def _notas(s: Seeder, visita: _Visita, n: int) -> list[NotaOrden]:
    rng, notas = s.rng, []
    for _ in range(n):
        texto = rng.choice(v.NOTAS).format(pieza=rng.choice(v.PIEZAS).lower())
        notas.append(NotaOrden(autor_id=rng.choice(s.users), texto=texto, fecha=visita.later(rng, 30, 4000)))
    return notas


def _tareas(rng: random.Random, visita: _Visita, mecanicos: list[int], n: int) -> list[TareaOrden]:
    tareas = []
    for _ in range(n):
        hecha = not visita.abierta or rng.random() < 0.4
        tareas.append(
            TareaOrden(
                empleado_id=rng.choice(mecanicos) if mecanicos and rng.random() < 0.9 else None,
                descripcion=f"{rng.choice(v.TAREAS)} {rng.choice(v.PIEZAS).lower()}",
                completada=hecha,
                fecha_completada=visita.later(rng, 60, 6000) if hecha else None,
            )
        )
    return tareas


def _imagenes(s: Seeder, visita: _Visita, i: int, n: int) -> list[ImagenOrden]:
    """Photo rows of order ``i + 1``, named under the tenant's storage prefix (no file is written)."""
    return [
        ImagenOrden(
            imagen=f"{s.media_prefix}ordenes/ot{i + 1:06d}_{k + 1}.jpg",
            descripcion=s.rng.choice(v.IMAGEN_DESC),
            fecha=visita.later(s.rng, 0, 120),
        )
        for k in range(n)
    ]


def _inspecciones(rng: random.Random, visita: _Visita, con_salida: bool) -> list[InspeccionOrden]:
    """The inspection on arrival and, if ``con_salida``, the one on departure."""
    inspecciones = []
    tipos = (InspeccionOrden.Tipo.INGRESO, InspeccionOrden.Tipo.SALIDA)
    for tipo in tipos[: 1 + con_salida]:
        danos = rng.sample(v.DANOS, rng.choice((0, 0, 1, 2)))
        inspecciones.append(
            InspeccionOrden(
                tipo=tipo,
                nivel_combustible=rng.choice((0, 12, 25, 37, 50, 62, 75, 87, 100)),
                checklist={
                    "items": {key: rng.choice(v.CHECK_ESTADOS) for key in v.CHECKLIST},
                    "danos": danos,
                    "kilometraje": visita.km,
                },
                observaciones="; ".join(danos),
                fecha=visita.ingreso if tipo == InspeccionOrden.Tipo.INGRESO else (visita.salida or visita.ingreso),
            )
        )
    return inspecciones


def _pruebas(s: Seeder, visita: _Visita, n: int) -> list[PruebaRuta]:
    rng, pruebas = s.rng, []
    for _ in range(n):
        inicio = visita.km + rng.randrange(0, 5)
        pruebas.append(
            PruebaRuta(
                empleado_id=rng.choice(s.empleados),
                kilometraje_inicio=inicio,
                kilometraje_fin=inicio + rng.randrange(3, 40),
                fecha=visita.later(rng, 120, 4000),
                resultado=rng.choices(PruebaRuta.Resultado.values, cum_weights=(80, 95, 100))[0],
                observaciones=rng.choice(v.PRUEBA_OBS),
            )
        )
    return pruebas


def _pagos(s: Seeder, visita: _Visita, suma: int, n: int) -> list[Pago]:
    """``n`` payments that add up to ``suma`` cents (the last one takes the remainder)."""
    rng, pagos = s.rng, []
    if visita.estado == E.CANCELADA:
        estado = Pago.Estado.ANULADO
    else:
        estado = Pago.Estado.PENDIENTE if visita.abierta else Pago.Estado.COMPLETADO
    for k in range(n):
        metodo = rng.choice(Pago.Metodo.values)
        pagos.append(
            Pago(
                monto=v.money(suma // n + (suma % n if k == n - 1 else 0)),
                metodo=metodo,
                estado=estado,
                referencia=v.referencia_pago(rng, metodo),
                stripe_payment_intent_id="pi_" + v.token(rng, 24) if metodo == Pago.Metodo.STRIPE else "",
                registrado_por_id=rng.choice(s.users) if rng.random() < 0.95 else None,
                fecha=(visita.salida or visita.ingreso) + timedelta(minutes=rng.randrange(0, 90)),
            )
        )
    return pagos
