from django.contrib import admin

from .models import LecturaPlaca, Reporte


@admin.register(LecturaPlaca)
class LecturaPlacaAdmin(admin.ModelAdmin):
    list_display = ["texto_reconocido", "confianza", "vehiculo", "fecha", "tenant"]
    raw_id_fields = ["vehiculo", "usuario"]


@admin.register(Reporte)
class ReporteAdmin(admin.ModelAdmin):
    list_display = ["tipo", "formato", "fecha", "tenant"]
