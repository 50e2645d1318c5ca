from django.apps import AppConfig


class ServiciosIAConfig(AppConfig):
    name = "erp.servicios_IA"
    label = "servicios_IA"
    verbose_name = "Servicios de IA"
