"""Why a tenant cannot be seeded as asked."""


class SeedError(ValueError):
    """The tenant cannot be seeded as asked (bad arguments, slug or username taken)."""


class TenantExists(SeedError):
    pass
