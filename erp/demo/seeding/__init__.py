"""Deterministic demo data for one tenant: ``seed_tenant(slug=..., rows=N)``.

Used by ``manage.py seed_tenant`` and by tests; see ``service`` for the details. One module
per part of the shop it fills (``people``, ``inventory``, ``customers``, ``budgets``,
``orders``, ``finance``, ``ai``, ``bitacora``, and the global ``catalog``), all drawing from
one ``Seeder`` (``seeder``) in the order ``service`` gives.
"""

from .errors import SeedError, TenantExists
from .plan import DEFAULT_BATCH_SIZE, DEFAULT_PASSWORD, REFERENCE, plan_counts
from .seeder import Progress
from .service import SeedResult, seed_tenant

__all__ = [
    "DEFAULT_BATCH_SIZE",
    "DEFAULT_PASSWORD",
    "REFERENCE",
    "Progress",
    "SeedError",
    "SeedResult",
    "TenantExists",
    "plan_counts",
    "seed_tenant",
]
