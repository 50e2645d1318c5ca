"""Seed one tenant (taller) with realistic, deterministic demo data.

``seed_tenant(slug=..., rows=N)`` creates the tenant, its three users and about ``N`` rows
spread over every tenant model (about 70 % of them in ``Bitacora``), plus the global
``Marca``/``Modelo`` catalog if it is missing.

* Deterministic: content comes from ``random.Random(seed)`` consumed in a fixed order, and
  every date is relative to the fixed ``REFERENCE`` (2026-01-01 in La Paz), never ``now()``.
  The slug only shapes the slug-derived fields (name, usernames, e-mail domain, tenant uuid).
* Flat in memory: rows are generated lazily and written with batched ``bulk_create``; only
  the ids of the small parent tables (clients, vehicles, items, ...) are kept.
* One transaction: a failure leaves the database untouched.
* The content does not depend on ``batch_size`` (nor on the database backend).
"""

import itertools
import random
import time
import uuid
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal
from functools import cache
from zoneinfo import ZoneInfo

from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.core.exceptions import ValidationError
from django.core.validators import validate_slug
from django.db import connection, models, transaction

from erp.clientes_servicios.models import Cita, Cliente
from erp.finanzas_facturacion.models import DetalleFacturaProveedor, FacturaProveedor, Pago
from erp.operaciones_inventario.models import (
    Area,
    DetalleOrden,
    DetallePresupuesto,
    ImagenOrden,
    InspeccionOrden,
    Item,
    Marca,
    Modelo,
    NotaOrden,
    OrdenTrabajo,
    Presupuesto,
    Proveedor,
    PruebaRuta,
    TareaOrden,
    Vehiculo,
)
from erp.servicios_IA.models import LecturaPlaca, Reporte

from ..models import Bitacora, Cargo, Empleado, Tenant, UserProfile
from ..storage import tenant_prefix
from . import vocab as v

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

Progress = Callable[[str, int], None]
"""Called after every written batch with the model label and the number of rows written."""


class SeedError(ValueError):
    """The tenant cannot be seeded as asked (bad arguments, slug or username taken)."""


class TenantExists(SeedError):
    pass


@dataclass(frozen=True, slots=True)
class SeedResult:
    tenant: Tenant
    usernames: tuple[str, str, str]  # owner, admin, staff
    password: str
    counts: dict[str, int]  # model label -> rows written for the tenant, in insertion order
    catalog_created: int  # new Marca/Modelo rows (0 when another tenant already created them)
    elapsed: float  # seconds

    @property
    def total(self) -> int:
        return sum(self.counts.values())

    @property
    def rows_per_second(self) -> float:
        return self.total / self.elapsed if self.elapsed else 0.0


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


def seed_tenant(
    *,
    slug: str,
    rows: int,
    seed: int = 0,
    password: str = DEFAULT_PASSWORD,
    name: str | None = None,
    progress: Progress | None = None,
    batch_size: int = DEFAULT_BATCH_SIZE,
) -> SeedResult:
    """Create tenant ``slug`` with users ``<slug>_owner|admin|staff`` and about ``rows`` rows.

    Raises ``TenantExists`` if the slug is taken and ``SeedError`` for other bad input; in
    both cases nothing is written. Note: with ``settings.DEBUG`` on, Django keeps the SQL of
    every query, which costs time and memory for big ``rows`` (the command switches it off).
    """
    try:
        validate_slug(slug)
    except ValidationError:
        raise SeedError(f"invalid slug {slug!r}: use letters, digits, '-' and '_'") from None
    if len(slug) > Tenant._meta.get_field("slug").max_length:
        raise SeedError(f"slug {slug!r} is too long")
    if batch_size < 1:
        raise SeedError("batch_size must be at least 1")
    plan = plan_counts(rows)
    started = time.perf_counter()
    with transaction.atomic():
        existing = Tenant.objects.filter(slug=slug).first()
        if existing is not None:
            raise TenantExists(
                f"tenant '{slug}' already exists (id {existing.pk}, {existing.name!r}); "
                "choose another slug or delete that tenant first"
            )
        usernames = (f"{slug}_owner", f"{slug}_admin", f"{slug}_staff")
        taken = sorted(User.objects.filter(username__in=usernames).values_list("username", flat=True))
        if taken:
            raise SeedError(f"user(s) {', '.join(taken)} already exist; choose another slug")
        seeder = _Seeder(
            slug=slug, seed=seed, name=name, password=password, plan=plan, progress=progress, batch_size=batch_size
        )
        seeder.run(usernames)
    return SeedResult(
        tenant=seeder.tenant,
        usernames=usernames,
        password=password,
        counts={model._meta.label: seeder.written.get(model, 0) for model in plan},
        catalog_created=seeder.catalog_created,
        elapsed=time.perf_counter() - started,
    )


