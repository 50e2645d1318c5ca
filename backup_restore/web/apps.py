from django.apps import AppConfig


class BackupWebConfig(AppConfig):
    name = "backup_restore.web"
    label = "backup_web"
    verbose_name = "Backups page"
