"""Deterministic demo data for one tenant: ``seed_tenant(slug=..., rows=N)``.

Used by ``manage.py seed_tenant`` and by tests; see ``service`` for the details.
"""

from .service import (
    DEFAULT_BATCH_SIZE,
    DEFAULT_PASSWORD,
    REFERENCE,
    Progress,
    SeedError,
    SeedResult,
    TenantExists,
    plan_counts,
    seed_tenant,
)

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
