"""Loading one section of a backup: rows -> checked values -> batches stored by the database's writer
(``writes/``: COPY, executemany or ``bulk_create``)."""

from __future__ import annotations

from array import array
from collections import deque
from collections.abc import Callable, Iterator
from typing import Any

from django.db import DataError, IntegrityError, connections, models
from django.utils.translation import gettext_lazy as _

from streaming import Section
from streaming.errors import shorten

from .conf import backup_settings
from .errors import InvalidValue, MissingField, RejectedByDatabase, UnknownField, UnknownSection
from .matching import Matcher
from .references import References
from .registry import BackupPlan, FieldKind, FieldPlan, ModelPlan
from .values import ValueProblem, value_converter
from .writes import writer_for

MAX_ID = 2**63 - 1  # the largest id both databases store (a signed 64-bit integer)


class SectionLoader:
    """Turns the rows of one section into instances built from the plan's allow-list of fields."""

    @staticmethod
    def check_fields(plan: BackupPlan, section: Section) -> ModelPlan:
        """The section's model plan; unknown models and fields are refused, missing required ones too."""
        model_plan = plan.by_label.get(section.model)
        if model_plan is None:
            raise UnknownSection(
                _("The backup has a section for %(section)s, which this system does not know."),
                params={"section": shorten(section.model)},
                line=section.line, section=section.model,
            )
        known = {f.name for f in model_plan.fields}
        if unknown := [name for name in section.fields if name not in known]:
            raise UnknownField(
                _("Section %(section)s has fields that cannot be restored: %(fields)s."),
                params={"section": section.model, "fields": shorten(unknown)},
                line=section.line, section=section.model, field=str(unknown[0]),
            )
        if missing := [f.name for f in model_plan.fields if f.name not in section.fields and _required(f)]:
            raise MissingField(
                _("Section %(section)s lacks required fields: %(fields)s."),
                params={"section": section.model, "fields": ", ".join(missing)},
                line=section.line, section=section.model, field=missing[0],
            )
        return model_plan

    def __init__(self, plan: BackupPlan, section: Section, refs: References, *, merge: bool, using: str) -> None:
        self.plan = self.check_fields(plan, section)
        self.label = section.model
        self.model = self.plan.model
        self.refs = refs
        self.merge = merge
        self.using = using
        self.created = self.matched = self.skipped = self.rows = 0
        self.last_id = 0
        self.id_map = refs.id_maps.get(self.label)
        self._index = {name: i for i, name in enumerate(section.fields)}
        self.deferred = [_Deferred(self, fp) for fp in self.plan.fields if fp.deferred and fp.name in self._index]
        self._pk_name = next(f.name for f in self.plan.fields if f.kind is FieldKind.PK)
        self._pk = self._index[self._pk_name]
        self._positions = {f.attname: i for i, f in enumerate(self.model._meta.concrete_fields)}
        self._columns = self._compile()
        self._template, self._defaults = self._row_template()
        self._batch: list[tuple[int, list[Any], int]] = []
        self._batch_bytes = 0
        self._batch_size = backup_settings.RESTORE_BATCH_SIZE
        self._batch_max_bytes = backup_settings.RESTORE_BATCH_BYTES
        self._matcher: Matcher | None = None
        self._max_before = self._max_pk() if merge else 0
        self._writer = writer_for(self.model, using) if self.plan.restorable else None

    def _max_pk(self) -> int:
        """The tenant's largest id before this section: rows created by this restore get
        larger ids (sequences only grow), so only rows up to it can be matched."""
        rows = self.plan.rows_of(self.refs.tenant).using(self.using).order_by()
        return rows.aggregate(top=models.Max("pk"))["top"] or 0

    def _compile(self) -> list[tuple[int, int, str, Callable[[Any], Any]]]:
        """(position among the model's concrete fields, index in the file row, name, converter)."""
        columns = []
        for fp in self.plan.fields:
            if fp.kind is FieldKind.PK or fp.deferred or fp.name not in self._index:
                continue
            columns.append((self._positions[fp.field.attname], self._index[fp.name], fp.name, self._converter(fp)))
        return columns

    def _row_template(self) -> tuple[list[Any], list[tuple[int, models.Field]]]:
        """Rows are built positionally (Django's fast ``Model(*values)`` path): a template with
        the tenant set and None for the new primary key and deferred FKs, plus the fields the
        file does not carry (omitted secrets, fields newer than the file), which take their default."""
        template: list[Any] = [None] * len(self._positions)
        if self.plan.tenant_field:
            template[self._positions[self.plan.tenant_field]] = self.refs.tenant.pk
        filled = {position for position, *_ in self._columns}
        filled |= {self._positions[a] for a in (self.model._meta.pk.attname, self.plan.tenant_field) if a}
        filled |= {self._positions[d.fp.field.attname] for d in self.deferred}
        defaults = [(i, f) for i, f in enumerate(self.model._meta.concrete_fields) if i not in filled]
        return template, defaults

    def _converter(self, fp: FieldPlan) -> Callable[[Any], Any]:
        if fp.kind is FieldKind.VALUE:
            return value_converter(fp.field)
        if fp.kind is FieldKind.REF:
            return _remapper(self.refs.id_maps[fp.target], fp)
        return self.refs.resolver(self.label, fp)

    def add(self, values: list[Any], line: int, size: int = 0) -> None:
        """Check and convert one row; ``size`` (its bytes in the file) counts toward the batch."""
        self.rows += 1
        old = values[self._pk]
        if type(old) is not int or not self.last_id < old <= MAX_ID:
            raise self._invalid(line, self._pk_name, _not_a_next_id(old))
        self.last_id = old
        if not self.plan.restorable:
            self.skipped += 1
            return
        row = self._template.copy()
        for position, index, name, convert in self._columns:
            try:
                row[position] = convert(values[index])
            except ValueProblem as problem:
                raise self._invalid(line, name, str(problem)) from None
        for position, field in self._defaults:
            row[position] = field.get_default()
        for deferred in self.deferred:
            deferred.read(values, line)
        self._batch.append((old, row, line))
        self._batch_bytes += size
        if len(self._batch) >= self._batch_size or self._batch_bytes >= self._batch_max_bytes:
            self._flush()

    def finish(self) -> None:
        self._flush()

    def passed_over(self, rows: int) -> None:
        """Count the ``rows`` of a section that is not restored, which the reader passed over unread
        (their ids were checked in the first pass, by ``IdOrder``)."""
        self.rows = self.skipped = rows

    def _flush(self) -> None:
        if not self._batch:
            return
        existing = self._match() if self.merge else [None] * len(self._batch)
        new = [row for (_old, row, _line), pk in zip(self._batch, existing) if pk is None]
        created = iter(self._insert(new) if new else ())
        for (old, _row, line), pk in zip(self._batch, existing):
            if pk is None:
                pk = next(created)
                self.created += 1
                for deferred in self.deferred:
                    deferred.keep(pk)
            else:
                self.matched += 1
                for deferred in self.deferred:
                    deferred.drop()
            if self.id_map is not None:
                self.id_map.add(old, pk)
        self._batch.clear()
        self._batch_bytes = 0

    def _insert(self, new: list[list[Any]]) -> list[int]:
        """Store the batch's new rows, answering their ids; a refusal names the section and the batch's lines."""
        try:
            return self._writer.write(new)
        except (IntegrityError, DataError) as exc:
            first, last = self._batch[0][2], self._batch[-1][2]
            raise RejectedByDatabase(
                _(
                    "The database refused a row of %(section)s between lines %(first)s and %(last)s: "
                    "%(detail)s. Nothing was changed."
                ),
                params={"section": self.label, "first": first, "last": last, "detail": shorten(str(exc).strip(), 300)},
                line=first,
                section=self.label,
            ) from exc

    def _match(self) -> list[int | None]:
        """Merge mode: the existing row each batch row matches (``matching.Matcher``). Only rows
        that were there before this section began can match, and each at most once: two
        identical detail lines in the file stay two lines."""
        if self._matcher is None:
            attnames = [self.model._meta.get_field(name).attname for name in self._match_fields()]
            scope = self.plan.rows_of(self.refs.tenant).using(self.using).filter(pk__lte=self._max_before)
            self._matcher = Matcher(scope, attnames, label=self.label, natural_key=self.plan.natural_key)
        positions = [self._positions[a] for a in self._matcher.attnames]
        keys = [tuple(row[p] for p in positions) for _, row, _ in self._batch]
        return self._matcher.match(keys, [line for _, _, line in self._batch])

    def _match_fields(self) -> list[str]:
        if self.plan.natural_key:
            return list(self.plan.natural_key)
        return [
            name for _, _, name, _ in self._columns
            if not isinstance(self.model._meta.get_field(name), (models.JSONField, models.FileField))
        ]

    def _invalid(self, line: int, name: str, problem: str) -> InvalidValue:
        return _invalid_value(self.label, line, name, problem)


