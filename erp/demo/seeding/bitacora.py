"""The audit log (``Bitacora``): the big table, generated lazily in chronological order."""

import itertools
import random
from collections.abc import Callable, Iterator

from erp.clientes_servicios.models import Cliente
from erp.operaciones_inventario.models import OrdenTrabajo, Presupuesto, Vehiculo
from erp.personal_admin.models import Bitacora

from . import vocab as v
from .sampling import at
from .seeder import Seeder

A = Bitacora.Accion
# Relative weights of the events of ``_events``, in the same order.
WEIGHTS = list(itertools.accumulate((9, 5, 5, 3, 6, 3, 3, 4, 5, 8, 3, 3, 2, 1, 1, 10, 8, 0.6, 0.05)))


def bitacora(s: Seeder) -> Iterator[Bitacora]:
    """The audit log, one row at a time (it is about 70 % of the rows: never a list)."""
    rng, tid, users = s.rng, s.tid, s.users
    choice, random_ = rng.choice, rng.random
    events = _events(s)
    total = s.plan[Bitacora]
    for i in range(total):
        accion, modulo, describe = rng.choices(events, cum_weights=WEIGHTS)[0]
        yield Bitacora(
            tenant_id=tid,
            usuario_id=None if modulo == "sistema" and random_() < 0.5 else choice(users),
            accion=accion,
            modulo=modulo,
            descripcion=describe(),
            ip=_ip(rng),
            fecha=at((i + random_()) / total),
        )


def _events(s: Seeder) -> list[tuple[str, str, Callable[[], str]]]:
    """``(accion, modulo, describe)`` of every kind of event; ``describe`` draws the details."""
    n_ord, n_pre, n_cli, n_veh = (s.plan[m] for m in (OrdenTrabajo, Presupuesto, Cliente, Vehiculo))
    placa, choice, randrange = s.placa, s.rng.choice, s.rng.randrange

    def persona() -> str:
        return f"{choice(v.NOMBRES)} {choice(v.APELLIDOS)}"

    def orden() -> str:
        return f"OT-{randrange(1, n_ord + 1):06d}"

    return [
        (A.CONSULTAR, "ordenes", lambda: f"Consultó la orden de trabajo {orden()}"),
        (A.CONSULTAR, "clientes", lambda: f"Consultó la ficha del cliente {persona()}"),
        (A.CONSULTAR, "inventario", lambda: f"Consultó el stock de {choice(v.PIEZAS).lower()}"),
        (A.CONSULTAR, "reportes", lambda: f"Generó el reporte de {choice(v.MESES)} {randrange(2016, 2026)}"),
        (A.CREAR, "ordenes", lambda: f"Creó la orden {orden()} para {placa(randrange(n_veh))}"),
        (A.CREAR, "presupuestos", lambda: f"Creó el presupuesto N° {randrange(1, n_pre + 1)}"),
        (A.CREAR, "clientes", lambda: f"Registró al cliente {persona()}"),
        (A.CREAR, "citas", lambda: f"Agendó una cita: {choice(v.MOTIVOS).lower()}"),
        (A.CREAR, "pagos", lambda: f"Registró un pago de Bs {randrange(50, 9000)}.{randrange(100):02d}"),
        (A.EDITAR, "ordenes", lambda: f"Cambió el estado de la orden {orden()}"),
        (A.EDITAR, "vehiculos", lambda: f"Actualizó el kilometraje del vehículo {placa(randrange(n_veh))}"),
        (A.EDITAR, "inventario", lambda: f"Ajustó el stock de {choice(v.INSUMOS).lower()}"),
        (A.EDITAR, "clientes", lambda: f"Actualizó el teléfono del cliente N° {randrange(1, n_cli + 1)}"),
        (A.ELIMINAR, "citas", lambda: "Eliminó una cita cancelada por el cliente"),
        (A.ELIMINAR, "inventario", lambda: f"Dio de baja por daño: {choice(v.PIEZAS).lower()}"),
        (A.LOGIN, "auth", lambda: f"Inicio de sesión desde {choice(v.NAVEGADORES)}"),
        (A.LOGOUT, "auth", lambda: "Cierre de sesión"),
        (A.BACKUP, "sistema", lambda: "Copia de seguridad del taller generada"),
        (A.RESTORE, "sistema", lambda: "Copia de seguridad restaurada"),
    ]


def _ip(rng: random.Random) -> str | None:
    """Mostly the shop's LAN, some public IPv4, a few IPv6, some unknown."""
    r = rng.random()
    if r < 0.6:
        return f"192.168.{rng.randrange(0, 2)}.{rng.randrange(2, 255)}"
    if r < 0.9:
        return f"{rng.choice(v.IP_PUBLICAS)}.{rng.randrange(256)}.{rng.randrange(1, 255)}"
    if r < 0.92:
        return f"2800:cd0:{rng.randrange(1, 0xFFFF):x}::{rng.randrange(1, 0xFFFF):x}"
    return None