@cache
def _file_fields(model: type[models.Model]) -> tuple[str, ...]:
    return tuple(f.attname for f in model._meta.concrete_fields if isinstance(f, models.FileField))


def _at(fraction: float) -> datetime:
    """A point of the ten-year window (0 = oldest, 1 = REFERENCE), squeezed into shop hours
    (07:30-20:00) so that a growing ``fraction`` gives growing datetimes."""
    days = min(max(fraction, 0.0), 0.999_999_99) * SPAN_DAYS
    day = int(days)
    return START + timedelta(days=day, seconds=int(27_000 + (days - day) * 45_000))


def _spread(rng: random.Random, total: int, parents: int, minimum: int = 0) -> Iterator[int]:
    """Per-parent child counts summing to exactly ``total`` (multinomial above a floor)."""
    if parents <= 0:
        return
    minimum = min(minimum, total // parents)
    rest = total - minimum * parents
    for remaining in range(parents, 0, -1):
        k = rng.binomialvariate(rest, 1 / remaining) if rest and remaining > 1 else rest
        rest -= k
        yield minimum + k


def _pick(rng: random.Random, chosen: int, population: int) -> Iterator[bool]:
    """``population`` flags, exactly ``chosen`` of them true (sequential sampling)."""
    for remaining in range(population, 0, -1):
        hit = rng.random() * remaining < chosen
        chosen -= hit
        yield hit


@dataclass(slots=True)
class _Seeder:
    slug: str
    seed: int
    name: str | None
    password: str
    plan: dict[type[models.Model], int]
    progress: Progress | None
    batch_size: int
    child_batch: int = field(init=False)
    statement_rows: int | None = field(init=False)
    sinks: dict[type[models.Model], list[models.Model]] = field(default_factory=dict)
    backlinks: list[Presupuesto] = field(default_factory=list)
    rng: random.Random = field(init=False)
    written: dict[type[models.Model], int] = field(default_factory=dict)
    catalog_created: int = 0
    tenant: Tenant = field(init=False)
    tid: int = 0
    users: list[int] = field(default_factory=list)  # owner, admin, staff
    modelos: list[tuple[int, str]] = field(default_factory=list)  # (id, "Toyota Hilux")
    cargos: list[tuple[int, str, int]] = field(default_factory=list)  # (id, nombre, sueldo base in Bs)
    empleados: list[int] = field(default_factory=list)
    areas: list[int] = field(default_factory=list)
    proveedores: list[int] = field(default_factory=list)
    items: list[tuple[int, str, int, int]] = field(default_factory=list)  # (id, nombre, compra, venta) cents
    clientes: list[int] = field(default_factory=list)
    vehiculos: list[int] = field(default_factory=list)
    vehiculo_cliente: list[int] = field(default_factory=list)
    placa: v.Placas = field(init=False)
    media_prefix: str = ""  # tenants/<uuid>/
    # approved budgets that became orders: (presupuesto id, vehicle index, fecha)
    convertidos: list[tuple[int, int, date]] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.rng = random.Random(self.seed)
        self.child_batch = max(1, min(self.batch_size, 1000))
        # SQLite: INSERTs of at most 1,000 rows are as fast and keep its statement cache small;
        # PostgreSQL inserts a whole batch with one UNNEST statement whatever its length.
        self.statement_rows = self.child_batch if connection.vendor == "sqlite" else None

    # -- plumbing ------------------------------------------------------------------------

    def _insert(self, model: type[models.Model], objs: Iterable[models.Model], ids: list | None = None) -> None:
        """``bulk_create`` ``objs`` lazily in batches; append the new pks to ``ids`` if given."""
        for batch in itertools.batched(objs, self.batch_size):
            self._write(model, batch)
            if ids is not None:
                ids.extend(obj.pk for obj in batch)

    def _write(self, model: type[models.Model], batch: Sequence[models.Model]) -> None:
        model.objects.bulk_create(batch, batch_size=self.statement_rows)
        if files := _file_fields(model):
            # Saving wraps file names in FieldFiles that point back at their instance; break
            # those cycles so written rows are freed now rather than by a later cyclic GC.
            for obj in batch:
                for attname in files:
                    obj.__dict__.pop(attname, None)
        self.written[model] = self.written.get(model, 0) + len(batch)
        if self.progress is not None:
            self.progress(model._meta.label, len(batch))

    def _add(self, model: type[models.Model], obj: models.Model) -> None:
        """Queue a child row; children are written in equal-sized batches. (Batches of varying
        length would each be a distinct prepared statement, and SQLite caches 128 of those per
        connection: big INSERTs of many shapes cost tens of MB.)"""
        sink = self.sinks.setdefault(model, [])
        sink.append(obj)
        if len(sink) >= self.child_batch:
            self._write(model, sink)
            sink.clear()

    def _flush(self) -> None:
        for model, sink in self.sinks.items():
            if sink:
                self._write(model, sink)
                sink.clear()
        if self.backlinks:
            Presupuesto.objects.bulk_update(self.backlinks, ["orden_trabajo"])
            self.backlinks.clear()

    def _link_back(self, presupuesto_id: int, orden_id: int) -> None:
        """Close the cycle: the converted budget points at the order that points at it."""
        self.backlinks.append(Presupuesto(pk=presupuesto_id, orden_trabajo_id=orden_id))
        if len(self.backlinks) >= self.child_batch:
            Presupuesto.objects.bulk_update(self.backlinks, ["orden_trabajo"])
            self.backlinks.clear()

    def run(self, usernames: tuple[str, str, str]) -> None:
        self.placa = v.Placas(self.rng)
        self.catalog()
        self.tenant_and_users(usernames)
        self.personal()
        self.inventario()
        self.clientes_y_vehiculos()
        self.citas()
        self.presupuestos()
        self.ordenes()
        self.facturas()
        self.lecturas_y_reportes()
        self._flush()
        self._insert(Bitacora, self.bitacora())

    # -- global catalog ------------------------------------------------------------------

    def catalog(self) -> None:
        """Marca/Modelo are shared by every tenant: create only what is missing."""
        names = [marca for marca, _ in v.MARCAS_MODELOS]
        known = set(Marca.objects.filter(nombre__in=names).values_list("nombre", flat=True))
        missing = [Marca(nombre=n) for n in names if n not in known]
        Marca.objects.bulk_create(missing, ignore_conflicts=True)
        marcas = dict(Marca.objects.filter(nombre__in=names).values_list("nombre", "id"))
        wanted = [(marcas[marca], n, f"{marca} {n}") for marca, nombres in v.MARCAS_MODELOS for n in nombres]

        def known() -> dict[tuple[int, str], int]:
            rows = Modelo.objects.filter(marca_id__in=marcas.values()).values_list("marca_id", "nombre", "id")
            return {(marca_id, nombre): pk for marca_id, nombre, pk in rows}

        modelos = known()
        new = [Modelo(marca_id=m, nombre=n) for m, n, _ in wanted if (m, n) not in modelos]
        if new:
            Modelo.objects.bulk_create(new, ignore_conflicts=True)
            modelos = known()
        self.catalog_created = len(missing) + len(new)
        self.modelos = [(modelos[(m, n)], full) for m, n, full in wanted]

    # -- tenant, users -------------------------------------------------------------------

    def tenant_and_users(self, usernames: tuple[str, str, str]) -> None:
        rng = self.rng
        domain = f"{self.slug.replace('_', '-').lower()}.com.bo"
        created_at = START - timedelta(days=rng.randrange(30, 365), hours=-rng.randrange(8, 18))
        hashed = make_password(self.password)  # one hash (~0.3 s) for the three demo users
        users = []
        for i, username in enumerate(usernames):
            nombre, apellido = v.persona(rng)
            users.append(
                User(
                    username=username,
                    first_name=nombre,
                    last_name=apellido,
                    email=v.email_for(rng, nombre, apellido, domain),
                    password=hashed,
                    date_joined=created_at + timedelta(days=i, minutes=rng.randrange(600)),
                )
            )
        self._insert(User, users, self.users)
        address, ciudad = v.direccion(rng)
        self.tenant = Tenant(
            uuid=uuid.uuid5(UUID_NAMESPACE, f"{self.slug}:{self.seed}"),
            name=self.name or "Taller " + self.slug.replace("-", " ").replace("_", " ").title(),
            slug=self.slug,
            tax_id=str(rng.randrange(1_000_000_000, 9_999_999_999)),
            address=address,
            phone=v.telefono(rng, ciudad),
            email=f"contacto@{domain}",
            plan=rng.choice((Tenant.Plan.PRO, Tenant.Plan.ENTERPRISE)),
            stripe_customer_id="cus_" + v.token(rng, 14),
            stripe_subscription_id="sub_" + v.token(rng, 24),
            owner_id=self.users[0],
            created_at=created_at,
        )
        self._insert(Tenant, [self.tenant])
        self.tid = self.tenant.pk
        self.media_prefix = tenant_prefix(self.tenant.uuid)
        roles = (UserProfile.Role.OWNER, UserProfile.Role.ADMIN, UserProfile.Role.EMPLOYEE)
        profiles = [UserProfile(user_id=u, tenant_id=self.tid, role=r) for u, r in zip(self.users, roles)]
        self._insert(UserProfile, profiles)

    # -- personal ------------------------------------------------------------------------

    def personal(self) -> None:
        rng, tid = self.rng, self.tid
        cargos = v.CARGOS[: self.plan[Cargo]]
        ids: list[int] = []
        cargo_rows = (
            Cargo(tenant_id=tid, nombre=n, descripcion=f"{n} del taller.", sueldo_base=v.money(bs * 100)) for n, bs in cargos
        )
        self._insert(Cargo, cargo_rows, ids)
        self.cargos = [(pk, n, s) for pk, (n, s) in zip(ids, cargos)]
        jefe_cargos = [c for c in self.cargos if c[1] in v.CARGOS_JEFE] or self.cargos[:1]
        otros_cargos = [c for c in self.cargos if c[1] not in v.CARGOS_JEFE] or self.cargos[:1]
        ci = v.Permutation(rng, 1_000_000, 9_000_000)
        total = self.plan[Empleado]
        owner, admin, staff = self.users

        def empleado(i: int, cargo: tuple[int, str, int], jefe: int | None, usuario: int | None) -> Empleado:
            nombre, apellido = v.persona(rng)
            address, _ = v.direccion(rng)
            return Empleado(
                tenant_id=tid,
                cargo_id=cargo[0],
                usuario_id=usuario,
                jefe_id=jefe,
                ci=str(ci(i)),
                nombre=nombre,
                apellido=apellido,
                telefono=v.celular(rng),
                direccion=address,
                fecha_ingreso=_at(i / total * 0.9).date(),
                sueldo=v.money(cargo[2] * 100 + rng.randrange(-40, 80) * 1000),
                activo=rng.random() > 0.1,
            )

        # The manager first, then the foremen (reporting to the manager), then everybody else:
        # each batch's ``jefe`` already has a primary key.
        self._insert(Empleado, [empleado(0, jefe_cargos[0], None, owner)], self.empleados)
        jefes = max(0, min(total - 2, round(total * 0.1)))
        gerente = self.empleados[0]
        self._insert(
            Empleado,
            (empleado(i, rng.choice(jefe_cargos), gerente, admin if i == 1 else None) for i in range(1, jefes + 1)),
            self.empleados,
        )
        bosses = self.empleados[:]
        self._insert(
            Empleado,
            (
                empleado(i, rng.choice(otros_cargos), rng.choice(bosses), staff if i == total - 1 else None)
                for i in range(jefes + 1, total)
            ),
            self.empleados,
        )

    # -- inventario ----------------------------------------------------------------------

    def inventario(self) -> None:
        rng, tid = self.rng, self.tid
        areas = v.AREAS[: self.plan[Area]]
        self._insert(Area, (Area(tenant_id=tid, nombre=n, descripcion=d) for n, d in areas), self.areas)
        nit = v.Permutation(rng, 1_000_000_000, 9_000_000_000)

        def proveedor(i: int) -> Proveedor:
            nombre, apellido = v.persona(rng)
            return Proveedor(
                tenant_id=tid,
                nit=str(nit(i)),
                nombre=v.proveedor(rng),
                contacto=f"{nombre} {apellido}",
                telefono=v.telefono(rng, rng.choice(v.CIUDAD_NOMBRES)),
                email=v.email_for(rng, nombre, apellido),
            )

        self._insert(Proveedor, (proveedor(i) for i in range(self.plan[Proveedor])), self.proveedores)

        def item(i: int) -> Item:
            r = rng.random()
            tipo, prefix, nombres, (low, high) = v.ITEM_TIPOS[0 if r < 0.6 else 1 if r < 0.85 else 2]
            nombre = rng.choice(nombres)
            if tipo == "repuesto" and rng.random() < 0.6:
                nombre = f"{nombre} p/ {rng.choice(self.modelos)[1]}"
            compra = rng.randrange(low, high)
            venta = compra * rng.randrange(125, 180) // 100
            if tipo == "servicio":
                compra = 0
            self.items.append((0, nombre, compra, venta))
            stock = 0 if tipo == "servicio" else rng.randrange(0, 120)
            return Item(
                tenant_id=tid,
                area_id=rng.choice(self.areas) if rng.random() < 0.9 else None,
                codigo=f"{prefix}-{i + 1:06d}",
                nombre=nombre,
                tipo=tipo,
                stock=stock,
                stock_minimo=0 if tipo == "servicio" else rng.randrange(0, 10),
                precio_compra=v.money(compra),
                precio_venta=v.money(venta),
            )

        ids: list[int] = []
        self._insert(Item, (item(i) for i in range(self.plan[Item])), ids)
        self.items = [(pk, *rest) for pk, (_, *rest) in zip(ids, self.items)]
        proveedores = self.proveedores

        def pares() -> Iterator[models.Model]:
            for (item_id, *_), k in zip(self.items, _spread(rng, self.plan[ItemProveedor], len(self.items))):
                for proveedor_id in rng.sample(proveedores, min(k, len(proveedores))):
                    yield ItemProveedor(item_id=item_id, proveedor_id=proveedor_id)

        self._insert(ItemProveedor, pares())

    # -- clientes, vehículos, citas ------------------------------------------------------

    def clientes_y_vehiculos(self) -> None:
        rng, tid = self.rng, self.tid
        total = self.plan[Cliente]
        ci = v.Permutation(rng, 1_000_000, 9_000_000)
        nit = v.Permutation(rng, 1_000_000_000, 9_000_000_000)

        def cliente(i: int) -> Cliente:
            address, ciudad = v.direccion(rng)
            if rng.random() < 0.15:
                nombre, email = v.empresa(rng), ""
                tipo, documento = Cliente.Tipo.EMPRESA, str(nit(i))
            else:
                first, last = v.persona(rng)
                nombre, email = f"{first} {last}", v.email_for(rng, first, last) if rng.random() < 0.7 else ""
                tipo, documento = Cliente.Tipo.PERSONA, str(ci(i))
            return Cliente(
                tenant_id=tid,
                documento=documento,
                tipo=tipo,
                nombre=nombre,
                email=email,
                telefono=v.telefono(rng, ciudad),
                direccion=address,
                creado=_at((i + rng.random()) / total * 0.95),
            )

        self._insert(Cliente, (cliente(i) for i in range(total)), self.clientes)

        def vehiculos() -> Iterator[Vehiculo]:
            i = 0
            for cliente_id, k in zip(self.clientes, _spread(rng, self.plan[Vehiculo], len(self.clientes), minimum=1)):
                for _ in range(k):
                    anio = rng.randrange(1995, 2026)
                    self.vehiculo_cliente.append(cliente_id)
                    yield Vehiculo(
                        tenant_id=tid,
                        cliente_id=cliente_id,
                        modelo_id=rng.choice(self.modelos)[0] if rng.random() < 0.95 else None,
                        placa=self.placa(i),
                        anio=anio,
                        color=rng.choice(v.COLORES),
                        vin=v.token(rng, 17, v.VIN_CHARS) if rng.random() < 0.8 else "",
                        kilometraje=rng.randrange(1_000, 15_000) * (2026 - anio) // 2 + rng.randrange(1000),
                    )
                    i += 1

        self._insert(Vehiculo, vehiculos(), self.vehiculos)

    def citas(self) -> None:
        rng, tid, total = self.rng, self.tid, self.plan[Cita]

        def cita(i: int) -> Cita:
            fraction = (i + rng.random()) / total
            if i == 1 or rng.random() < 0.2:  # walk-in without a registered vehicle
                cliente_id, vehiculo_id = rng.choice(self.clientes), None
            else:
                idx = rng.randrange(len(self.vehiculos))
                cliente_id, vehiculo_id = self.vehiculo_cliente[idx], self.vehiculos[idx]
            if fraction > 0.99:
                estado = rng.choice((Cita.Estado.PENDIENTE, Cita.Estado.CONFIRMADA))
            else:
                estado = Cita.Estado.CANCELADA if rng.random() < 0.1 else Cita.Estado.COMPLETADA
            return Cita(
                tenant_id=tid,
                cliente_id=cliente_id,
                vehiculo_id=vehiculo_id,
                fecha_hora=_at(fraction).replace(minute=rng.choice((0, 15, 30, 45)), second=0),
                duracion_minutos=rng.choice((30, 60, 60, 90, 120, 240)),
                estado=estado,
                motivo=rng.choice(v.MOTIVOS),
            )

        self._insert(Cita, (cita(i) for i in range(total)))

    # -- presupuestos, órdenes -----------------------------------------------------------

    def _lineas(self, n: int) -> Iterator[tuple[int | None, str, int, int]]:
        """``n`` lines ``(item id, descripcion, cantidad in hundredths, price in cents)``."""
        rng = self.rng
        for _ in range(n):
            if rng.random() < 0.8:
                item_id, nombre, _, venta = rng.choice(self.items)
                yield item_id, nombre, rng.choice((100, 100, 100, 200, 400, 50, 450)), venta
            else:
                yield None, f"Mano de obra: {rng.choice(v.SERVICIOS).lower()}", 100, rng.randrange(5_000, 120_000)

    def presupuestos(self) -> None:
        rng, tid = self.rng, self.tid
        total, ordenes = self.plan[Presupuesto], self.plan[OrdenTrabajo]
        convertidos = min(total, max(1, round(ordenes * 0.6)))
        lines = _spread(rng, self.plan[DetallePresupuesto], total, minimum=1)
        flags = _pick(rng, convertidos, total)
        chunk = max(1, self.child_batch // 2)
        for start in range(0, total, chunk):
            budgets, detalles, meta = [], [], []
            for i in range(start, min(start + chunk, total)):
                convertido = next(flags)
                fecha = _at((i + rng.random()) / total * 0.985).date()
                suma = 0
                descuento = rng.choice((0, 0, 0, 500, 1000)) if rng.random() < 0.3 else 0
                for item_id, desc, cant, precio in self._lineas(next(lines)):
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
                    meta.append(len(budgets))
                vidx = rng.randrange(len(self.vehiculos))
                if convertido:
                    estado = Presupuesto.Estado.APROBADO
                else:
                    estado = rng.choice(
                        (Presupuesto.Estado.BORRADOR, Presupuesto.Estado.ENVIADO, Presupuesto.Estado.RECHAZADO)
                    )
                budgets.append(
                    (
                        Presupuesto(
                            tenant_id=tid,
                            numero=i + 1,
                            vehiculo_id=self.vehiculos[vidx],
                            fecha=fecha,
                            validez_dias=rng.choice((7, 15, 15, 30)),
                            estado=estado,
                            total=v.money(suma),
                            observaciones=rng.choice(v.PRESUPUESTO_OBS),
                        ),
                        convertido,
                        vidx,
                    )
                )
            self._insert(Presupuesto, (b for b, _, _ in budgets))
            for budget, convertido, vidx in budgets:
                if convertido:
                    self.convertidos.append((budget.pk, vidx, budget.fecha))
            for detalle, pos in zip(detalles, meta):
                detalle.presupuesto_id = budgets[pos][0].pk
                self._add(DetallePresupuesto, detalle)

    def ordenes(self) -> None:
        """Work orders with all their children, chunk by chunk; converted budgets get their
        back-pointer (``Presupuesto.orden_trabajo``) once the order has a primary key."""
        rng, plan = self.rng, self.plan
        total = plan[OrdenTrabajo]
        flags = _pick(rng, len(self.convertidos), total)
        convertidos = iter(self.convertidos)
        per_order = {  # children per order; every order has a line and a mechanic when possible
            model: _spread(rng, plan[model], total, minimum=int(model in (DetalleOrden, OrdenMecanico)))
            for model in (DetalleOrden, OrdenMecanico, NotaOrden, TareaOrden, ImagenOrden, PruebaRuta, Pago)
        }
        salidas = _pick(rng, plan[InspeccionOrden] - total, total)  # orders with an exit inspection
        chunk = max(1, self.child_batch // 4)
        for start in range(0, total, chunk):
            batch = [
                self._orden(
                    i,
                    next(convertidos) if next(flags) else None,
                    {model: next(counts) for model, counts in per_order.items()},
                    next(salidas),
                )
                for i in range(start, min(start + chunk, total))
            ]
            self._insert(OrdenTrabajo, [orden for orden, _ in batch])
            for orden, children in batch:
                if orden.presupuesto_id is not None:
                    self._link_back(orden.presupuesto_id, orden.pk)
                for child in children:
                    if isinstance(child, OrdenMecanico):
                        child.ordentrabajo_id = orden.pk
                    else:
                        child.orden_id = orden.pk
                    self._add(type(child), child)

    def _orden(
        self,
        i: int,
        convertido: tuple[int, int, date] | None,
        n: dict[type[models.Model], int],
        con_salida: bool,
    ) -> tuple[OrdenTrabajo, list[models.Model]]:
        """Order number ``i + 1`` and its children (without their ``orden`` yet)."""
        rng, users, E = self.rng, self.users, OrdenTrabajo.Estado
        fraction = (i + rng.random()) / self.plan[OrdenTrabajo]
        if convertido is not None:
            presupuesto_id, vidx, fecha = convertido
            ingreso = datetime.combine(fecha, _at(fraction).timetz()) + timedelta(days=rng.randrange(1, 8))
        else:
            presupuesto_id, vidx, ingreso = None, rng.randrange(len(self.vehiculos)), _at(fraction)
        if fraction > 0.995:
            estado = rng.choice((E.RECIBIDA, E.EN_PROCESO))
        elif fraction > 0.99:
            estado = E.TERMINADA
        else:
            estado = E.CANCELADA if rng.random() < 0.04 else E.ENTREGADA
        abierta = estado in (E.RECIBIDA, E.EN_PROCESO)
        salida = None if abierta else ingreso + timedelta(hours=rng.randrange(3, 24 * 12))
        km = rng.randrange(5_000, 350_000)

        def later(low: int, high: int) -> datetime:
            return ingreso + timedelta(minutes=rng.randrange(low, high))

        children: list[models.Model] = []
        suma = 0
        for item_id, desc, cant, precio in self._lineas(n[DetalleOrden]):
            suma += (cant * precio + 50) // 100
            children.append(
                DetalleOrden(item_id=item_id, descripcion=desc, cantidad=v.money(cant), precio_unitario=v.money(precio))
            )
        mecanicos = rng.sample(self.empleados, min(n[OrdenMecanico], len(self.empleados)))
        children += [OrdenMecanico(empleado_id=e) for e in mecanicos]
        for _ in range(n[NotaOrden]):
            texto = rng.choice(v.NOTAS).format(pieza=rng.choice(v.PIEZAS).lower())
            children.append(NotaOrden(autor_id=rng.choice(users), texto=texto, fecha=later(30, 4000)))
        for _ in range(n[TareaOrden]):
            hecha = not abierta or rng.random() < 0.4
            children.append(
                TareaOrden(
                    empleado_id=rng.choice(mecanicos) if mecanicos and rng.random() < 0.9 else None,
                    descripcion=f"{rng.choice(v.TAREAS)} {rng.choice(v.PIEZAS).lower()}",
                    completada=hecha,
                    fecha_completada=later(60, 6000) if hecha else None,
                )
            )
        for k in range(n[ImagenOrden]):
            children.append(
                ImagenOrden(
                    imagen=f"{self.media_prefix}ordenes/ot{i + 1:06d}_{k + 1}.jpg",
                    descripcion=rng.choice(v.IMAGEN_DESC),
                    fecha=later(0, 120),
                )
            )
        tipos = (InspeccionOrden.Tipo.INGRESO, InspeccionOrden.Tipo.SALIDA)
        for tipo in tipos[: 1 + con_salida]:
            danos = rng.sample(v.DANOS, rng.choice((0, 0, 1, 2)))
            children.append(
                InspeccionOrden(
                    tipo=tipo,
                    nivel_combustible=rng.choice((0, 12, 25, 37, 50, 62, 75, 87, 100)),
                    checklist={
                        "items": {key: rng.choice(v.CHECK_ESTADOS) for key in v.CHECKLIST},
                        "danos": danos,
                        "kilometraje": km,
                    },
                    observaciones="; ".join(danos),
                    fecha=ingreso if tipo == InspeccionOrden.Tipo.INGRESO else (salida or ingreso),
                )
            )
        for _ in range(n[PruebaRuta]):
            inicio = km + rng.randrange(0, 5)
            children.append(
                PruebaRuta(
                    empleado_id=rng.choice(self.empleados),
                    kilometraje_inicio=inicio,
                    kilometraje_fin=inicio + rng.randrange(3, 40),
                    fecha=later(120, 4000),
                    resultado=rng.choices(PruebaRuta.Resultado.values, cum_weights=(80, 95, 100))[0],
                    observaciones=rng.choice(v.PRUEBA_OBS),
                )
            )
        if estado == E.CANCELADA:
            pago_estado = Pago.Estado.ANULADO
        else:
            pago_estado = Pago.Estado.PENDIENTE if abierta else Pago.Estado.COMPLETADO
        for k in range(n[Pago]):
            metodo = rng.choice(Pago.Metodo.values)
            children.append(
                Pago(
                    monto=v.money(suma // n[Pago] + (suma % n[Pago] if k == n[Pago] - 1 else 0)),
                    metodo=metodo,
                    estado=pago_estado,
                    referencia=v.referencia_pago(rng, metodo),
                    stripe_payment_intent_id="pi_" + v.token(rng, 24) if metodo == Pago.Metodo.STRIPE else "",
                    registrado_por_id=rng.choice(users) if rng.random() < 0.95 else None,
                    fecha=(salida or ingreso) + timedelta(minutes=rng.randrange(0, 90)),
                )
            )
        orden = OrdenTrabajo(
            tenant_id=self.tid,
            numero=i + 1,
            codigo_seguimiento=uuid.UUID(int=rng.getrandbits(128), version=4),
            vehiculo_id=self.vehiculos[vidx],
            presupuesto_id=presupuesto_id,
            fecha_ingreso=ingreso,
            fecha_salida=salida,
            estado=estado,
            kilometraje=km,
            descripcion=f"{rng.choice(v.MOTIVOS)}. {rng.choice(v.MOTIVOS)}.",
            total=v.money(suma),
        )
        return orden, children

    # -- compras, IA, reportes -----------------------------------------------------------

    def facturas(self) -> None:
        rng, tid = self.rng, self.tid
        total = self.plan[FacturaProveedor]
        lines = _spread(rng, self.plan[DetalleFacturaProveedor], total, minimum=1)
        numeros: dict[int, int] = {}  # next invoice number per supplier
        comprables = [item for item in self.items if item[2]] or self.items  # services are not bought
        chunk = max(1, self.child_batch // 2)
        for start in range(0, total, chunk):
            facturas, detalles = [], []
            for i in range(start, min(start + chunk, total)):
                proveedor_id = rng.choice(self.proveedores)
                numero = numeros.get(proveedor_id) or rng.randrange(100, 20_000)
                numeros[proveedor_id] = numero + rng.randrange(1, 40)
                fraction = (i + rng.random()) / total
                suma = 0
                for _ in range(next(lines)):
                    item_id, _, compra, _ = rng.choice(comprables)
                    cantidad = rng.randrange(1, 48)
                    suma += cantidad * compra
                    costo = v.money(compra)
                    detalle = DetalleFacturaProveedor(item_id=item_id, cantidad=cantidad, costo_unitario=costo)
                    detalles.append((len(facturas), detalle))
                facturas.append(
                    FacturaProveedor(
                        tenant_id=tid,
                        proveedor_id=proveedor_id,
                        numero=str(numero),
                        fecha=_at(fraction).date(),
                        total=v.money(suma),
                        estado=FacturaProveedor.Estado.PENDIENTE if fraction > 0.97 else FacturaProveedor.Estado.PAGADA,
                    )
                )
            self._insert(FacturaProveedor, facturas)
            for pos, detalle in detalles:
                detalle.factura_id = facturas[pos].pk
                self._add(DetalleFacturaProveedor, detalle)

    def lecturas_y_reportes(self) -> None:
        rng, tid = self.rng, self.tid
        randrange = rng.randrange
        total = self.plan[LecturaPlaca]
        n_veh = len(self.vehiculos)

        def lectura(i: int) -> LecturaPlaca:
            idx = rng.randrange(n_veh)
            placa = self.placa(idx)
            confianza = rng.randrange(6_000, 10_000)
            leida = placa
            if i == 1 or confianza < 7_000:  # misread: no vehicle matched
                pos = rng.randrange(4)
                leida = placa[:pos] + str((int(placa[pos]) + 1 + rng.randrange(8)) % 10) + placa[pos + 1 :]
            candidatos = [{"placa": leida, "confianza": confianza / 10_000}]
            if leida != placa:
                candidatos.append({"placa": placa, "confianza": round(confianza / 10_000 - 0.05, 4)})
            return LecturaPlaca(
                tenant_id=tid,
                vehiculo_id=self.vehiculos[idx] if leida == placa else None,
                usuario_id=rng.choice(self.users),
                texto_reconocido=leida,
                confianza=Decimal(confianza).scaleb(-4),
                resultado={
                    "motor": "ocr-placas-bo",
                    "region": "bo",
                    "candidatos": candidatos,
                    "bbox": [randrange(0, 600), randrange(0, 400), randrange(120, 260), randrange(40, 90)],
                    "tiempo_ms": rng.randrange(40, 900),
                },
                fecha=_at((i + rng.random()) / total),
            )

        self._insert(LecturaPlaca, (lectura(i) for i in range(total)))
        total = self.plan[Reporte]

        def reporte(i: int) -> Reporte:
            fecha = _at((i + rng.random()) / total)
            desde = (fecha - timedelta(days=rng.choice((7, 30, 90, 365)))).date()
            parametros = {
                "desde": desde.isoformat(),
                "hasta": fecha.date().isoformat(),
                "agrupar_por": rng.choice(("dia", "semana", "mes")),
                "incluir_anulados": rng.random() < 0.2,
            }
            if rng.random() < 0.5:
                parametros["areas"] = rng.sample([a for a, _ in v.AREAS], 2)
            return Reporte(
                tenant_id=tid,
                tipo=rng.choice(Reporte.Tipo.values),
                formato=rng.choice(Reporte.Formato.values),
                parametros=parametros,
                generado_por_id=rng.choice(self.users),
                fecha=fecha,
            )

        self._insert(Reporte, (reporte(i) for i in range(total)))

    # -- bitácora ------------------------------------------------------------------------

    def bitacora(self) -> Iterator[Bitacora]:
        """The audit log: the big table, generated lazily in chronological order."""
        rng, tid = self.rng, self.tid
        users = self.users
        n_ord, n_pre, n_cli, n_veh = (self.plan[m] for m in (OrdenTrabajo, Presupuesto, Cliente, Vehiculo))
        placa, choice, randrange, random_ = self.placa, rng.choice, rng.randrange, rng.random
        A = Bitacora.Accion

        def persona() -> str:
            return f"{choice(v.NOMBRES)} {choice(v.APELLIDOS)}"

        def orden() -> str:
            return f"OT-{randrange(1, n_ord + 1):06d}"

        events: list[tuple[str, str, Callable[[], str]]] = [
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
        weights = list(itertools.accumulate((9, 5, 5, 3, 6, 3, 3, 4, 5, 8, 3, 3, 2, 1, 1, 10, 8, 0.6, 0.05)))

        def ip() -> str | None:
            r = random_()
            if r < 0.6:
                return f"192.168.{randrange(0, 2)}.{randrange(2, 255)}"
            if r < 0.9:
                return f"{choice(v.IP_PUBLICAS)}.{randrange(256)}.{randrange(1, 255)}"
            if r < 0.92:
                return f"2800:cd0:{randrange(1, 0xFFFF):x}::{randrange(1, 0xFFFF):x}"
            return None

        total = self.plan[Bitacora]
        for i in range(total):
            accion, modulo, describe = rng.choices(events, cum_weights=weights)[0]
            yield Bitacora(
                tenant_id=tid,
                usuario_id=None if modulo == "sistema" and random_() < 0.5 else choice(users),
                accion=accion,
                modulo=modulo,
                descripcion=describe(),
                ip=ip(),
                fecha=_at((i + random_()) / total),
            )
