import uuid

from django.conf import settings
from django.db import models
from django.utils import timezone

from erp.personal_admin.storage import TenantUploadTo


class MarcaManager(models.Manager):
    def get_by_natural_key(self, nombre):
        return self.get(nombre=nombre)


class Marca(models.Model):
    """Global catalog shared by every tenant."""

    nombre = models.CharField(max_length=60, unique=True)
    objects = MarcaManager()

    def natural_key(self):
        return (self.nombre,)

    def __str__(self) -> str:
        return self.nombre


class ModeloManager(models.Manager):
    def get_by_natural_key(self, marca, nombre):
        return self.get(marca__nombre=marca, nombre=nombre)


class Modelo(models.Model):
    """Global catalog shared by every tenant."""

    marca = models.ForeignKey(Marca, on_delete=models.PROTECT, related_name="modelos")
    nombre = models.CharField(max_length=60)
    objects = ModeloManager()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["marca", "nombre"], name="modelo_unico_por_marca")]

    def natural_key(self):
        return (self.marca.nombre, self.nombre)

    natural_key.dependencies = ["operaciones_inventario.marca"]

    def __str__(self) -> str:
        return f"{self.marca} {self.nombre}"


class Vehiculo(models.Model):
    tenant = models.ForeignKey("personal_admin.Tenant", on_delete=models.CASCADE)
    cliente = models.ForeignKey("clientes_servicios.Cliente", on_delete=models.CASCADE, related_name="vehiculos")
    modelo = models.ForeignKey(Modelo, null=True, blank=True, on_delete=models.PROTECT)
    placa = models.CharField(max_length=10)
    anio = models.PositiveSmallIntegerField("año", null=True, blank=True)
    color = models.CharField(max_length=30, blank=True)
    vin = models.CharField("VIN", max_length=17, blank=True)
    kilometraje = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["tenant", "placa"], name="vehiculo_placa_unica_por_taller")]

    def __str__(self) -> str:
        return self.placa


class Area(models.Model):
    tenant = models.ForeignKey("personal_admin.Tenant", on_delete=models.CASCADE)
    nombre = models.CharField(max_length=60)
    descripcion = models.TextField(blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["tenant", "nombre"], name="area_unica_por_taller")]

    def __str__(self) -> str:
        return self.nombre


class Proveedor(models.Model):
    tenant = models.ForeignKey("personal_admin.Tenant", on_delete=models.CASCADE)
    nit = models.CharField("NIT", max_length=20)
    nombre = models.CharField(max_length=150)
    contacto = models.CharField(max_length=100, blank=True)
    telefono = models.CharField(max_length=30, blank=True)
    email = models.EmailField(blank=True)

    class Meta:
        verbose_name_plural = "proveedores"
        constraints = [models.UniqueConstraint(fields=["tenant", "nit"], name="proveedor_nit_unico_por_taller")]

    def __str__(self) -> str:
        return self.nombre


class Item(models.Model):
    class Tipo(models.TextChoices):
        REPUESTO = "repuesto", "Repuesto"
        INSUMO = "insumo", "Insumo"
        SERVICIO = "servicio", "Servicio"

    tenant = models.ForeignKey("personal_admin.Tenant", on_delete=models.CASCADE)
    area = models.ForeignKey(Area, null=True, blank=True, on_delete=models.SET_NULL)
    codigo = models.CharField(max_length=30)
    nombre = models.CharField(max_length=150)
    tipo = models.CharField(max_length=10, choices=Tipo.choices, default=Tipo.REPUESTO)
    stock = models.IntegerField(default=0)
    stock_minimo = models.IntegerField(default=0)
    precio_compra = models.DecimalField(max_digits=12, decimal_places=2, default=0)
    precio_venta = models.DecimalField(max_digits=12, decimal_places=2, default=0)
    proveedores = models.ManyToManyField(Proveedor, blank=True, related_name="items")

    class Meta:
        constraints = [models.UniqueConstraint(fields=["tenant", "codigo"], name="item_codigo_unico_por_taller")]

    def __str__(self) -> str:
        return f"{self.codigo} {self.nombre}"


class Presupuesto(models.Model):
    class Estado(models.TextChoices):
        BORRADOR = "borrador", "Borrador"
        ENVIADO = "enviado", "Enviado"
        APROBADO = "aprobado", "Aprobado"
        RECHAZADO = "rechazado", "Rechazado"

    tenant = models.ForeignKey("personal_admin.Tenant", on_delete=models.CASCADE)
    numero = models.PositiveIntegerField()
    vehiculo = models.ForeignKey(Vehiculo, on_delete=models.CASCADE, related_name="presupuestos")
    # The budget that became an order points at it; the order points back at its budget.
    orden_trabajo = models.ForeignKey(
        "OrdenTrabajo", null=True, blank=True, on_delete=models.SET_NULL, related_name="presupuestos_derivados"
    )
    fecha = models.DateField(default=timezone.localdate)
    validez_dias = models.PositiveSmallIntegerField(default=15)
    estado = models.CharField(max_length=10, choices=Estado.choices, default=Estado.BORRADOR)
    total = models.DecimalField(max_digits=12, decimal_places=2, default=0)
    observaciones = models.TextField(blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["tenant", "numero"], name="presupuesto_numero_unico")]

    def __str__(self) -> str:
        return f"Presupuesto {self.numero}"


