"""``manage.py check`` warns about models the backup plan cannot place."""

from django.core.checks import Warning, register

from .registry import get_plan


@register()
def unclassified_models(app_configs, **kwargs) -> list[Warning]:
    return [
        Warning(
            f"{label} is not covered by tenant backups: {reason}.",
            hint="Give it a non-null foreign key chain to the tenant, a natural_key(), "
            "or list it in BACKUP_RESTORE['EXCLUDED_MODELS'] with the reason.",
            id="backup_restore.W001",
        )
        for label, reason in get_plan().unclassified.items()
    ]
