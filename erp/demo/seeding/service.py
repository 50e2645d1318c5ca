"""Seed one tenant (taller) with realistic, deterministic demo data.

``seed_tenant(slug=..., rows=N)`` creates the tenant, its three users and about ``N`` rows
spread over every tenant model (about 70 % of them in ``Bitacora``), plus the global
``Marca``/``Modelo`` catalog if it is missing.

* Deterministic: content comes from ``random.Random(seed)`` consumed in a fixed order (the
  order of ``_run``), and every date is relative to the fixed ``REFERENCE`` (2026-01-01 in
  La Paz), never ``now()``. The slug only shapes the slug-derived fields (name, usernames,
  e-mail domain, tenant uuid).
* Flat in memory: rows are generated lazily and written with batched ``bulk_create``; only
  the ids of the small parent tables (clients, vehicles, items, ...) are kept.
* One transaction: a failure leaves the database untouched.
* The content does not depend on ``batch_size`` (nor on the database backend).
"""

import time
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.core.validators import validate_slug
from django.db import transaction

from erp.personal_admin.models import Bitacora, Tenant

from . import ai, budgets, catalog, customers, finance, inventory, orders, people
from . import vocab as v
from .bitacora import bitacora
from .errors import SeedError, TenantExists
from .plan import DEFAULT_BATCH_SIZE, DEFAULT_PASSWORD, User, plan_counts
from .seeder import Progress, Seeder


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
    _check_arguments(slug, batch_size)
    plan = plan_counts(rows)
    started = time.perf_counter()
    with transaction.atomic():
        usernames = _free_usernames(slug)
        seeder = Seeder(
            slug=slug, seed=seed, name=name, password=password, plan=plan, progress=progress, batch_size=batch_size
        )
        _run(seeder, usernames)
    return SeedResult(
        tenant=seeder.tenant,
        usernames=usernames,
        password=password,
        counts={model._meta.label: seeder.written.get(model, 0) for model in plan},
        catalog_created=seeder.catalog_created,
        elapsed=time.perf_counter() - started,
    )


def _check_arguments(slug: str, batch_size: int) -> None:
    try:
        validate_slug(slug)
    except ValidationError:
        raise SeedError(f"invalid slug {slug!r}: use letters, digits, '-' and '_'") from None
    if len(slug) > Tenant._meta.get_field("slug").max_length:
        raise SeedError(f"slug {slug!r} is too long")
    if batch_size < 1:
        raise SeedError("batch_size must be at least 1")


def _free_usernames(slug: str) -> tuple[str, str, str]:
    """The usernames of the new tenant's users, once sure that neither it nor they exist."""
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
    return usernames


def _run(s: Seeder, usernames: tuple[str, str, str]) -> None:
    """Every part in its fixed order: each draws from the one random stream in turn."""
    s.placa = v.Placas(s.rng)
    catalog.catalog(s)
    people.tenant_and_users(s, usernames)
    people.personal(s)
    inventory.inventario(s)
    customers.clientes_y_vehiculos(s)
    customers.citas(s)
    budgets.presupuestos(s)
    orders.ordenes(s)
    finance.facturas(s)
    ai.lecturas(s)
    ai.reportes(s)
    s.flush()
    s.insert(Bitacora, bitacora(s))