class DetallePresupuesto(models.Model):
    presupuesto = models.ForeignKey(Presupuesto, on_delete=models.CASCADE, related_name="detalles")
    item = models.ForeignKey(Item, null=True, blank=True, on_delete=models.PROTECT)
    descripcion = models.CharField(max_length=255)
    cantidad = models.DecimalField(max_digits=10, decimal_places=2, default=1)
    precio_unitario = models.DecimalField(max_digits=12, decimal_places=2)
    descuento = models.DecimalField(max_digits=5, decimal_places=2, default=0)


class OrdenTrabajo(models.Model):
    class Estado(models.TextChoices):
        RECIBIDA = "recibida", "Recibida"
        EN_PROCESO = "en_proceso", "En proceso"
        TERMINADA = "terminada", "Terminada"
        ENTREGADA = "entregada", "Entregada"
        CANCELADA = "cancelada", "Cancelada"

    tenant = models.ForeignKey("personal_admin.Tenant", on_delete=models.CASCADE)
    numero = models.PositiveIntegerField()
    codigo_seguimiento = models.UUIDField(default=uuid.uuid4, editable=False)
    vehiculo = models.ForeignKey(Vehiculo, on_delete=models.PROTECT, related_name="ordenes")
    presupuesto = models.ForeignKey(
        Presupuesto, null=True, blank=True, on_delete=models.SET_NULL, related_name="ordenes"
    )
    mecanicos = models.ManyToManyField("personal_admin.Empleado", blank=True, related_name="ordenes")
    fecha_ingreso = models.DateTimeField(default=timezone.now)
    fecha_salida = models.DateTimeField(null=True, blank=True)
    estado = models.CharField(max_length=12, choices=Estado.choices, default=Estado.RECIBIDA)
    kilometraje = models.PositiveIntegerField(default=0)
    descripcion = models.TextField(blank=True)
    total = models.DecimalField(max_digits=12, decimal_places=2, default=0)

    class Meta:
        verbose_name = "orden de trabajo"
        verbose_name_plural = "órdenes de trabajo"
        constraints = [models.UniqueConstraint(fields=["tenant", "numero"], name="orden_numero_unico")]

    def __str__(self) -> str:
        return f"OT {self.numero}"


class DetalleOrden(models.Model):
    orden = models.ForeignKey(OrdenTrabajo, on_delete=models.CASCADE, related_name="detalles")
    item = models.ForeignKey(Item, null=True, blank=True, on_delete=models.PROTECT)
    descripcion = models.CharField(max_length=255)
    cantidad = models.DecimalField(max_digits=10, decimal_places=2, default=1)
    precio_unitario = models.DecimalField(max_digits=12, decimal_places=2)


class NotaOrden(models.Model):
    orden = models.ForeignKey(OrdenTrabajo, on_delete=models.CASCADE, related_name="notas")
    autor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)
    texto = models.TextField()
    fecha = models.DateTimeField(default=timezone.now)


class TareaOrden(models.Model):
    orden = models.ForeignKey(OrdenTrabajo, on_delete=models.CASCADE, related_name="tareas")
    empleado = models.ForeignKey("personal_admin.Empleado", null=True, blank=True, on_delete=models.SET_NULL)
    descripcion = models.CharField(max_length=255)
    completada = models.BooleanField(default=False)
    fecha_completada = models.DateTimeField(null=True, blank=True)


class ImagenOrden(models.Model):
    orden = models.ForeignKey(OrdenTrabajo, on_delete=models.CASCADE, related_name="imagenes")
    imagen = models.ImageField(upload_to=TenantUploadTo("ordenes", tenant_path="orden.tenant"))
    descripcion = models.CharField(max_length=255, blank=True)
    fecha = models.DateTimeField(default=timezone.now)


class InspeccionOrden(models.Model):
    class Tipo(models.TextChoices):
        INGRESO = "ingreso", "Ingreso"
        SALIDA = "salida", "Salida"

    orden = models.ForeignKey(OrdenTrabajo, on_delete=models.CASCADE, related_name="inspecciones")
    tipo = models.CharField(max_length=10, choices=Tipo.choices)
    nivel_combustible = models.PositiveSmallIntegerField(default=50)
    checklist = models.JSONField(default=dict, blank=True)
    observaciones = models.TextField(blank=True)
    fecha = models.DateTimeField(default=timezone.now)


class PruebaRuta(models.Model):
    class Resultado(models.TextChoices):
        APROBADA = "aprobada", "Aprobada"
        OBSERVADA = "observada", "Con observaciones"
        RECHAZADA = "rechazada", "Rechazada"

    orden = models.ForeignKey(OrdenTrabajo, on_delete=models.CASCADE, related_name="pruebas_ruta")
    empleado = models.ForeignKey("personal_admin.Empleado", null=True, blank=True, on_delete=models.SET_NULL)
    kilometraje_inicio = models.PositiveIntegerField()
    kilometraje_fin = models.PositiveIntegerField()
    fecha = models.DateTimeField(default=timezone.now)
    resultado = models.CharField(max_length=10, choices=Resultado.choices)
    observaciones = models.TextField(blank=True)
