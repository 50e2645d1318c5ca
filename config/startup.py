"""Checks a server makes before it answers its first request."""

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from backup_restore.checks import PUBLISHED_KEYS


def require_secret_key() -> None:
    """Refuse to start without a private ``SECRET_KEY``: anyone who knows the key can forge
    a JWT for any shop's owner and download that shop's backup."""
    try:
        key = settings.SECRET_KEY
    except ImproperlyConfigured:
        key = ""
    if not key or key in PUBLISHED_KEYS:
        raise ImproperlyConfigured(
            "SECRET_KEY is not set (or is a key published in the source code). Set the SECRET_KEY "
            "environment variable to a long random value, e.g. the output of "
            "`python3 -c 'import secrets; print(secrets.token_urlsafe(50))'`, and keep it private. "
            "Only a DEBUG run (`make run`) makes a throwaway key by itself."
        )
