"""Where a tenant's uploaded files live: every file sits under ``tenants/<tenant uuid>/``."""

from pathlib import PurePosixPath

from django.utils.deconstruct import deconstructible


def tenant_prefix(tenant_uuid) -> str:
    return f"tenants/{tenant_uuid}/"


@deconstructible
class TenantUploadTo:
    """``upload_to`` callable: ``tenants/<uuid>/<folder>/<filename>``.

    ``tenant_path`` is the dotted attribute path from the instance to its tenant
    (``"tenant"`` or ``"orden.tenant"`` for detail rows).
    """

    def __init__(self, folder: str, tenant_path: str = "tenant") -> None:
        self.folder = folder
        self.tenant_path = tenant_path

    def __call__(self, instance, filename: str) -> str:
        tenant = instance
        for attr in self.tenant_path.split("."):
            tenant = getattr(tenant, attr)
        return f"{tenant_prefix(tenant.uuid)}{self.folder}/{PurePosixPath(filename).name}"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, TenantUploadTo) and (self.folder, self.tenant_path) == (
            other.folder,
            other.tenant_path,
        )
