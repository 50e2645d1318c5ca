from django.apps import AppConfig


class JobsConfig(AppConfig):
    name = "backup_restore.jobs"
    label = "backup_jobs"
    verbose_name = "Backup & restore jobs"
    default_auto_field = "django.db.models.BigAutoField"
