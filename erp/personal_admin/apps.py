from django.apps import AppConfig


class PersonalAdminConfig(AppConfig):
    name = "erp.personal_admin"
    label = "personal_admin"
    verbose_name = "Personal y administración"
