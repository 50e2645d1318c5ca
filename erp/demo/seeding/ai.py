"""The AI services' rows: plate readings (``LecturaPlaca``) and generated reports (``Reporte``)."""

from datetime import timedelta
from decimal import Decimal

from erp.servicios_IA.models import LecturaPlaca, Reporte

from . import vocab as v
from .sampling import at
from .seeder import Seeder


def lecturas(s: Seeder) -> None:
    total = s.plan[LecturaPlaca]
    s.insert(LecturaPlaca, (_lectura(s, i, total) for i in range(total)))


def _lectura(s: Seeder, i: int, total: int) -> LecturaPlaca:
    """A plate reading; a few (reading 1 among them) are misread and match no vehicle."""
    rng = s.rng
    randrange = rng.randrange
    idx = randrange(len(s.vehiculos))
    placa = s.placa(idx)
    confianza = randrange(6_000, 10_000)
    leida = placa
    if i == 1 or confianza < 7_000:  # misread: no vehicle matched
        pos = randrange(4)
        leida = placa[:pos] + str((int(placa[pos]) + 1 + randrange(8)) % 10) + placa[pos + 1 :]
    candidatos = [{"placa": leida, "confianza": confianza / 10_000}]
    if leida != placa:
        candidatos.append({"placa": placa, "confianza": round(confianza / 10_000 - 0.05, 4)})
    return LecturaPlaca(
        tenant_id=s.tid,
        vehiculo_id=s.vehiculos[idx] if leida == placa else None,
        usuario_id=rng.choice(s.users),
        texto_reconocido=leida,
        confianza=Decimal(confianza).scaleb(-4),
        resultado={
            "motor": "ocr-placas-bo",
            "region": "bo",
            "candidatos": candidatos,
            "bbox": [randrange(0, 600), randrange(0, 400), randrange(120, 260), randrange(40, 90)],
            "tiempo_ms": randrange(40, 900),
        },
        fecha=at((i + rng.random()) / total),
    )


def reportes(s: Seeder) -> None:
    total = s.plan[Reporte]
    s.insert(Reporte, (_reporte(s, i, total) for i in range(total)))


def _reporte(s: Seeder, i: int, total: int) -> Reporte:
    rng = s.rng
    fecha = at((i + rng.random()) / total)
    desde = (fecha - timedelta(days=rng.choice((7, 30, 90, 365)))).date()
    parametros = {
        "desde": desde.isoformat(),
        "hasta": fecha.date().isoformat(),
        "agrupar_por": rng.choice(("dia", "semana", "mes")),
        "incluir_anulados": rng.random() < 0.2,
    }
    if rng.random() < 0.5:
        parametros["areas"] = rng.sample([a for a, _ in v.AREAS], 2)
    return Reporte(
        tenant_id=s.tid,
        tipo=rng.choice(Reporte.Tipo.values),
        formato=rng.choice(Reporte.Formato.values),
        parametros=parametros,
        generado_por_id=rng.choice(s.users),
        fecha=fecha,
    )
