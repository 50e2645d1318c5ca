from django.apps import apps
from django.db import models
from django.test.utils import isolate_apps

from backup_restore.registry import FieldKind, build_plan, get_plan
from erp.operaciones_inventario.models import OrdenTrabajo
from erp.personal_admin.models import Tenant


def test_every_installed_model_is_planned_or_excluded_with_a_reason():
    plan = get_plan()
    assert plan.unclassified == {}
    covered = set(plan.by_label) | set(plan.catalogs) | set(plan.excluded)
    installed = {m._meta.label_lower for m in apps.get_models(include_auto_created=True)}
    assert installed - covered == {"personal_admin.tenant"}
    assert all(reason.strip() for reason in plan.excluded.values())


def test_detail_tables_reach_the_tenant_through_their_parent():
    plan = get_plan().by_label
    assert plan["operaciones_inventario.detalleorden"].tenant_lookup == "orden__tenant"
    assert plan["finanzas_facturacion.pago"].tenant_lookup == "orden__tenant"
    assert plan["operaciones_inventario.ordentrabajo_mecanicos"].tenant_lookup == "ordentrabajo__tenant"
    assert plan["clientes_servicios.cliente"].tenant_field == "tenant_id"


def test_foreign_key_targets_come_first_and_cycles_are_deferred():
    plan = get_plan()
    position = {p.label: i for i, p in enumerate(plan.models)}
    for model_plan in plan.models:
        for f in model_plan.fields:
            if f.kind is FieldKind.REF and not f.deferred:
                assert position[f.target] < position[model_plan.label], (model_plan.label, f.name)
    deferred = {(p.label, f.name) for p in plan.models for f in p.fields if f.deferred}
    assert ("personal_admin.empleado", "jefe") in deferred
    # Exactly one side of the Presupuesto <-> OrdenTrabajo cycle is deferred.
    assert len(deferred & {("operaciones_inventario.ordentrabajo", "presupuesto"),
                           ("operaciones_inventario.presupuesto", "orden_trabajo")}) == 1


def test_field_kinds_and_omissions():
    plan = get_plan().by_label
    vehiculo = {f.name: f.kind for f in plan["operaciones_inventario.vehiculo"].fields}
    assert vehiculo["modelo"] is FieldKind.CATALOG
    assert vehiculo["cliente"] is FieldKind.REF
    assert "tenant" not in vehiculo
    assert {f.name: f.kind for f in plan["personal_admin.empleado"].fields}["usuario"] is FieldKind.USER
    assert {f.name: f.kind for f in plan["personal_admin.empleado"].fields}["foto"] is FieldKind.FILE
    assert "stripe_payment_intent_id" in plan["finanzas_facturacion.pago"].omitted
    assert "stripe_payment_intent_id" not in plan["finanzas_facturacion.pago"].field_names


def test_natural_keys_come_from_tenant_scoped_unique_constraints():
    plan = get_plan().by_label
    assert plan["clientes_servicios.cliente"].natural_key == ("documento",)
    assert plan["operaciones_inventario.vehiculo"].natural_key == ("placa",)
    assert plan["finanzas_facturacion.facturaproveedor"].natural_key == ("proveedor", "numero")
    assert plan["operaciones_inventario.item_proveedores"].natural_key == ("item", "proveedor")
    assert plan["operaciones_inventario.detalleorden"].natural_key is None


def test_audit_log_and_memberships_are_export_only():
    plan = get_plan().by_label
    assert not plan["personal_admin.bitacora"].restorable
    assert not plan["personal_admin.userprofile"].restorable
    assert plan["clientes_servicios.cliente"].restorable


@isolate_apps("erp.personal_admin")
def test_a_new_erp_model_is_covered_without_touching_backup_restore():
    class Garantia(models.Model):
        orden = models.ForeignKey(OrdenTrabajo, on_delete=models.CASCADE)
        api_token = models.CharField(max_length=40)
        meses = models.PositiveSmallIntegerField()

        class Meta:
            app_label = "personal_admin"

    class Huerfano(models.Model):
        nota = models.TextField()

        class Meta:
            app_label = "personal_admin"

    plan = build_plan([*apps.get_models(include_auto_created=True), Garantia, Huerfano])
    garantia = plan.by_label["personal_admin.garantia"]
    assert garantia.tenant_lookup == "orden__tenant"
    assert garantia.field_names == ["id", "orden", "meses"]
    assert "api_token" in garantia.omitted
    # A model that reaches no tenant and is no catalog is reported, never silently skipped.
    assert "personal_admin.huerfano" in plan.unclassified
    assert Tenant not in [p.model for p in plan.models]
