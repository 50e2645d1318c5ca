"""Compare backups by content, ignoring source primary keys.

Two backups of the same data taken from different databases (or before and after a
restore) differ in their ids. The canonical form drops each row's id and replaces every
in-file reference by the position of the target row in its section, so equal content gives
equal canonical rows whatever ids the databases handed out.
"""

from collections.abc import Iterator
from typing import Any, BinaryIO

from streaming import Header, Row, Section, iter_records

from .idmap import IdMap


def canonical_rows(fileobj: BinaryIO, *, blank: frozenset[str] = frozenset()) -> Iterator[tuple[str, tuple]]:
    """``(model, row)`` pairs in file order, ids dropped, references as positions.

    ``blank`` names field types (``"user"``, ``"file"``) whose values are set to None, for
    comparing across tenants, where user links and file names do not carry over.
    Reads the (seekable) file twice: first the position of every id, so that references to
    rows further on (cycles, self-references) resolve too.
    """
    positions = _positions(fileobj)
    fileobj.seek(0)
    types: dict[str, dict[str, str]] = {}
    layout = _Layout.empty()
    for event in iter_records(fileobj):
        kind = type(event)
        if kind is Row:
            yield layout.model, layout.canonical(event.values, positions)
        elif kind is Section:
            layout = _Layout.of(event, types.get(event.model, {}), blank)
        elif kind is Header:
            types = _types(event)


class _Layout:
    """Where, in one section's rows, the id, the references and the blanked fields are."""

    def __init__(self, model: str, pk: int, refs: list[tuple[int, str]], blanks: list[int]) -> None:
        self.model, self.pk, self.refs, self.blanks = model, pk, refs, blanks

    @classmethod
    def empty(cls) -> "_Layout":
        return cls("", 0, [], [])

    @classmethod
    def of(cls, section: Section, field_types: dict[str, str], blank: frozenset[str]) -> "_Layout":
        refs = [
            (i, field_types[name].removeprefix("ref:"))
            for i, name in enumerate(section.fields)
            if field_types.get(name, "").startswith("ref:")
        ]
        blanks = [i for i, name in enumerate(section.fields) if field_types.get(name) in blank]
        return cls(section.model, _pk_index(section, field_types), refs, blanks)

    def canonical(self, values: list[Any], positions: dict[str, IdMap]) -> tuple:
        row = list(values)
        for index, target in self.refs:
            if row[index] is not None:
                row[index] = positions.get(target, IdMap()).get(row[index])
        for index in self.blanks:
            row[index] = None
        del row[self.pk]
        return tuple(_hashable(v) for v in row)


def _positions(fileobj: BinaryIO) -> dict[str, IdMap]:
    positions: dict[str, IdMap] = {}
    types: dict[str, dict[str, str]] = {}
    own, pk_index = IdMap(), 0
    for event in iter_records(fileobj):
        kind = type(event)
        if kind is Row:
            own.add(event.values[pk_index], len(own))
        elif kind is Section:
            own = positions.setdefault(event.model, IdMap())
            pk_index = _pk_index(event, types.get(event.model, {}))
        elif kind is Header:
            types = _types(event)
    return positions


def _types(header: Header) -> dict[str, dict[str, str]]:
    return {label: schema["types"] for label, schema in header.data.get("schema", {}).items()}


def _pk_index(section: Section, field_types: dict[str, str]) -> int:
    return next(i for i, name in enumerate(section.fields) if field_types.get(name) == "pk")


def _hashable(value: Any) -> Any:
    if isinstance(value, list):
        return tuple(_hashable(v) for v in value)
    if isinstance(value, dict):
        return tuple(sorted((k, _hashable(v)) for k, v in value.items()))
    return value
