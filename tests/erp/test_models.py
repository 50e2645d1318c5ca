import pytest
from django.db import IntegrityError, transaction

from erp.clientes_servicios.models import Cliente
from erp.operaciones_inventario.models import Marca, Modelo, Vehiculo
from erp.personal_admin.storage import TenantUploadTo
from erp.operaciones_inventario.models import ImagenOrden, OrdenTrabajo


def _vehiculo(tenant, placa: str, documento: str = "100") -> Vehiculo:
    cliente, _ = Cliente.objects.get_or_create(tenant=tenant, documento=documento, defaults={"nombre": "Ana"})
    return Vehiculo.objects.create(tenant=tenant, cliente=cliente, placa=placa)


def test_plate_is_unique_within_a_tenant(tenant):
    _vehiculo(tenant, "2345ABC")
    with pytest.raises(IntegrityError), transaction.atomic():
        _vehiculo(tenant, "2345ABC")
    assert Vehiculo.objects.filter(tenant=tenant).count() == 1


def test_plate_can_repeat_across_tenants(tenant, other_tenant):
    _vehiculo(tenant, "2345ABC")
    _vehiculo(other_tenant, "2345ABC")
    assert Vehiculo.objects.filter(placa="2345ABC").count() == 2


def test_client_document_unique_per_tenant(tenant, other_tenant):
    Cliente.objects.create(tenant=tenant, documento="777", nombre="A")
    Cliente.objects.create(tenant=other_tenant, documento="777", nombre="B")
    with pytest.raises(IntegrityError), transaction.atomic():
        Cliente.objects.create(tenant=tenant, documento="777", nombre="C")


def test_catalog_natural_keys_round_trip(db):
    modelo = Modelo.objects.create(marca=Marca.objects.create(nombre="Toyota"), nombre="Hilux")
    assert modelo.natural_key() == ("Toyota", "Hilux")
    assert Modelo.objects.get_by_natural_key("Toyota", "Hilux") == modelo
    assert Marca.objects.get_by_natural_key("Toyota").pk == modelo.marca_id


def test_uploads_live_under_the_tenant_prefix(tenant):
    orden = OrdenTrabajo.objects.create(tenant=tenant, numero=1, vehiculo=_vehiculo(tenant, "1000XYZ"))
    path = TenantUploadTo("ordenes", tenant_path="orden.tenant")(ImagenOrden(orden=orden), "../../etc/foto.jpg")
    assert path == f"tenants/{tenant.uuid}/ordenes/foto.jpg"
