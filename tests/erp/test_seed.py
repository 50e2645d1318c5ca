"""``seed_tenant``: deterministic, well-spread, flat-in-memory demo data, and its command."""

import gc
import hashlib
import json
import re
import tracemalloc
from datetime import timedelta
from decimal import Decimal
from io import StringIO

import pytest
from django.apps import apps
from django.contrib.auth import authenticate, get_user_model
from django.core.management import CommandError, call_command
from django.db import transaction
from django.db.models import F, Sum

from erp.clientes_servicios.models import Cita, Cliente
from erp.finanzas_facturacion.models import DetalleFacturaProveedor, FacturaProveedor, Pago
from erp.operaciones_inventario.models import (
    Area,
    DetalleOrden,
    DetallePresupuesto,
    ImagenOrden,
    InspeccionOrden,
    Item,
    Marca,
    Modelo,
    NotaOrden,
    OrdenTrabajo,
    Presupuesto,
    Proveedor,
    PruebaRuta,
    TareaOrden,
    Vehiculo,
)
from erp.personal_admin.models import Bitacora, Cargo, Empleado, Tenant, UserProfile
from erp.demo.seeding import REFERENCE, SeedError, TenantExists, seed_tenant
from erp.personal_admin.tenancy import Role, membership_for
from erp.servicios_IA.models import LecturaPlaca, Reporte

User = get_user_model()
ERP_APPS = ("personal_admin", "clientes_servicios", "operaciones_inventario", "finanzas_facturacion", "servicios_IA")
GLOBAL = {Marca, Modelo}

# Every model holding a tenant's rows, with the lookup from the model to its tenant.
SCOPES = {
    Tenant: "pk",
    User: "profile__tenant",
    UserProfile: "tenant",
    Cargo: "tenant",
    Empleado: "tenant",
    Bitacora: "tenant",
    Cliente: "tenant",
    Cita: "tenant",
    Vehiculo: "tenant",
    Area: "tenant",
    Proveedor: "tenant",
    Item: "tenant",
    Item.proveedores.through: "item__tenant",
    Presupuesto: "tenant",
    DetallePresupuesto: "presupuesto__tenant",
    OrdenTrabajo: "tenant",
    OrdenTrabajo.mecanicos.through: "ordentrabajo__tenant",
    DetalleOrden: "orden__tenant",
    NotaOrden: "orden__tenant",
    TareaOrden: "orden__tenant",
    ImagenOrden: "orden__tenant",
    InspeccionOrden: "orden__tenant",
    PruebaRuta: "orden__tenant",
    Pago: "orden__tenant",
    FacturaProveedor: "tenant",
    DetalleFacturaProveedor: "factura__tenant",
    LecturaPlaca: "tenant",
    Reporte: "tenant",
}


