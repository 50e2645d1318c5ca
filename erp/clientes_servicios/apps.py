from django.apps import AppConfig


class ClientesServiciosConfig(AppConfig):
    name = "erp.clientes_servicios"
    label = "clientes_servicios"
    verbose_name = "Clientes y servicios"
