"""The tenant's customers, their vehicles and their appointments (``Cita``)."""

from collections.abc import Iterator

from erp.clientes_servicios.models import Cita, Cliente
from erp.operaciones_inventario.models import Vehiculo

from . import vocab as v
from .sampling import at, spread
from .seeder import Seeder


def clientes_y_vehiculos(s: Seeder) -> None:
    rng, total = s.rng, s.plan[Cliente]
    ci = v.Permutation(rng, 1_000_000, 9_000_000)
    nit = v.Permutation(rng, 1_000_000_000, 9_000_000_000)
    s.insert(Cliente, (_cliente(s, i, total, ci, nit) for i in range(total)), s.clientes)
    s.insert(Vehiculo, _vehiculos(s), s.vehiculos)


def _cliente(s: Seeder, i: int, total: int, ci: v.Permutation, nit: v.Permutation) -> Cliente:
    rng = s.rng
    address, ciudad = v.direccion(rng)
    if rng.random() < 0.15:
        nombre, email = v.empresa(rng), ""
        tipo, documento = Cliente.Tipo.EMPRESA, str(nit(i))
    else:
        first, last = v.persona(rng)
        nombre, email = f"{first} {last}", v.email_for(rng, first, last) if rng.random() < 0.7 else ""
        tipo, documento = Cliente.Tipo.PERSONA, str(ci(i))
    return Cliente(
        tenant_id=s.tid,
        documento=documento,
        tipo=tipo,
        nombre=nombre,
        email=email,
        telefono=v.telefono(rng, ciudad),
        direccion=address,
        creado=at((i + rng.random()) / total * 0.95),
    )


def _vehiculos(s: Seeder) -> Iterator[Vehiculo]:
    """Every customer's vehicles (at least one each); notes each vehicle's customer."""
    rng = s.rng
    i = 0
    for cliente_id, k in zip(s.clientes, spread(rng, s.plan[Vehiculo], len(s.clientes), minimum=1)):
        for _ in range(k):
            anio = rng.randrange(1995, 2026)
            s.vehiculo_cliente.append(cliente_id)
            yield Vehiculo(
                tenant_id=s.tid,
                cliente_id=cliente_id,
                modelo_id=rng.choice(s.modelos)[0] if rng.random() < 0.95 else None,
                placa=s.placa(i),
                anio=anio,
                color=rng.choice(v.COLORES),
                vin=v.token(rng, 17, v.VIN_CHARS) if rng.random() < 0.8 else "",
                kilometraje=rng.randrange(1_000, 15_000) * (2026 - anio) // 2 + rng.randrange(1000),
            )
            i += 1


def citas(s: Seeder) -> None:
    total = s.plan[Cita]
    s.insert(Cita, (_cita(s, i, total) for i in range(total)))


def _cita(s: Seeder, i: int, total: int) -> Cita:
    rng = s.rng
    fraction = (i + rng.random()) / total
    if i == 1 or rng.random() < 0.2:  # walk-in without a registered vehicle
        cliente_id, vehiculo_id = rng.choice(s.clientes), None
    else:
        idx = rng.randrange(len(s.vehiculos))
        cliente_id, vehiculo_id = s.vehiculo_cliente[idx], s.vehiculos[idx]
    if fraction > 0.99:
        estado = rng.choice((Cita.Estado.PENDIENTE, Cita.Estado.CONFIRMADA))
    else:
        estado = Cita.Estado.CANCELADA if rng.random() < 0.1 else Cita.Estado.COMPLETADA
    return Cita(
        tenant_id=s.tid,
        cliente_id=cliente_id,
        vehiculo_id=vehiculo_id,
        fecha_hora=at(fraction).replace(minute=rng.choice((0, 15, 30, 45)), second=0),
        duracion_minutos=rng.choice((30, 60, 60, 90, 120, 240)),
        estado=estado,
        motivo=rng.choice(v.MOTIVOS),
    )
