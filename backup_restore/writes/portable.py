"""The portable write path: Django's ``bulk_create``, on any database."""

from __future__ import annotations

from typing import Any

from django.db import models


class BulkCreateWriter:
    def __init__(self, model: type[models.Model], using: str) -> None:
        self.model = model
        self.using = using

    def write(self, rows: list[list[Any]]) -> list[int]:
        new = [self.model(*row) for row in rows]
        self.model._base_manager.using(self.using).bulk_create(new)
        return [instance.pk for instance in new]