@pytest.fixture(autouse=True)
def fast_hasher(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def rows_of(model, tenant):
    return model.objects.filter(**{SCOPES[model]: tenant.pk})


def db_counts(tenant) -> dict:
    return {model: rows_of(model, tenant).count() for model in SCOPES}


def tenant_checksum(tenant) -> str:
    """SHA-256 over every row of the tenant, ordered by pk, with auto pks and FK ids replaced by
    the row's rank in its table (insertion order), catalog FKs by natural key, and the salted
    password hash left out: equal checksums mean equal content, whatever the ids (and backend)."""
    rank = {
        model: {pk: i for i, pk in enumerate(rows_of(model, tenant).order_by("pk").values_list("pk", flat=True))}
        for model in SCOPES
    }
    modelos = {m.pk: m.natural_key() for m in Modelo.objects.select_related("marca")}
    digest = hashlib.sha256()
    for model in SCOPES:
        fields = [f for f in model._meta.concrete_fields if not (model is User and f.name == "password")]
        for values in rows_of(model, tenant).order_by("pk").values_list(*(f.attname for f in fields)):
            row = []
            for f, value in zip(fields, values):
                if value is not None and (f.primary_key or f.is_relation):
                    target = model if f.primary_key else f.related_model
                    value = modelos[value] if target is Modelo else rank[target][value]
                elif isinstance(value, dict | list):  # jsonb does not keep key order
                    value = json.dumps(value, sort_keys=True)
                row.append(value)
            digest.update(repr((model._meta.label, row)).encode())
    return digest.hexdigest()


def checksum_of_fresh_seed(**kwargs) -> str:
    """Seed, checksum, roll back: the next seed starts from the same database."""
    with transaction.atomic():
        checksum = tenant_checksum(seed_tenant(**kwargs).tenant)
        transaction.set_rollback(True)
    return checksum


def test_scopes_cover_every_tenant_model():
    """A new ERP model must be seeded (and listed here)."""
    found = set()
    for label in ERP_APPS:
        for model in apps.get_app_config(label).get_models(include_auto_created=True):
            if model not in GLOBAL:
                found.add(model)
    assert found == set(SCOPES) - {User}


@pytest.mark.django_db
def test_same_seed_same_content_and_other_seed_other_content():
    first = checksum_of_fresh_seed(slug="det", rows=600, seed=7)
    assert not Tenant.objects.filter(slug="det").exists()  # really rolled back
    assert checksum_of_fresh_seed(slug="det", rows=600, seed=7) == first
    assert checksum_of_fresh_seed(slug="det", rows=600, seed=7, batch_size=37) == first
    assert checksum_of_fresh_seed(slug="det", rows=600, seed=8) != first


@pytest.mark.django_db
def test_rows_spread_over_every_model_bitacora_heavy():
    result = seed_tenant(slug="dist", rows=2000, seed=1)
    counts = db_counts(result.tenant)
    assert {m._meta.label: n for m, n in counts.items()} == result.counts
    assert all(n >= 1 for n in counts.values()), counts
    total = sum(counts.values())
    assert result.total == total
    assert 1800 <= total <= 2200
    assert 0.6 <= counts[Bitacora] / total <= 0.8


@pytest.mark.django_db
@pytest.mark.parametrize("rows", [1, 50])
def test_tiny_rows_still_reach_every_model(rows):
    result = seed_tenant(slug=f"tiny{rows}", rows=rows)
    counts = db_counts(result.tenant)
    assert all(n >= 1 for n in counts.values()), counts
    if rows == 50:
        assert 45 <= sum(counts.values()) <= 55


@pytest.mark.django_db
def test_content_is_realistic_and_consistent():
    tenant = seed_tenant(slug="real", rows=2000, seed=2).tenant
    t = tenant.pk
    assert tenant.stripe_customer_id.startswith("cus_") and tenant.stripe_subscription_id.startswith("sub_")
    assert tenant.owner.username == "real_owner"
    # The Presupuesto <-> OrdenTrabajo cycle, in both directions.
    assert OrdenTrabajo.objects.filter(tenant=t, presupuesto__orden_trabajo=F("pk")).exists()
    assert not OrdenTrabajo.objects.filter(tenant=t, presupuesto__isnull=False).exclude(presupuesto__orden_trabajo=F("pk")).exists()
    assert not OrdenTrabajo.objects.filter(tenant=t).exclude(presupuesto__isnull=True).exclude(vehiculo=F("presupuesto__vehiculo")).exists()
    # Self references and links to users.
    assert Empleado.objects.filter(tenant=t, jefe__isnull=False).exists()
    assert not Empleado.objects.filter(tenant=t, jefe__isnull=False).exclude(jefe__tenant=t).exists()
    assert Empleado.objects.filter(tenant=t, usuario__profile__tenant=t).exists()
    # Nullable FKs both ways, and always inside the tenant.
    assert Cita.objects.filter(tenant=t, vehiculo__isnull=True).exists()
    assert Cita.objects.filter(tenant=t, vehiculo__cliente=F("cliente")).exists()
    assert not Cita.objects.filter(tenant=t, vehiculo__isnull=False).exclude(vehiculo__cliente=F("cliente")).exists()
    assert LecturaPlaca.objects.filter(tenant=t, vehiculo__isnull=True).exists()
    assert not LecturaPlaca.objects.filter(tenant=t, vehiculo__isnull=False).exclude(texto_reconocido=F("vehiculo__placa")).exists()
    assert not Vehiculo.objects.filter(tenant=t).exclude(cliente__tenant=t).exists()
    # Stripe ids, file names, formats.
    assert Pago.objects.filter(orden__tenant=t, stripe_payment_intent_id__startswith="pi_").exists()
    assert Pago.objects.filter(orden__tenant=t, stripe_payment_intent_id="").exists()
    prefix = f"tenants/{tenant.uuid}/ordenes/"
    assert all(name.startswith(prefix) for name in ImagenOrden.objects.filter(orden__tenant=t).values_list("imagen", flat=True))
    assert all(re.fullmatch(r"\d{4}[A-Z]{3}", p) for p in Vehiculo.objects.filter(tenant=t).values_list("placa", flat=True))
    assert all(re.fullmatch(r"\d{7}|\d{10}", d) for d in Cliente.objects.filter(tenant=t).values_list("documento", flat=True))
    montos = Pago.objects.filter(orden__tenant=t).values_list("monto", flat=True)
    assert all(isinstance(m, Decimal) and m.as_tuple().exponent == -2 for m in montos)
    inspeccion = InspeccionOrden.objects.filter(orden__tenant=t).first()
    assert isinstance(inspeccion.checklist["items"], dict) and "frenos" in inspeccion.checklist["items"]
    assert isinstance(LecturaPlaca.objects.filter(tenant=t).first().resultado["candidatos"], list)
    assert "desde" in Reporte.objects.filter(tenant=t).first().parametros
    # Money adds up: an order's total is the sum of its lines, its payments pay it.
    orden = OrdenTrabajo.objects.filter(tenant=t, estado=OrdenTrabajo.Estado.ENTREGADA, pagos__isnull=False).first()
    lines = sum(d.cantidad * d.precio_unitario for d in orden.detalles.all())
    assert abs(orden.total - lines) <= Decimal("0.01") * orden.detalles.count()
    assert orden.pagos.aggregate(s=Sum("monto"))["s"] == orden.total
    # Ten years of aware datetimes before the fixed reference date, in insertion order.
    fechas = list(Bitacora.objects.filter(tenant=t).order_by("pk").values_list("fecha", flat=True))
    assert all(f.tzinfo is not None for f in fechas)
    assert fechas == sorted(fechas)
    assert REFERENCE - timedelta(days=3660) <= fechas[0] < fechas[-1] <= REFERENCE


@pytest.mark.django_db
def test_catalog_is_shared_not_duplicated():
    first = seed_tenant(slug="uno", rows=300)
    marcas, modelos = Marca.objects.count(), Modelo.objects.count()
    assert Marca.objects.filter(nombre="Toyota", modelos__nombre="Land Cruiser").exists()
    second = seed_tenant(slug="dos", rows=300)
    assert (Marca.objects.count(), Modelo.objects.count()) == (marcas, modelos)
    assert second.catalog_created == 0
    used = lambda r: set(Vehiculo.objects.filter(tenant=r.tenant).values_list("modelo_id", flat=True))  # noqa: E731
    assert used(first) & used(second)


@pytest.mark.django_db
def test_progress_reports_every_row():
    calls = []
    result = seed_tenant(slug="prog", rows=500, batch_size=100, progress=lambda label, n: calls.append((label, n)))
    assert sum(n for _, n in calls) == result.total
    assert max(n for _, n in calls) <= 100
    assert {label for label, _ in calls} == set(result.counts)


@pytest.mark.django_db
def test_command_creates_users_with_roles_and_working_password():
    out = StringIO()
    call_command("seed_tenant", "cmd", rows=300, password="Otra-Clave-9", stdout=out)
    tenant = Tenant.objects.get(slug="cmd")
    expected = {"cmd_owner": Role.OWNER, "cmd_admin": Role.ADMIN, "cmd_staff": Role.EMPLOYEE}
    for username, role in expected.items():
        user = authenticate(username=username, password="Otra-Clave-9")
        assert user is not None, username
        assert user.first_name and user.last_name and "@" in user.email
        membership = membership_for(user)
        assert (membership.tenant, membership.role) == (tenant, role)
        assert authenticate(username=username, password="demo1234") is None
    assert tenant.owner.username == "cmd_owner"
    output = out.getvalue()
    assert "Otra-Clave-9" in output and "cmd_owner" in output and "Bitacora=" in output


@pytest.mark.django_db
def test_command_default_password_is_printed_and_works():
    out = StringIO()
    call_command("seed_tenant", "pwd", rows=100, stdout=out)
    assert "demo1234" in out.getvalue()
    assert authenticate(username="pwd_staff", password="demo1234") is not None


@pytest.mark.django_db
def test_command_refuses_existing_slug_and_changes_nothing():
    call_command("seed_tenant", "dup", rows=200, stdout=StringIO())
    tenant = Tenant.objects.get(slug="dup")
    before = (db_counts(tenant), User.objects.count(), Tenant.objects.count(), Modelo.objects.count(), tenant_checksum(tenant))
    with pytest.raises(CommandError, match="tenant 'dup' already exists"):
        call_command("seed_tenant", "dup", rows=200, seed=5, stdout=StringIO())
    after = (db_counts(tenant), User.objects.count(), Tenant.objects.count(), Modelo.objects.count(), tenant_checksum(tenant))
    assert after == before
    with pytest.raises(TenantExists):
        seed_tenant(slug="dup", rows=10)


@pytest.mark.django_db
@pytest.mark.parametrize(("slug", "rows", "message"), [("ok", 0, "at least 1"), ("ok", -5, "at least 1"), ("no slug!", 10, "invalid slug")])
def test_command_validates_arguments(slug, rows, message):
    with pytest.raises(CommandError, match=message):
        call_command("seed_tenant", slug, rows=rows, stdout=StringIO())
    assert not Tenant.objects.exists()


@pytest.mark.django_db
def test_service_refuses_taken_usernames():
    User.objects.create_user("taken_admin")
    with pytest.raises(SeedError, match="taken_admin"):
        seed_tenant(slug="taken", rows=10)
    assert not Tenant.objects.filter(slug="taken").exists()


def _peak(**kwargs) -> int:
    gc.collect()
    tracemalloc.start()
    try:
        seed_tenant(**kwargs)
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


@pytest.mark.slow
@pytest.mark.django_db
def test_memory_stays_flat_with_ten_times_more_rows():
    """With small batches, 10x the rows must not need much more memory. Building any big
    table in a list (e.g. Bitacora: ~14,000 objects at 20,000 rows, >10 MB) breaks the bound;
    what may grow is the parents' id lists (a few hundred ints here)."""
    seed_tenant(slug="warm", rows=2000, batch_size=50)  # first-use caches are not the seeder's
    small = _peak(slug="small", rows=2_000, batch_size=50)
    big = _peak(slug="big", rows=20_000, batch_size=50)
    assert big < 2 * small + 1_000_000, (small, big)
