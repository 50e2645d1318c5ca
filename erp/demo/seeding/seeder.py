"""The seed's state (the random stream, the plan, the ids of the small parent tables) and its
batched writes. The parts in the sibling modules fill it in a fixed order (see ``service``)."""

import itertools
import random
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date
from functools import cache

from django.db import connection, models

from erp.operaciones_inventario.models import Presupuesto
from erp.personal_admin.models import Tenant

from . import vocab as v

Progress = Callable[[str, int], None]
"""Called after every written batch with the model label and the number of rows written."""


@cache
def _file_fields(model: type[models.Model]) -> tuple[str, ...]:
    return tuple(f.attname for f in model._meta.concrete_fields if isinstance(f, models.FileField))


@dataclass(slots=True)
class Seeder:
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

    def insert(self, model: type[models.Model], objs: Iterable[models.Model], ids: list | None = None) -> None:
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

    def add(self, model: type[models.Model], obj: models.Model) -> None:
        """Queue a child row; children are written in equal-sized batches. (Batches of varying
        length would each be a distinct prepared statement, and SQLite caches 128 of those per
        connection: big INSERTs of many shapes cost tens of MB.)"""
        sink = self.sinks.setdefault(model, [])
        sink.append(obj)
        if len(sink) >= self.child_batch:
            self._write(model, sink)
            sink.clear()

    def flush(self) -> None:
        """Write the queued children and budget back-links."""
        for model, sink in self.sinks.items():
            if sink:
                self._write(model, sink)
                sink.clear()
        if self.backlinks:
            Presupuesto.objects.bulk_update(self.backlinks, ["orden_trabajo"])
            self.backlinks.clear()

    def link_back(self, presupuesto_id: int, orden_id: int) -> None:
        """Close the cycle: the converted budget points at the order that points at it."""
        self.backlinks.append(Presupuesto(pk=presupuesto_id, orden_trabajo_id=orden_id))
        if len(self.backlinks) >= self.child_batch:
            Presupuesto.objects.bulk_update(self.backlinks, ["orden_trabajo"])
            self.backlinks.clear()
