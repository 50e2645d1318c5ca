"""The backup plan, derived from the model graph.

Every concrete model that reaches the tenant model through a chain of non-null foreign keys
is tenant data and gets a section. Global models with a ``natural_key()`` are catalogs,
referenced by natural key; users are referenced by username. Sections are ordered so that
foreign-key targets come first; a cycle (or a self-reference) is broken at a nullable FK,
which restore inserts as NULL and patches once the target rows exist.

A model added to the ERP is covered with no change here. A model that fits none of these
rules is *unclassified*: ``manage.py check`` warns about it and the completeness test fails
until it is linked to the tenant or excluded with a reason in settings.
"""

from __future__ import annotations

import functools
import graphlib
from collections.abc import Iterable
from dataclasses import dataclass, field
from enum import StrEnum

from django.apps import apps
from django.contrib.auth import get_user_model
from django.core.exceptions import ImproperlyConfigured
from django.core.signals import setting_changed
from django.db import models

from .conf import backup_settings


class FieldKind(StrEnum):
    PK = "pk"  # the row's primary key in the source database
    VALUE = "value"  # a plain value (text, number, date, JSON...)
    FILE = "file"  # the stored name of a file (the file itself is not in the backup)
    REF = "ref"  # FK to a row of this backup: the target's source primary key
    CATALOG = "catalog"  # FK to a global catalog row: the target's natural key
    USER = "user"  # FK to a user: the username


@dataclass(frozen=True, slots=True)
class FieldPlan:
    name: str
    field: models.Field
    kind: FieldKind
    target: str | None = None  # model label, for REF and CATALOG
    deferred: bool = False  # REF written as NULL first, patched after (cycles, self-references)

    @property
    def lookup(self) -> str:
        """The ``values_list`` lookup that reads this field for export."""
        if self.kind is FieldKind.USER:
            return f"{self.name}__{get_user_model().USERNAME_FIELD}"
        return self.field.attname


@dataclass(frozen=True, slots=True)
class ModelPlan:
    label: str
    model: type[models.Model]
    fields: tuple[FieldPlan, ...]
    tenant_lookup: str  # ``filter(**{tenant_lookup: tenant})`` selects the tenant's rows
    tenant_field: str | None  # attname of a direct FK to the tenant, forced on restore
    restorable: bool
    natural_key: tuple[str, ...] | None  # merge-mode match, in file field names
    omitted: dict[str, str] = field(default_factory=dict)  # field name -> why it is not exported

    @property
    def field_names(self) -> list[str]:
        return [f.name for f in self.fields]

    def rows_of(self, tenant: models.Model) -> models.QuerySet:
        """The tenant's rows, by primary key. The base manager never hides rows."""
        return self.model._base_manager.filter(**{self.tenant_lookup: tenant}).order_by("pk")


@dataclass(frozen=True)
class BackupPlan:
    tenant_model: type[models.Model]
    models: tuple[ModelPlan, ...]
    catalogs: dict[str, type[models.Model]]
    excluded: dict[str, str]
    unclassified: dict[str, str]

    @functools.cached_property
    def by_label(self) -> dict[str, ModelPlan]:
        return {plan.label: plan for plan in self.models}


def natural_key_index(model, using: str, rows=None) -> dict[tuple, int]:
    """``{natural key: pk}`` of a catalog (or of the given rows of it), FK targets joined in."""
    related = [f.name for f in model._meta.concrete_fields if f.is_relation]
    rows = model._base_manager.using(using) if rows is None else rows
    return {tuple(obj.natural_key()): obj.pk for obj in rows.select_related(*related).iterator(chunk_size=2000)}


@functools.cache
def get_plan() -> BackupPlan:
    """The plan for the installed models (cached; reset when ``BACKUP_RESTORE`` changes)."""
    return build_plan(apps.get_models(include_auto_created=True))


def build_plan(all_models: Iterable[type[models.Model]]) -> BackupPlan:
    tenant_model = apps.get_model(backup_settings.TENANT_MODEL)
    candidates = [m for m in all_models if not m._meta.proxy and m is not tenant_model]
    excluded = {m._meta.label_lower: reason for m in candidates if (reason := _exclusion_reason(m))}
    candidates = [m for m in candidates if m._meta.label_lower not in excluded]
    lookups = _tenant_lookups(candidates, tenant_model)
    catalogs = {
        m._meta.label_lower: m for m in candidates if m not in lookups and hasattr(m, "natural_key")
    }
    unclassified = {
        m._meta.label_lower: "no non-null foreign-key chain to the tenant and no natural_key()"
        for m in candidates
        if m not in lookups and m._meta.label_lower not in catalogs
    }
    scoped = {m._meta.label_lower for m in lookups}
    context = _Context(tenant_model, scoped, unclassified)
    plans = {m._meta.label_lower: _model_plan(m, lookups[m], context) for m in lookups}
    ordered = _order(plans)
    return BackupPlan(tenant_model, tuple(ordered), catalogs, excluded, unclassified)


def _exclusion_reason(model: type[models.Model]) -> str | None:
    label = model._meta.label_lower
    return backup_settings.EXCLUDED_MODELS.get(label) or backup_settings.EXCLUDED_APPS.get(model._meta.app_label)


def _foreign_keys(model: type[models.Model]) -> list[models.ForeignKey]:
    return [f for f in model._meta.concrete_fields if f.is_relation and f.many_to_one or f.one_to_one]


