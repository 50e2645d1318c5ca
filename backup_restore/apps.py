from django.apps import AppConfig


class BackupRestoreConfig(AppConfig):
    name = "backup_restore"
    verbose_name = "Backup & restore"

    def ready(self) -> None:
        from streaming.errors import set_translation

        from . import checks  # noqa: F401  (registers the system check)
        from .errors import translate

        # streaming knows no Django: its messages are translated through Django's catalogs.
        set_translation(translate)
