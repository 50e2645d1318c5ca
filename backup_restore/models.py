"""The app's own bookkeeping (never exported: ``EXCLUDED_APPS`` lists the app)."""

from django.db import models
from django.utils import timezone


class Attempt(models.Model):
    """A backup or restore request that no shop can be named for (no or bad token, a user of no
    shop). Attempts of a known shop go to that shop's own audit log instead (``audit.py``)."""

    created_at = models.DateTimeField(default=timezone.now, db_index=True)
    action = models.CharField(max_length=20)  # backup | restore
    username = models.CharField(max_length=150, blank=True)
    ip = models.GenericIPAddressField(null=True, blank=True)
    outcome = models.CharField(max_length=20)
    code = models.CharField(max_length=60, blank=True)
    details = models.TextField(blank=True)  # bounded by audit.MAX_DETAILS_CHARS

    def __str__(self) -> str:
        return f"{self.created_at:%Y-%m-%d %H:%M} {self.action} {self.outcome} {self.code}"
