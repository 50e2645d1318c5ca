"""backup_restore reaches the host ERP only through its settings (tenancy.py): it plugs into another ERP."""

import ast
from pathlib import Path

import backup_restore
from backup_restore import tenancy
from erp.personal_admin.models import Bitacora, Tenant


def _imported_modules(path: Path) -> set[str]:
    modules = set()
    for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
        if isinstance(node, ast.Import):
            modules.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            modules.add(node.module)
    return modules


def test_no_module_of_backup_restore_imports_the_erp():
    offenders = {
        str(path): sorted(m for m in _imported_modules(path) if m.split(".")[0] == "erp")
        for path in Path(backup_restore.__file__).parent.rglob("*.py")
    }
    assert {path: mods for path, mods in offenders.items() if mods} == {}


def test_the_door_resolves_the_configured_erp(tenant, settings):
    assert tenancy.tenant_model() is Tenant
    assert tenancy.tenant_by_slug(tenant.slug) == tenant and tenancy.tenant_by_slug("nope") is None
    assert tenancy.membership_for(tenant.owner).tenant == tenant
    assert set(tenancy.tenant_users(tenant).values_list("username", flat=True)) == {
        "alfa_owner", "alfa_admin", "alfa_staff"
    }
    assert tenancy.tenant_file_prefix(tenant) == f"tenants/{tenant.uuid}/"
    entry = tenancy.audit_entry(tenant=tenant, user=None, action="backup", details="{}", ip=None)
    assert isinstance(entry, Bitacora) and entry.modulo == "backup_restore" and entry.tenant == tenant


def test_another_erp_plugs_in_by_settings(tenant, settings):
    settings.BACKUP_RESTORE = {"TENANT_FILE_PREFIX": "builtins.str"}
    assert tenancy.tenant_file_prefix(tenant) == str(tenant.uuid)
