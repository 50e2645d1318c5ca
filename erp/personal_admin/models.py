import uuid

from django.conf import settings
from django.db import models
from django.utils import timezone

from .storage import TenantUploadTo


class Tenant(models.Model):
    """A shop (taller). Its ``uuid`` identifies it across databases and backups."""

    class Plan(models.TextChoices):
        FREE = "free", "Gratis"
        PRO = "pro", "Profesional"
        ENTERPRISE = "enterprise", "Empresa"

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    name = models.CharField("nombre", max_length=150)
    slug = models.SlugField(max_length=60, unique=True)
    tax_id = models.CharField("NIT", max_length=20, blank=True)
    address = models.CharField("dirección", max_length=255, blank=True)
    phone = models.CharField("teléfono", max_length=30, blank=True)
    email = models.EmailField(blank=True)
    plan = models.CharField(max_length=20, choices=Plan.choices, default=Plan.FREE)
    stripe_customer_id = models.CharField(max_length=64, blank=True)
    stripe_subscription_id = models.CharField(max_length=64, blank=True)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="owned_tenants"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class UserProfile(models.Model):
    """A user's membership of exactly one tenant, with a role."""

    class Role(models.TextChoices):
        OWNER = "owner", "Propietario"
        ADMIN = "admin", "Administrador"
        EMPLOYEE = "employee", "Empleado"

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="profile")
    tenant = models.ForeignKey(Tenant, on_delete=models.CASCADE, related_name="memberships")
    role = models.CharField(max_length=20, choices=Role.choices, default=Role.EMPLOYEE)

    def __str__(self) -> str:
        return f"{self.user} @ {self.tenant} ({self.role})"


class Cargo(models.Model):
    tenant = models.ForeignKey(Tenant, on_delete=models.CASCADE)
    nombre = models.CharField(max_length=80)
    descripcion = models.TextField(blank=True)
    sueldo_base = models.DecimalField(max_digits=10, decimal_places=2, default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["tenant", "nombre"], name="cargo_unico_por_taller")]

    def __str__(self) -> str:
        return self.nombre


class Empleado(models.Model):
    tenant = models.ForeignKey(Tenant, on_delete=models.CASCADE)
    cargo = models.ForeignKey(Cargo, on_delete=models.PROTECT)
    usuario = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)
    jefe = models.ForeignKey("self", null=True, blank=True, on_delete=models.SET_NULL, related_name="subordinados")
    ci = models.CharField("carnet de identidad", max_length=20)
    nombre = models.CharField(max_length=80)
    apellido = models.CharField(max_length=80)
    telefono = models.CharField(max_length=30, blank=True)
    direccion = models.CharField(max_length=255, blank=True)
    fecha_ingreso = models.DateField()
    sueldo = models.DecimalField(max_digits=10, decimal_places=2)
    foto = models.ImageField(upload_to=TenantUploadTo("empleados"), blank=True)
    activo = models.BooleanField(default=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["tenant", "ci"], name="empleado_ci_unico_por_taller")]

    def __str__(self) -> str:
        return f"{self.nombre} {self.apellido}"


class Bitacora(models.Model):
    """Audit log. By far the largest table of a shop."""

    class Accion(models.TextChoices):
        CREAR = "crear", "Crear"
        EDITAR = "editar", "Editar"
        ELIMINAR = "eliminar", "Eliminar"
        CONSULTAR = "consultar", "Consultar"
        LOGIN = "login", "Inicio de sesión"
        LOGOUT = "logout", "Cierre de sesión"
        BACKUP = "backup", "Copia de seguridad"
        RESTORE = "restore", "Restauración"

    tenant = models.ForeignKey(Tenant, on_delete=models.CASCADE)
    usuario = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)
    accion = models.CharField(max_length=20, choices=Accion.choices)
    modulo = models.CharField(max_length=60)
    descripcion = models.TextField(blank=True)
    ip = models.GenericIPAddressField(null=True, blank=True)
    fecha = models.DateTimeField(default=timezone.now)

    class Meta:
        indexes = [models.Index(fields=["tenant", "fecha"], name="bitacora_tenant_fecha")]

    def __str__(self) -> str:
        return f"{self.fecha:%Y-%m-%d %H:%M} {self.accion} {self.modulo}"
