"""The export's cursor read path (issue 10.3) writes the very bytes of the ORM path, and a file
compressed on several zstd threads verifies and carries the same content."""

import io
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import orjson
import pytest
import zstandard
from django.core.exceptions import ImproperlyConfigured
from django.db import connection

from backup_restore.errors import UnexportableValue
from backup_restore.export_read import cursor_query
from backup_restore.registry import get_plan
from erp.operaciones_inventario.models import InspeccionOrden, OrdenTrabajo, TareaOrden
from erp.personal_admin.models import Empleado
from erp.servicios_IA.models import LecturaPlaca, Reporte
from streaming import verify

from .helpers import backup_bytes, seeded

pytestmark = pytest.mark.django_db

EDGE_JSON = [
    {"nested": {"deep": [1, [2, [3, {"x": None}]]], "empty": {}, "list": []}, "ñandú": "🚗 \u2028 \"q\""},
    {"big": 2**63 - 1, "bigger": 12345678901234567890, "negative": -(2**63), "float": 1.5e300, "tiny": 5e-324},
    {"digits": "12345678901234567890123", "zero": -0.0, "half": 0.1, "text": ""},
    ["list", 1, 2.5, True, False, None],
    "",
    None,
]


@pytest.fixture
def shop(db):
    """A seeded shop (every field type of the ERP) with rows holding edge values."""
    tenant = seeded("lectura", rows=500, seed=3)
    midnight = datetime(2024, 1, 1, tzinfo=UTC)
    orders = list(OrdenTrabajo.objects.filter(tenant=tenant).order_by("pk")[:6])
    edges = [
        (midnight, None, Decimal("-12.34"), ""),
        (midnight + timedelta(microseconds=1), midnight, Decimal("9999999999.99"), "ñandú 🚗 \u2028 ☃"),
        (datetime(2024, 6, 30, 23, 59, 59, 999999, tzinfo=UTC), None, Decimal("-9999999999.99"), "a\tb\\c\"d"),
        (datetime(1, 1, 1, tzinfo=UTC), datetime(9999, 12, 31, 23, 59, 59, tzinfo=UTC), Decimal("0"), " "),
        (datetime(1970, 1, 1, 0, 0, 0, 100000, tzinfo=UTC), None, Decimal("0.01"), "x" * 5000),
        (datetime(2000, 2, 29, 12, tzinfo=UTC), None, Decimal("-0.01"), "línea\nnueva"),
    ]
    for order, (ingreso, salida, total, text) in zip(orders, edges, strict=True):
        OrdenTrabajo.objects.filter(pk=order.pk).update(
            fecha_ingreso=ingreso, fecha_salida=salida, total=total, descripcion=text
        )
    readings = LecturaPlaca.objects.filter(tenant=tenant).order_by("pk")
    for reading, value, confidence in zip(readings, EDGE_JSON, ["0.0001", "-9.9999", "9.9999", "0", "1.5", "-0"]):
        LecturaPlaca.objects.filter(pk=reading.pk).update(resultado=value, confianza=Decimal(confidence))
    Reporte.objects.filter(tenant=tenant).update(parametros=EDGE_JSON[0])
    InspeccionOrden.objects.filter(orden__in=orders).update(checklist=EDGE_JSON[1])
    TareaOrden.objects.filter(orden__in=orders).update(completada=True, fecha_completada=None)
    first_two = list(Empleado.objects.filter(tenant=tenant).order_by("pk").values_list("pk", flat=True)[:2])
    Empleado.objects.filter(pk__in=first_two).update(activo=False, telefono="")
    return tenant


def _lines(data: bytes, container: str) -> list[bytes]:
    if container == "ndjson.zst":
        data = zstandard.ZstdDecompressor().stream_reader(io.BytesIO(data)).read()
    return data.split(b"\n")


