"""Round-trip guarantee (hypothesis): for any rows the ERP's models accept, backup -> restore ->
backup gives the same content, in every format, on the database the suite runs on.

"Accept" is the models' own validation (``full_clean``): what the ERP's forms let in. Text
mixes digits, brackets, commas, quotes and any Unicode but NUL; money uses every digit
allowed; datetimes span years 1-9999 in any offset that keeps them in range; JSON nests.
"""

import io
import itertools
from datetime import datetime, timedelta, timezone
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from backup_restore.export import tenant_backup_stream
from backup_restore.restore import tenant_restore
from erp.clientes_servicios.models import Cliente
from erp.operaciones_inventario.models import Area, Item
from erp.servicios_IA.models import LecturaPlaca
from tests.conftest import make_tenant

from .helpers import audit_entries, canonical

pytestmark = pytest.mark.django_db

_slugs = (f"prop{n}" for n in itertools.count())

text = st.text(st.characters(exclude_characters="\x00", exclude_categories=("Cs",)), max_size=60)
digits_and_brackets = st.text(st.sampled_from("0123456789[]{},:\"\\ é€😀\n\t"), min_size=0, max_size=2000)
money = st.decimals(min_value=Decimal("-9999999999.99"), max_value=Decimal("9999999999.99"), places=2, allow_nan=False)
offsets = st.integers(min_value=-14 * 60, max_value=14 * 60).map(lambda m: timezone(timedelta(minutes=m)))
moments = st.builds(
    lambda naive, tz: naive.replace(tzinfo=tz),
    st.datetimes(min_value=datetime(2, 1, 1), max_value=datetime(9998, 12, 31)),
    offsets,
)
json_values = st.recursive(
    st.none() | st.booleans() | st.integers(min_value=-(2**63), max_value=2**63 - 1) | text
    | st.floats(allow_nan=False, allow_infinity=False),
    lambda inner: st.lists(inner, max_size=5) | st.dictionaries(text, inner, max_size=5),
    max_leaves=30,
)  # fmt: skip


def _accepted(instance) -> None:
    """Save ``instance`` if the model's own validation accepts it; the others are not the ERP's data."""
    try:
        instance.full_clean()
    except ValidationError:
        return
    instance.save()


@given(
    clientes=st.lists(st.tuples(text.filter(str.strip), text, moments), min_size=1, max_size=4),
    notes=st.lists(digits_and_brackets, max_size=3),
    prices=st.lists(st.tuples(money, money, st.integers(-(2**31), 2**31 - 1)), max_size=3),
    readings=st.lists(st.tuples(json_values, st.decimals(min_value=0, max_value=Decimal("9.9999"), places=4)), max_size=3),
    fmt=st.sampled_from(["ndjson.zst", "ndjson", "json"]),
)
@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
def test_backup_restore_backup_keeps_every_accepted_row(db, media_root, clientes, notes, prices, readings, fmt):
    tenant = make_tenant(next(_slugs))
    for n, (nombre, direccion, creado) in enumerate(clientes):
        _accepted(Cliente(tenant=tenant, documento=f"D{n}", nombre=nombre[:150], direccion=direccion, creado=creado))
    for n, note in enumerate(notes):
        _accepted(Area(tenant=tenant, nombre=f"A{n}", descripcion=note))
    for n, (compra, venta, stock) in enumerate(prices):
        _accepted(Item(tenant=tenant, codigo=f"I{n}", nombre="x", precio_compra=compra, precio_venta=venta, stock=stock))
    for resultado, confianza in readings:
        _accepted(LecturaPlaca(tenant=tenant, texto_reconocido="ABC123", confianza=confianza, resultado=resultado))

    first = b"".join(tenant_backup_stream(tenant=tenant, container=fmt))
    tenant_restore(tenant=tenant, fileobj=io.BytesIO(first), replace=True)
    second = b"".join(tenant_backup_stream(tenant=tenant, container=fmt))
    audit_entries(tenant).delete()
    ignore = ("personal_admin.bitacora",)  # the audit log grew by the first backup's entry
    assert canonical(second, ignore=ignore) == canonical(first, ignore=ignore)


@pytest.fixture
def media_root(tmp_path, settings):
    settings.MEDIA_ROOT = tmp_path
    return tmp_path

