"""``manage.py check``: models the backup plan cannot place; a published SECRET_KEY."""

from django.conf import settings
from django.core.checks import Error, Tags, Warning, register
from django.core.exceptions import ImproperlyConfigured

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


# Keys that were ever written in this repository: whoever read it can sign tokens with them.
PUBLISHED_KEYS = frozenset({"insecure-local-development-key-change-me-in-production"})


@register(Tags.security)
def published_secret_key(app_configs, **kwargs) -> list[Error]:
    try:
        if settings.SECRET_KEY not in PUBLISHED_KEYS:
            return []
    except ImproperlyConfigured:  # no key at all: Django and the server start-up refuse it
        return []
    return [
        Error(
            "SECRET_KEY is a key published in this project's source code: anyone can forge tokens with it.",
            hint="Set the SECRET_KEY environment variable to a long random private value.",
            id="backup_restore.E001",
        )
    ]
