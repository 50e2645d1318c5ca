from django.contrib import admin

from .models import DetalleFacturaProveedor, FacturaProveedor, Pago


@admin.register(Pago)
class PagoAdmin(admin.ModelAdmin):
    list_display = ["orden", "monto", "metodo", "estado", "fecha"]
    list_filter = ["metodo", "estado"]
    raw_id_fields = ["orden", "registrado_por"]


class DetalleFacturaInline(admin.TabularInline):
    model = DetalleFacturaProveedor
    raw_id_fields = ["item"]
    extra = 0


@admin.register(FacturaProveedor)
class FacturaProveedorAdmin(admin.ModelAdmin):
    list_display = ["numero", "proveedor", "fecha", "total", "estado", "tenant"]
    inlines = [DetalleFacturaInline]
