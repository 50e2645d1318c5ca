from django.apps import AppConfig


class DemoConfig(AppConfig):
    """Demo data for the ERP: ``manage.py seed_tenant``. No models of its own; it sits above
    the ERP apps it fills, none of which imports it."""

    name = "erp.demo"
    label = "demo"
    verbose_name = "Datos de demostración"
