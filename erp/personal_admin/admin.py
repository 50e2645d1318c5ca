from django.contrib import admin

from .models import Bitacora, Cargo, Empleado, Tenant, UserProfile


@admin.register(Tenant)
class TenantAdmin(admin.ModelAdmin):
    list_display = ["name", "slug", "plan", "owner", "created_at"]
    search_fields = ["name", "slug", "tax_id"]
    readonly_fields = ["uuid"]


@admin.register(UserProfile)
class UserProfileAdmin(admin.ModelAdmin):
    list_display = ["user", "tenant", "role"]
    list_filter = ["role"]
    list_select_related = ["user", "tenant"]


@admin.register(Cargo)
class CargoAdmin(admin.ModelAdmin):
    list_display = ["nombre", "tenant", "sueldo_base"]


@admin.register(Empleado)
class EmpleadoAdmin(admin.ModelAdmin):
    list_display = ["nombre", "apellido", "ci", "cargo", "tenant", "activo"]
    search_fields = ["nombre", "apellido", "ci"]
    list_select_related = ["cargo", "tenant"]
    raw_id_fields = ["jefe", "usuario"]


@admin.register(Bitacora)
class BitacoraAdmin(admin.ModelAdmin):
    list_display = ["fecha", "tenant", "usuario", "accion", "modulo"]
    list_filter = ["accion"]
    list_select_related = ["tenant", "usuario"]
    raw_id_fields = ["usuario"]
    show_full_result_count = False
