"""The global ``Marca``/``Modelo`` catalog, shared by every tenant."""

from erp.operaciones_inventario.models import Marca, Modelo

from . import vocab as v
from .seeder import Seeder


def catalog(s: Seeder) -> None:
    """Marca/Modelo are shared by every tenant: create only what is missing."""
    names = [marca for marca, _ in v.MARCAS_MODELOS]
    known = set(Marca.objects.filter(nombre__in=names).values_list("nombre", flat=True))
    missing = [Marca(nombre=n) for n in names if n not in known]
    Marca.objects.bulk_create(missing, ignore_conflicts=True)
    marcas = dict(Marca.objects.filter(nombre__in=names).values_list("nombre", "id"))
    wanted = [(marcas[marca], n, f"{marca} {n}") for marca, nombres in v.MARCAS_MODELOS for n in nombres]
    modelos = _modelo_ids(marcas.values())
    new = [Modelo(marca_id=m, nombre=n) for m, n, _ in wanted if (m, n) not in modelos]
    if new:
        Modelo.objects.bulk_create(new, ignore_conflicts=True)
        modelos = _modelo_ids(marcas.values())
    s.catalog_created = len(missing) + len(new)
    s.modelos = [(modelos[(m, n)], full) for m, n, full in wanted]


def _modelo_ids(marca_ids) -> dict[tuple[int, str], int]:
    rows = Modelo.objects.filter(marca_id__in=marca_ids).values_list("marca_id", "nombre", "id")
    return {(marca_id, nombre): pk for marca_id, nombre, pk in rows}
