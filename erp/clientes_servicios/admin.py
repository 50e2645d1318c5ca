from django.contrib import admin

from .models import Cita, Cliente


@admin.register(Cliente)
class ClienteAdmin(admin.ModelAdmin):
    list_display = ["nombre", "documento", "tipo", "telefono", "tenant"]
    search_fields = ["nombre", "documento"]


@admin.register(Cita)
class CitaAdmin(admin.ModelAdmin):
    list_display = ["cliente", "fecha_hora", "estado", "tenant"]
    list_filter = ["estado"]
    raw_id_fields = ["cliente", "vehiculo"]
