from django.conf import settings
from django.db import models
from django.utils import timezone

from erp.personal_admin.storage import TenantUploadTo


class Pago(models.Model):
    """A payment for a work order; reaches its tenant only through the order."""

    class Metodo(models.TextChoices):
        EFECTIVO = "efectivo", "Efectivo"
        TARJETA = "tarjeta", "Tarjeta"
        TRANSFERENCIA = "transferencia", "Transferencia"
        QR = "qr", "QR"
        STRIPE = "stripe", "Stripe"

    class Estado(models.TextChoices):
        PENDIENTE = "pendiente", "Pendiente"
        COMPLETADO = "completado", "Completado"
        ANULADO = "anulado", "Anulado"

    orden = models.ForeignKey("operaciones_inventario.OrdenTrabajo", on_delete=models.PROTECT, related_name="pagos")
    monto = models.DecimalField(max_digits=12, decimal_places=2)
    metodo = models.CharField(max_length=15, choices=Metodo.choices)
    estado = models.CharField(max_length=12, choices=Estado.choices, default=Estado.COMPLETADO)
    referencia = models.CharField(max_length=60, blank=True)
    stripe_payment_intent_id = models.CharField(max_length=64, blank=True)
    registrado_por = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)
    fecha = models.DateTimeField(default=timezone.now)


class FacturaProveedor(models.Model):
    class Estado(models.TextChoices):
        PENDIENTE = "pendiente", "Pendiente"
        PAGADA = "pagada", "Pagada"

    tenant = models.ForeignKey("personal_admin.Tenant", on_delete=models.CASCADE)
    proveedor = models.ForeignKey("operaciones_inventario.Proveedor", on_delete=models.PROTECT, related_name="facturas")
    numero = models.CharField(max_length=30)
    fecha = models.DateField()
    total = models.DecimalField(max_digits=12, decimal_places=2)
    estado = models.CharField(max_length=10, choices=Estado.choices, default=Estado.PENDIENTE)
    archivo = models.FileField(upload_to=TenantUploadTo("facturas"), blank=True)

    class Meta:
        verbose_name_plural = "facturas de proveedor"
        constraints = [
            models.UniqueConstraint(fields=["tenant", "proveedor", "numero"], name="factura_proveedor_unica")
        ]


class DetalleFacturaProveedor(models.Model):
    factura = models.ForeignKey(FacturaProveedor, on_delete=models.CASCADE, related_name="detalles")
    item = models.ForeignKey("operaciones_inventario.Item", on_delete=models.PROTECT)
    cantidad = models.PositiveIntegerField()
    costo_unitario = models.DecimalField(max_digits=12, decimal_places=2)