def _tenant_lookups(
    candidates: list[type[models.Model]], tenant_model: type[models.Model]
) -> dict[type[models.Model], str]:
    """Breadth-first from the tenant: the shortest non-null FK path of each model to it."""
    lookups: dict[type[models.Model], str] = {tenant_model: ""}
    frontier = [tenant_model]
    while frontier:
        next_frontier = []
        for model in candidates:
            if model in lookups:
                continue
            for fk in _foreign_keys(model):
                target = fk.related_model
                if not fk.null and target in frontier:
                    parent = lookups[target]
                    lookups[model] = f"{fk.name}__{parent}" if parent else fk.name
                    next_frontier.append(model)
                    break
        frontier = next_frontier
    del lookups[tenant_model]
    return lookups


@dataclass
class _Context:
    tenant_model: type[models.Model]
    scoped: set[str]
    unclassified: dict[str, str]


def _model_plan(model: type[models.Model], tenant_lookup: str, ctx: _Context) -> ModelPlan:
    label = model._meta.label_lower
    fields: list[FieldPlan] = []
    omitted: dict[str, str] = {}
    tenant_field = None
    for f in model._meta.concrete_fields:
        if reason := _omission_reason(label, f):
            omitted[f.name] = reason
        elif f.is_relation and f.related_model is ctx.tenant_model:
            tenant_field = f.attname
            omitted[f.name] = "always the restoring tenant"
        else:
            fields.append(_field_plan(label, model, f, ctx))
    restorable = label not in backup_settings.EXPORT_ONLY_MODELS
    natural_key = _natural_key(model, tenant_field, {p.name for p in fields})
    return ModelPlan(label, model, tuple(fields), tenant_lookup, tenant_field, restorable, natural_key, omitted)


def _omission_reason(label: str, f: models.Field) -> str | None:
    if reason := backup_settings.EXCLUDED_FIELDS.get(f"{label}.{f.name}"):
        return reason
    if any(marker in f.name.lower() for marker in backup_settings.SENSITIVE_FIELD_MARKERS):
        return "sensitive: secrets, tokens and payment ids never leave the database"
    return None


def _field_plan(label: str, model: type[models.Model], f: models.Field, ctx: _Context) -> FieldPlan:
    if f.primary_key:
        if f.is_relation:
            raise ImproperlyConfigured(f"{label}: a foreign key as primary key is not supported")
        return FieldPlan(f.name, f, FieldKind.PK)
    if not f.is_relation:
        kind = FieldKind.FILE if isinstance(f, models.FileField) else FieldKind.VALUE
        return FieldPlan(f.name, f, kind)
    target = f.related_model
    target_label = target._meta.label_lower
    if target is get_user_model():
        return FieldPlan(f.name, f, FieldKind.USER, target_label)
    if target_label in ctx.scoped:
        return FieldPlan(f.name, f, FieldKind.REF, target_label, deferred=target is model)
    if hasattr(target, "natural_key"):
        return FieldPlan(f.name, f, FieldKind.CATALOG, target_label)
    ctx.unclassified[label] = f"field {f.name!r} points to {target_label}, which is neither tenant data nor a catalog"
    return FieldPlan(f.name, f, FieldKind.VALUE)


def _natural_key(model: type[models.Model], tenant_field: str | None, names: set[str]) -> tuple[str, ...] | None:
    """The merge-mode identity of a row: settings, else a unique constraint scoped by tenant."""
    label = model._meta.label_lower
    if label in backup_settings.NATURAL_KEYS:
        return tuple(backup_settings.NATURAL_KEYS[label])
    unique_sets = [tuple(u) for u in model._meta.unique_together]
    unique_sets += [
        tuple(c.fields) for c in model._meta.constraints if isinstance(c, models.UniqueConstraint) and c.fields and c.condition is None
    ]
    tenant_name = tenant_field.removesuffix("_id") if tenant_field else None
    for fields in unique_sets:
        key = tuple(name for name in fields if name != tenant_name)
        scoped_by_tenant = tenant_name in fields or model._meta.auto_created
        if key and scoped_by_tenant and set(key) <= names:
            return key
    return None


def _order(plans: dict[str, ModelPlan]) -> list[ModelPlan]:
    """FK targets first. Each cycle is broken at a nullable FK, which becomes deferred."""
    deferred = {(label, f.name) for label, plan in plans.items() for f in plan.fields if f.deferred}
    while True:
        sorter = graphlib.TopologicalSorter()
        for label, plan in plans.items():
            targets = [f.target for f in plan.fields if f.kind is FieldKind.REF and (label, f.name) not in deferred]
            sorter.add(label, *targets)
        try:
            order = list(sorter.static_order())
            break
        except graphlib.CycleError as error:
            deferred.add(_edge_to_defer(plans, error.args[1]))
    return [_with_deferred(plans[label], deferred) for label in order]


def _edge_to_defer(plans: dict[str, ModelPlan], cycle: list[str]) -> tuple[str, str]:
    # In the cycle each node is an immediate predecessor of the next: the next one points to it.
    for target, label in zip(cycle, cycle[1:]):
        for f in plans[label].fields:
            if f.kind is FieldKind.REF and f.target == target and f.field.null:
                return label, f.name
    raise ImproperlyConfigured(f"cannot break the foreign-key cycle {' -> '.join(cycle)}: no nullable FK in it")


def _with_deferred(plan: ModelPlan, deferred: set[tuple[str, str]]) -> ModelPlan:
    fields = tuple(
        FieldPlan(f.name, f.field, f.kind, f.target, deferred=(plan.label, f.name) in deferred) for f in plan.fields
    )
    return ModelPlan(
        plan.label, plan.model, fields, plan.tenant_lookup, plan.tenant_field, plan.restorable, plan.natural_key, plan.omitted
    )


def _reset_plan(*, setting: str, **kwargs) -> None:
    """The plan follows ``override_settings(BACKUP_RESTORE=...)`` in tests."""
    if setting == "BACKUP_RESTORE":
        get_plan.cache_clear()


setting_changed.connect(_reset_plan)
