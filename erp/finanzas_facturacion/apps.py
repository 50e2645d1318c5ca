from django.apps import AppConfig


class FinanzasFacturacionConfig(AppConfig):
    name = "erp.finanzas_facturacion"
    label = "finanzas_facturacion"
    verbose_name = "Finanzas y facturación"