class IdOrder:
    """The id check of ``SectionLoader.add`` on its own: the restore's first pass makes it on the rows of
    a section that is not restored, because its second pass does not read them."""

    def __init__(self, plan: BackupPlan, section: Section) -> None:
        self.label = section.model
        self.name = next(f.name for f in plan.by_label[section.model].fields if f.kind is FieldKind.PK)
        self.index = section.fields.index(self.name)
        self.last = 0

    def check(self, values: list[Any], line: int) -> None:
        old = values[self.index]
        if type(old) is not int or not self.last < old <= MAX_ID:
            raise _invalid_value(self.label, line, self.name, _not_a_next_id(old))
        self.last = old


def _not_a_next_id(old: Any) -> str:
    return _("%(value)s is not a row id (1 to %(max)s) greater than the previous row's") % {
        "value": shorten(old),
        "max": MAX_ID,
    }


def _invalid_value(label: str, line: int, name: str, problem: str) -> InvalidValue:
    """``problem``: a clause in the active language (a ``ValueProblem``'s message)."""
    return InvalidValue(
        _("Row at line %(line)s of %(section)s: field %(field)s %(problem)s."),
        params={"line": line, "section": label, "field": shorten(name), "problem": problem},
        line=line,
        section=label,
        field=name,
    )


