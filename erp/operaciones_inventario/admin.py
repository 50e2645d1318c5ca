from django.contrib import admin

from . import models


@admin.register(models.Marca)
class MarcaAdmin(admin.ModelAdmin):
    search_fields = ["nombre"]


@admin.register(models.Modelo)
class ModeloAdmin(admin.ModelAdmin):
    list_display = ["nombre", "marca"]
    search_fields = ["nombre", "marca__nombre"]


@admin.register(models.Vehiculo)
class VehiculoAdmin(admin.ModelAdmin):
    list_display = ["placa", "modelo", "anio", "cliente", "tenant"]
    search_fields = ["placa", "vin"]
    raw_id_fields = ["cliente", "modelo"]


@admin.register(models.Item)
class ItemAdmin(admin.ModelAdmin):
    list_display = ["codigo", "nombre", "tipo", "stock", "precio_venta", "tenant"]
    search_fields = ["codigo", "nombre"]


@admin.register(models.Proveedor)
class ProveedorAdmin(admin.ModelAdmin):
    list_display = ["nombre", "nit", "tenant"]


@admin.register(models.Area)
class AreaAdmin(admin.ModelAdmin):
    list_display = ["nombre", "tenant"]


class DetallePresupuestoInline(admin.TabularInline):
    model = models.DetallePresupuesto
    raw_id_fields = ["item"]
    extra = 0


@admin.register(models.Presupuesto)
class PresupuestoAdmin(admin.ModelAdmin):
    list_display = ["numero", "vehiculo", "estado", "total", "tenant"]
    raw_id_fields = ["vehiculo", "orden_trabajo"]
    inlines = [DetallePresupuestoInline]


class DetalleOrdenInline(admin.TabularInline):
    model = models.DetalleOrden
    raw_id_fields = ["item"]
    extra = 0


class TareaOrdenInline(admin.TabularInline):
    model = models.TareaOrden
    raw_id_fields = ["empleado"]
    extra = 0


@admin.register(models.OrdenTrabajo)
class OrdenTrabajoAdmin(admin.ModelAdmin):
    list_display = ["numero", "vehiculo", "estado", "fecha_ingreso", "total", "tenant"]
    list_filter = ["estado"]
    raw_id_fields = ["vehiculo", "presupuesto", "mecanicos"]
    inlines = [DetalleOrdenInline, TareaOrdenInline]
