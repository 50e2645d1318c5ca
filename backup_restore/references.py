"""What a restored row may point to outside its own file: users, catalogs and stored files.

None of these is restored. Users are matched by username among the restoring tenant's own
members; catalog rows by natural key; file names are kept only when they lie under the
tenant's storage prefix and the file is there. Anything else becomes empty (or is an error
where the field cannot be empty) and is reported as a warning.
"""

from collections import Counter
from collections.abc import Callable
from typing import Any

from django.core.files.storage import default_storage
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext_lazy

from streaming.errors import shorten

from .idmap import IdMap
from .registry import BackupPlan, FieldKind, FieldPlan, natural_key_index
from .tenancy import tenant_file_prefix, tenant_users
from .values import ValueProblem, value_converter

Resolver = Callable[[Any], Any]

# Why values of a field were left empty or cleared: a warning of the restore's summary each.
_REASONS = {
    "user": ngettext_lazy(
        "%(field)s: %(count)s value named a user who is not a member of this shop: left empty",
        "%(field)s: %(count)s values named users who are not members of this shop: left empty",
        "count",
    ),
    "catalog": ngettext_lazy(
        "%(field)s: %(count)s value named a catalog entry missing here: left empty",
        "%(field)s: %(count)s values named catalog entries missing here: left empty",
        "count",
    ),
    "file": ngettext_lazy(
        "%(field)s: %(count)s value named a file that is not in this shop's storage: cleared",
        "%(field)s: %(count)s values named files that are not in this shop's storage: cleared",
        "count",
    ),
}


class References:
    def __init__(self, tenant, plan: BackupPlan, using: str) -> None:
        self.tenant = tenant
        self.plan = plan
        self.using = using
        self.id_maps: dict[str, IdMap] = {label: IdMap() for label in _ref_targets(plan)}
        self._warnings: Counter[tuple[str, str, str]] = Counter()
        self._users: dict[str, int] | None = None
        self._catalogs: dict[str, dict[tuple, int]] = {}

    def warn(self, section: str, field: str, reason: str) -> None:
        """``reason``: a key of ``_REASONS``."""
        self._warnings[(section, field, reason)] += 1

    def warning_lines(self) -> list[str]:
        """The warnings, in the active language."""
        return [
            _REASONS[reason] % {"field": f"{section}.{field}", "count": count}
            for (section, field, reason), count in self._warnings.items()
        ]

    def resolver(self, section: str, fp: FieldPlan) -> Resolver:
        """A function from the file's value to the database value of an outside reference."""
        match fp.kind:
            case FieldKind.USER:
                return self._nullable(section, fp, self._user, "user")
            case FieldKind.CATALOG:
                return self._nullable(section, fp, self._catalog(fp), "catalog")
            case FieldKind.FILE:
                return self._file(section, fp)
        raise ValueError(f"no resolver for {fp.kind}")

    def _nullable(self, section: str, fp: FieldPlan, lookup: Callable[[Any], Any], reason: str) -> Resolver:
        def resolve(value: Any) -> Any:
            if value is None:
                if fp.field.null:
                    return None
                raise ValueProblem(_("is empty (null), but this field needs a value"))
            found = lookup(value)
            if found is None:
                if not fp.field.null:
                    raise ValueProblem(_("%(value)s does not exist here, and this field needs a value"), value=shorten(value))
                self.warn(section, fp.name, reason)
            return found

        return resolve

    def _user(self, username: Any) -> int | None:
        if type(username) is not str:
            raise ValueProblem(_("%(value)s is not a username"), value=shorten(username))
        if self._users is None:
            self._users = dict(tenant_users(self.tenant).using(self.using).values_list("username", "pk"))
        return self._users.get(username)

    def _catalog(self, fp: FieldPlan) -> Callable[[Any], int | None]:
        """Natural key -> id, from the whole catalog read once: memory is bounded by the
        (global, shared) catalog, never by the file, and a key costs no query."""
        if fp.target not in self._catalogs:
            self._catalogs[fp.target] = natural_key_index(fp.field.related_model, self.using)
        index = self._catalogs[fp.target]

        def lookup(key: Any) -> int | None:
            if type(key) is not list or not all(isinstance(part, (str, int)) for part in key):
                raise ValueProblem(_("%(value)s is not a natural key (a list of texts and numbers)"), value=shorten(key))
            return index.get(tuple(key))

        return lookup

    def _file(self, section: str, fp: FieldPlan) -> Resolver:
        convert = value_converter(fp.field)
        prefix = tenant_file_prefix(self.tenant)

        def resolve(value: Any) -> Any:
            name = convert(value)
            if not name:
                return name
            if name.startswith(prefix) and ".." not in name and default_storage.exists(name):
                return name
            self.warn(section, fp.name, "file")
            return ""

        return resolve


def _ref_targets(plan: BackupPlan) -> set[str]:
    return {f.target for m in plan.models for f in m.fields if f.kind is FieldKind.REF}
