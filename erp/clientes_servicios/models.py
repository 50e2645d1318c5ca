from django.db import models
from django.utils import timezone


class Cliente(models.Model):
    class Tipo(models.TextChoices):
        PERSONA = "persona", "Persona"
        EMPRESA = "empresa", "Empresa"

    tenant = models.ForeignKey("personal_admin.Tenant", on_delete=models.CASCADE)
    documento = models.CharField("CI / NIT", max_length=20)
    tipo = models.CharField(max_length=10, choices=Tipo.choices, default=Tipo.PERSONA)
    nombre = models.CharField(max_length=150)
    email = models.EmailField(blank=True)
    telefono = models.CharField(max_length=30, blank=True)
    direccion = models.CharField(max_length=255, blank=True)
    creado = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["tenant", "documento"], name="cliente_documento_unico")]

    def __str__(self) -> str:
        return self.nombre


class Cita(models.Model):
    class Estado(models.TextChoices):
        PENDIENTE = "pendiente", "Pendiente"
        CONFIRMADA = "confirmada", "Confirmada"
        CANCELADA = "cancelada", "Cancelada"
        COMPLETADA = "completada", "Completada"

    tenant = models.ForeignKey("personal_admin.Tenant", on_delete=models.CASCADE)
    cliente = models.ForeignKey(Cliente, on_delete=models.CASCADE, related_name="citas")
    vehiculo = models.ForeignKey(
        "operaciones_inventario.Vehiculo", null=True, blank=True, on_delete=models.SET_NULL, related_name="citas"
    )
    fecha_hora = models.DateTimeField()
    duracion_minutos = models.PositiveSmallIntegerField(default=60)
    estado = models.CharField(max_length=12, choices=Estado.choices, default=Estado.PENDIENTE)
    motivo = models.TextField(blank=True)

    def __str__(self) -> str:
        return f"{self.cliente} {self.fecha_hora:%Y-%m-%d %H:%M}"
