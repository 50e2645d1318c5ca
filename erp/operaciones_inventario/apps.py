from django.apps import AppConfig


class OperacionesInventarioConfig(AppConfig):
    name = "erp.operaciones_inventario"
    label = "operaciones_inventario"
    verbose_name = "Operaciones e inventario"
