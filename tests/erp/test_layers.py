"""The demo seeder sits above the ERP apps it fills: none of them imports it, and
``personal_admin`` (the tenant and its staff) imports no other ERP app."""

import ast
from pathlib import Path

import pytest

import erp

ERP = Path(erp.__file__).parent
ERP_APPS = ("personal_admin", "clientes_servicios", "operaciones_inventario", "finanzas_facturacion", "servicios_IA")


def erp_imports(app: str) -> set[tuple[str, str]]:
    """``(file, imported erp app)`` for every absolute import of an ``erp.<app>`` module in ``app``."""
    found = set()
    for path in sorted((ERP / app).rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                names = [node.module] + [f"{node.module}.{alias.name}" for alias in node.names]
            elif isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            else:
                continue
            for name in names:
                parts = name.split(".")
                if parts[0] == "erp" and len(parts) > 1:
                    found.add((str(path.relative_to(ERP)), parts[1]))
    return found


def test_erp_imports_are_seen():
    """The scan finds the imports it looks for (else the checks below could never fail)."""
    assert ("demo/seeding/plan.py", "operaciones_inventario") in erp_imports("demo")
    assert ("operaciones_inventario/models.py", "personal_admin") in erp_imports("operaciones_inventario")


@pytest.mark.parametrize("app", ERP_APPS)
def test_no_erp_app_imports_the_demo_seeder(app):
    assert {(path, target) for path, target in erp_imports(app) if target == "demo"} == set()


def test_personal_admin_imports_no_other_erp_app():
    assert {(path, target) for path, target in erp_imports("personal_admin") if target != "personal_admin"} == set()
