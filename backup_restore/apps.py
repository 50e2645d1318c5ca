from django.apps import AppConfig


class BackupRestoreConfig(AppConfig):
    name = "backup_restore"
    verbose_name = "Backup & restore"