def _required(fp: FieldPlan) -> bool:
    f = fp.field
    return fp.kind is FieldKind.PK or not (f.null or f.has_default() or f.blank or fp.deferred)


def _remapper(id_map, fp: FieldPlan) -> Callable[[Any], Any]:
    nullable = fp.field.null

    def remap(old: Any) -> int | None:
        if old is None:
            if nullable:
                return None
            raise ValueProblem(_("is empty (null), but this field needs a value"))
        new = id_map.get(old) if type(old) is int else None
        if new is None:
            raise ValueProblem(_("points to %(target)s #%(old)s, which is not in this backup (or comes after this row)"), target=fp.target, old=shorten(old))
        return new

    return remap


class _Deferred:
    """A cycle-breaking FK of one section: inserted as NULL, set once every row exists.

    Kept as three compact arrays (new id, source target id, line) rather than objects. A row
    that matched an existing one (merge) keeps its row but not the link, which must still point
    into the file like any other: ``unchecked`` holds those (source target id, line) to check.
    """

    def __init__(self, loader: SectionLoader, fp: FieldPlan) -> None:
        self.loader = loader
        self.fp = fp
        self.index = loader._index[fp.name]
        self.new = array("q")
        self.old = array("q")
        self.lines = array("q")
        self.unchecked = array("q")  # pairs: source target id, line
        self._pending: deque[tuple[int, int]] = deque()

    def read(self, values: list[Any], line: int) -> None:
        old = values[self.index]
        if old is None:
            if not self.fp.field.null:
                raise self.loader._invalid(line, self.fp.name, str(_("is empty (null), but this field needs a value")))
            self._pending.append((0, line))
        elif type(old) is int and 0 < old <= MAX_ID:
            self._pending.append((old, line))
        else:
            problem = _("%(value)s is not a row id (1 to %(max)s)") % {"value": shorten(old), "max": MAX_ID}
            raise self.loader._invalid(line, self.fp.name, problem)

    def keep(self, new_pk: int) -> None:
        old, line = self._pending.popleft()
        if old:
            self.new.append(new_pk)
            self.old.append(old)
            self.lines.append(line)

    def drop(self) -> None:
        old, line = self._pending.popleft()
        if old:
            self.unchecked.extend((old, line))

    def apply(self, refs: References) -> None:
        """Set the field on every created row that has one, once all targets exist.

        One prepared ``UPDATE`` run with ``executemany`` per batch: ``bulk_update`` would build
        a ``CASE`` expression with one branch per row, which costs far more.
        """
        target = refs.id_maps[self.fp.target]
        for old, line in zip(self.unchecked[::2], self.unchecked[1::2]):
            self._target(target, old, line)
        model, using = self.loader.model, self.loader.using
        connection = connections[using]
        quote = connection.ops.quote_name
        sql = (
            f"UPDATE {quote(model._meta.db_table)} SET {quote(self.fp.field.column)} = %s "
            f"WHERE {quote(model._meta.pk.column)} = %s"
        )
        size = backup_settings.RESTORE_BATCH_SIZE
        with connection.cursor() as cursor:
            for start in range(0, len(self.new), size):
                cursor.executemany(sql, list(self._pairs(target, slice(start, start + size))))

    def _pairs(self, target, part: slice) -> Iterator[tuple[int, int]]:
        for new_pk, old, line in zip(self.new[part], self.old[part], self.lines[part]):
            yield self._target(target, old, line), new_pk

    def _target(self, target, old: int, line: int) -> int:
        target_pk = target.get(old)
        if target_pk is None:
            problem = _("points to %(target)s #%(old)s, which is not in this backup") % {"target": self.fp.target, "old": old}
            raise self.loader._invalid(line, self.fp.name, problem)
        return target_pk
