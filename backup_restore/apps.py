from django.apps import AppConfig


class BackupRestoreConfig(AppConfig):
    name = "backup_restore"
    verbose_name = "Backup & restore"

    def ready(self) -> None:
        from . import checks  # noqa: F401  (registers the system check)
