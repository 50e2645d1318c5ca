"""The tenant's inventory: areas, suppliers, items and which supplier sells which item."""

from collections.abc import Iterator

from django.db import models

from erp.operaciones_inventario.models import Area, Item, Proveedor

from . import vocab as v
from .plan import ItemProveedor
from .sampling import spread
from .seeder import Seeder


def inventario(s: Seeder) -> None:
    areas = v.AREAS[: s.plan[Area]]
    s.insert(Area, (Area(tenant_id=s.tid, nombre=n, descripcion=d) for n, d in areas), s.areas)
    nit = v.Permutation(s.rng, 1_000_000_000, 9_000_000_000)
    s.insert(Proveedor, (_proveedor(s, str(nit(i))) for i in range(s.plan[Proveedor])), s.proveedores)
    ids: list[int] = []
    s.insert(Item, (_item(s, i) for i in range(s.plan[Item])), ids)
    s.items = [(pk, *rest) for pk, (_, *rest) in zip(ids, s.items)]
    s.insert(ItemProveedor, _item_proveedores(s))


def _proveedor(s: Seeder, nit: str) -> Proveedor:
    rng = s.rng
    nombre, apellido = v.persona(rng)
    return Proveedor(
        tenant_id=s.tid,
        nit=nit,
        nombre=v.proveedor(rng),
        contacto=f"{nombre} {apellido}",
        telefono=v.telefono(rng, rng.choice(v.CIUDAD_NOMBRES)),
        email=v.email_for(rng, nombre, apellido),
    )


def _item(s: Seeder, i: int) -> Item:
    """Item ``i``; its ``(0, nombre, compra, venta)`` goes to ``s.items`` (the id comes later)."""
    rng = s.rng
    r = rng.random()
    tipo, prefix, nombres, (low, high) = v.ITEM_TIPOS[0 if r < 0.6 else 1 if r < 0.85 else 2]
    nombre = rng.choice(nombres)
    if tipo == "repuesto" and rng.random() < 0.6:
        nombre = f"{nombre} p/ {rng.choice(s.modelos)[1]}"
    compra = rng.randrange(low, high)
    venta = compra * rng.randrange(125, 180) // 100
    if tipo == "servicio":
        compra = 0
    s.items.append((0, nombre, compra, venta))
    stock = 0 if tipo == "servicio" else rng.randrange(0, 120)
    return Item(
        tenant_id=s.tid,
        area_id=rng.choice(s.areas) if rng.random() < 0.9 else None,
        codigo=f"{prefix}-{i + 1:06d}",
        nombre=nombre,
        tipo=tipo,
        stock=stock,
        stock_minimo=0 if tipo == "servicio" else rng.randrange(0, 10),
        precio_compra=v.money(compra),
        precio_venta=v.money(venta),
    )


def _item_proveedores(s: Seeder) -> Iterator[models.Model]:
    rng, proveedores = s.rng, s.proveedores
    for (item_id, *_), k in zip(s.items, spread(rng, s.plan[ItemProveedor], len(s.items))):
        for proveedor_id in rng.sample(proveedores, min(k, len(proveedores))):
            yield ItemProveedor(item_id=item_id, proveedor_id=proveedor_id)
