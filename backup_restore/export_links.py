"""Export only the shop's own graph: links to another shop's rows or users leave as empty.

The ERP's foreign keys do not check tenancy, so a row can point to another shop's row (a
``REF``) or user (a ``USER``). A backup must never carry another shop's data, even when the
ERP data is wrong: such a link is written as ``null`` and counted, and the counts become
warnings of the backup's audit entry.

The checks cost no query per row. Users: a dict of the shop's members, ``id -> username``,
read once per export (it replaces the join to the user table). Rows: the sorted ids of each
section other sections point to, in a compact ``array('q')`` (8 bytes an id) filled while
that section is exported (targets come first in the plan's order) or, for the links that
break a cycle, read before the section that needs them; a link is found by bisection.
"""

from __future__ import annotations

import logging
from array import array
from bisect import bisect_left
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, MutableSequence
from typing import Any

from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from .conf import backup_settings
from .registry import BackupPlan, FieldKind, FieldPlan, ModelPlan
from .tenancy import tenant_users
from .values import ValueProblem

logger = logging.getLogger("backup_restore")

Fix = Callable[[Any], Any]


class OutsideLinks:
    """The shop's own users and row ids for one export, and the links left empty so far."""

    def __init__(self, tenant, plan: BackupPlan, using: str) -> None:
        self.tenant = tenant
        self.plan = plan
        self.using = using
        self.left_empty: Counter[str] = Counter()  # "section.field" -> links to another shop
        self._targets = {f.target for m in plan.models for f in m.fields if f.kind is FieldKind.REF}
        self._ids: dict[str, MutableSequence] = {}
        self._users: dict[Any, str] | None = None

    def fix(self, section: str, fp: FieldPlan) -> Fix:
        """Value as read (a user id or a row id, never None) -> value written."""
        key = f"{section}.{fp.name}"
        if fp.kind is FieldKind.USER:
            return self._kept(key, self._shop_users().get, required=not fp.field.null)
        lookup = self._row_check(self._ids_of(self.plan.by_label[fp.target]))
        return self._kept(key, lookup, required=not fp.field.null)

    def recording(self, plan: ModelPlan, rows: Iterable[tuple]) -> Iterable[tuple]:
        """``rows``, noting their ids when another section points to this one."""
        if plan.label not in self._targets or plan.label in self._ids:
            return rows
        ids = self._ids[plan.label] = _id_store(plan)
        return _noting_ids(rows, ids, _pk_index(plan))

    def warnings(self) -> list[str]:
        return [
            ngettext(
                "%(field)s: %(count)s link to another shop left empty",
                "%(field)s: %(count)s links to another shop left empty",
                count,
            )
            % {"field": key, "count": count}
            for key, count in sorted(self.left_empty.items())
        ]

    def log(self) -> None:
        for line in self.warnings():
            logger.warning("backup of %s: %s", self.tenant.slug, line)

    def _kept(self, key: str, lookup: Callable[[Any], Any], *, required: bool) -> Fix:
        """A link outside the shop is left empty and counted; where the field cannot be empty,
        no backup could restore the row, so the export stops (``ValueProblem``)."""
        counter = self.left_empty

        def fix(value: Any) -> Any:
            found = lookup(value)
            if found is None:
                if required:
                    raise ValueProblem(
                        _(
                            "links to a row of another shop; the backup cannot carry that link, and the field "
                            "cannot be left empty"
                        )
                    )
                counter[key] += 1
            return found

        return fix

    def _shop_users(self) -> dict[Any, str]:
        if self._users is None:
            users = tenant_users(self.tenant).using(self.using).order_by()
            self._users = dict(users.values_list("pk", users.model.USERNAME_FIELD))
        return self._users

    def _ids_of(self, target: ModelPlan) -> MutableSequence:
        """The target's ids: noted while it was exported, else (a deferred link) read now."""
        if target.label not in self._ids:
            ids = _id_store(target)
            query = target.rows_of(self.tenant).using(self.using).values_list("pk", flat=True)
            ids.extend(query.iterator(chunk_size=backup_settings.EXPORT_FETCH_SIZE))
            self._ids[target.label] = _sorted(ids)
        return self._ids[target.label]

    @staticmethod
    def _row_check(ids: MutableSequence) -> Callable[[Any], Any]:
        def lookup(value: Any) -> Any:
            i = bisect_left(ids, value)
            return value if i < len(ids) and ids[i] == value else None

        return lookup


def _id_store(plan: ModelPlan) -> MutableSequence:
    """8 bytes an id for integer keys; other keys (UUIDs, texts) in a list, sorted once full."""
    return array("q") if isinstance(plan.model._meta.pk, (models.AutoField, models.IntegerField)) else []


def _sorted(ids: MutableSequence) -> MutableSequence:
    # Rows come in primary-key order: integer ids are already sorted; the database's order of
    # texts may differ from Python's (collations), so those are sorted here.
    if isinstance(ids, list):
        ids.sort()
    return ids


def _pk_index(plan: ModelPlan) -> int:
    return next(i for i, f in enumerate(plan.fields) if f.kind is FieldKind.PK)


def _noting_ids(rows: Iterable[tuple], ids: MutableSequence, index: int) -> Iterator[tuple]:
    append = ids.append
    for row in rows:
        append(row[index])
        yield row
    _sorted(ids)