def _same_but_time(old: list[bytes], new: list[bytes]) -> None:
    """Line for line equal; the header's created_at (and so the end's digest) may differ."""
    assert len(old) == len(new)
    first, last = orjson.loads(old[0]), orjson.loads(new[0])
    assert first.pop("created_at") and last.pop("created_at")
    assert first == last
    end_old, end_new = orjson.loads(old[-2]), orjson.loads(new[-2])
    assert end_old.pop("sha256") and end_new.pop("sha256")
    assert end_old == end_new
    assert old[1:-2] == new[1:-2]


def _backup(settings, tenant, path: str, container: str = "ndjson.zst", threads: int = 0) -> bytes:
    settings.BACKUP_RESTORE = {"EXPORT_READ_PATH": path, "ZSTD_THREADS": threads}
    return backup_bytes(tenant, container)


@pytest.mark.parametrize("container", ["ndjson.zst", "ndjson"])
def test_cursor_path_writes_the_bytes_of_the_orm_path(shop, settings, container):
    old = _backup(settings, shop, "orm", container)
    new = _backup(settings, shop, "cursor", container)
    _same_but_time(_lines(old, container), _lines(new, container))
    verify(io.BytesIO(new))
    # The edge values are in the file, as the ORM reads them.
    text = b"\n".join(_lines(new, container))
    assert b'"2024-01-01T00:00:00Z"' in text and b'"2024-01-01T00:00:00.000001Z"' in text
    assert b'"-9999999999.99"' in text and b"12345678901234567890" in text and "ñandú".encode() in text


def test_every_section_of_the_erp_takes_the_cursor_path(shop):
    """No column of the ERP falls back to the ORM, so the test above compares the two paths."""
    for plan in get_plan().models:
        queryset = plan.rows_of(shop).values_list(*(f.field.attname for f in plan.fields))
        assert cursor_query(queryset, "default") is not None, plan.label


def test_a_json_number_beyond_64_bits_is_refused_on_both_paths(shop, settings):
    """orjson would read it as a float; the cursor path reads it as Django does and the export's
    range check refuses it with the same message."""
    reading = LecturaPlaca.objects.filter(tenant=shop).order_by("pk").first()
    LecturaPlaca.objects.filter(pk=reading.pk).update(resultado={"n": 2**70 + 1})
    messages = []
    for path in ("orm", "cursor"):
        settings.BACKUP_RESTORE = {"EXPORT_READ_PATH": path}
        with pytest.raises(UnexportableValue) as caught:
            backup_bytes(shop)
        messages.append((type(caught.value), caught.value.code, caught.value.message))
    assert messages[0] == messages[1]
    assert f"{LecturaPlaca._meta.label_lower} row id {reading.pk}, field resultado" in messages[1][2]


@pytest.mark.skipif(connection.vendor != "sqlite", reason="SQLite keeps text in a datetime column")
def test_sqlite_datetime_text_with_an_offset_reads_as_django_reads_it(shop, settings):
    order = OrdenTrabajo.objects.filter(tenant=shop).order_by("pk").first()
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE operaciones_inventario_ordentrabajo SET fecha_ingreso = %s WHERE id = %s",
            ["2024-05-06 07:08:09.5+02:00", order.pk],
        )
    old, new = _backup(settings, shop, "orm"), _backup(settings, shop, "cursor")
    _same_but_time(_lines(old, "ndjson.zst"), _lines(new, "ndjson.zst"))
    assert b'"2024-05-06T07:08:09.500000+02:00"' in b"\n".join(_lines(new, "ndjson.zst"))


def test_zstd_threads_write_a_file_that_verifies_with_the_same_content(shop, settings):
    single = _backup(settings, shop, "cursor", threads=0)
    threaded = _backup(settings, shop, "cursor", threads=2)
    report = verify(io.BytesIO(threaded))
    assert report.rows == verify(io.BytesIO(single)).rows
    _same_but_time(_lines(single, "ndjson.zst"), _lines(threaded, "ndjson.zst"))


def test_an_unknown_read_path_is_refused_by_name(shop, settings):
    settings.BACKUP_RESTORE = {"EXPORT_READ_PATH": "copy"}
    with pytest.raises(ImproperlyConfigured, match="EXPORT_READ_PATH.*'copy'"):
        backup_bytes(shop)
