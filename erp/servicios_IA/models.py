from django.conf import settings
from django.db import models
from django.utils import timezone

from erp.personal_admin.storage import TenantUploadTo


class LecturaPlaca(models.Model):
    """A licence-plate reading made by the recognition service."""

    tenant = models.ForeignKey("personal_admin.Tenant", on_delete=models.CASCADE)
    vehiculo = models.ForeignKey(
        "operaciones_inventario.Vehiculo", null=True, blank=True, on_delete=models.SET_NULL, related_name="lecturas"
    )
    usuario = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)
    imagen = models.ImageField(upload_to=TenantUploadTo("placas"), blank=True)
    texto_reconocido = models.CharField(max_length=20)
    confianza = models.DecimalField(max_digits=5, decimal_places=4)
    resultado = models.JSONField(default=dict)
    fecha = models.DateTimeField(default=timezone.now)


class Reporte(models.Model):
    class Tipo(models.TextChoices):
        VENTAS = "ventas", "Ventas"
        INVENTARIO = "inventario", "Inventario"
        ORDENES = "ordenes", "Órdenes"
        CLIENTES = "clientes", "Clientes"

    class Formato(models.TextChoices):
        PDF = "pdf", "PDF"
        XLSX = "xlsx", "Excel"
        CSV = "csv", "CSV"

    tenant = models.ForeignKey("personal_admin.Tenant", on_delete=models.CASCADE)
    tipo = models.CharField(max_length=12, choices=Tipo.choices)
    formato = models.CharField(max_length=5, choices=Formato.choices, default=Formato.PDF)
    parametros = models.JSONField(default=dict, blank=True)
    archivo = models.FileField(upload_to=TenantUploadTo("reportes"), blank=True)
    generado_por = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)
    fecha = models.DateTimeField(default=timezone.now)
