"""Checks the sequence of records as it streams past and turns it into typed events.

Order enforced: one header; then sections, each ``section`` / rows / ``section_end`` with the row
count it announced; then one ``end`` record whose totals and digest match what came before; then
nothing (the record sources refuse blank NDJSON lines; a JSON document may end in whitespace).
The ``End`` event is only yielded once all of that has been checked, so a consumer that commits on
``End`` never commits a bad file.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from .errors import BackupFormatError, ErrorCode, bad_framing, gettext_noop, not_a_backup, shorten
from .events import End, Event, Header, Row, Section, SectionEnd
from .format import (
    FORMAT_NAME,
    KIND_END,
    KIND_HEADER,
    KIND_SECTION,
    KIND_SECTION_END,
    SUPPORTED_VERSIONS,
)

_NO_SECTION = -1
"""Row width while no section is open: no row has it, so one length test catches both mistakes."""


Record = tuple[int, Any, int]
"""``(line, value, size)``: a record's number, its parsed value, the length of its canonical NDJSON line."""


@dataclass(frozen=True, slots=True)
class SkippedRows:
    """Stands for ``rows`` row records a source passed over unparsed, after ``skip_rows()`` asked it to."""

    rows: int


def frame_records(
    records: Iterable[Record],
    digest_before: Callable[[int], str],
    *,
    skip: Callable[[Section], bool] | None = None,
    skip_rows: Callable[[], None] | None = None,
) -> Iterator[Event]:
    """Validate records into events; ``digest_before(line)`` is the digest of the lines before ``line``.

    A section for which ``skip(section)`` is true yields its ``Section`` and ``SectionEnd`` but no ``Row``:
    ``skip_rows()`` then tells the source it may pass its rows over (it answers with a ``SkippedRows``
    record, counted like that many rows), or the rows still arrive and are checked, counted and dropped.
    """
    stream = iter(records)
    first = _first_record(stream)
    yield parse_header(first[1], first[0])
    state = _Sections()
    line = first[0]
    width, count = state.width, 0  # the row loop keeps these two in locals: it runs once per row
    skipping = False
    for line, value, size in stream:
        if type(value) is list:
            if len(value) != width:
                state.reject_row(value, line)
            count += 1
            if not skipping:
                yield Row(value, line, size)
            continue
        if type(value) is SkippedRows:
            count += value.rows
            continue
        state.count = count
        if type(value) is dict and value.get("kind") == KIND_END:
            end = state.check_end(value, line, digest_before(line))
            _expect_nothing_after(stream)
            yield end
            return
        event = state.control(value, line)
        width, count = state.width, state.count
        if type(event) is Section:
            skipping = skip is not None and skip(event)
            if skipping and skip_rows is not None:
                skip_rows()
        yield event
    raise _truncated(line + 1, state.open_model)


def _first_record(stream: Iterator[Record]) -> Record:
    """The first record; a text file whose first record is not even JSON is simply not a backup."""
    try:
        first = next(stream, None)
    except BackupFormatError as exc:
        if exc.code == ErrorCode.INVALID_JSON and exc.line in (None, 1):
            raise not_a_backup(exc.line) from exc
        raise
    if first is None:
        raise not_a_backup()
    return first


def parse_header(value: Any, line: int) -> Header:
    """Check the header record: our format, a version this release can read."""
    if type(value) is not dict or value.get("kind") != KIND_HEADER:
        raise not_a_backup(line)
    if value.get("format") != FORMAT_NAME:
        raise BackupFormatError(
            ErrorCode.WRONG_FORMAT,
            gettext_noop("This file is a %(format)s file, not a tenant backup of this application."),
            params={"format": shorten(value.get("format"))},
            line=line,
        )
    version = value.get("version")
    if type(version) is not int:
        raise BackupFormatError(
            ErrorCode.WRONG_FORMAT, gettext_noop("The backup header has no valid format version."), line=line
        )
    if version not in SUPPORTED_VERSIONS:
        raise _unsupported(version, line)
    return Header(value, line)


class _Sections:
    """State of the body: the open section, the sections seen, the row totals."""

    def __init__(self) -> None:
        self.open_model: str | None = None
        self.width = _NO_SECTION
        self.count = 0
        self.seen: set[str] = set()
        self.total = 0

    def reject_row(self, values: list[Any], line: int) -> None:
        """Raise for a row whose length does not match the open section (or that has no section)."""
        if self.open_model is None:
            raise bad_framing(gettext_noop("a data row appears outside any section"), line)
        raise BackupFormatError(
            ErrorCode.ROW_ARITY,
            gettext_noop("Line %(line)s has %(values)s values but section %(section)s has %(fields)s fields."),
            params={"line": line, "values": len(values), "section": shorten(self.open_model), "fields": self.width},
            line=line,
            section=self.open_model,
        )

    def control(self, value: Any, line: int) -> Event:
        kind = value.get("kind") if type(value) is dict else None
        if kind == KIND_SECTION:
            return self._open(value, line)
        if kind == KIND_SECTION_END:
            return self._close(value, line)
        if kind == KIND_HEADER:
            raise bad_framing(gettext_noop("a second backup header appears"), line, self.open_model)
        raise bad_framing(gettext_noop("a record of unknown kind appears"), line, self.open_model)

    def check_end(self, value: dict[str, Any], line: int, digest: str) -> End:
        if self.open_model is not None:
            raise bad_framing(
                gettext_noop("the end record comes before section %(model)s was closed"),
                line,
                self.open_model,
                model=shorten(self.open_model),
            )
        sections, rows, sha256 = value.get("sections"), value.get("rows"), value.get("sha256")
        if type(sections) is not int or type(rows) is not int or type(sha256) is not str:
            raise bad_framing(gettext_noop("the end record is malformed"), line)
        if sections != len(self.seen) or rows != self.total:
            raise BackupFormatError(
                ErrorCode.COUNT_MISMATCH,
                gettext_noop(
                    "The end record announces %(sections)s sections and %(rows)s rows, "
                    "but the file holds %(held_sections)s sections and %(held_rows)s rows."
                ),
                params={"sections": sections, "rows": rows, "held_sections": len(self.seen), "held_rows": self.total},
                line=line,
            )
        if sha256 != digest:
            raise BackupFormatError(
                ErrorCode.DIGEST_MISMATCH,
                gettext_noop("The backup was changed or damaged after it was made: its checksum does not match."),
                line=line,
            )
        return End(sections, rows, sha256, line)

    def _open(self, value: dict[str, Any], line: int) -> Section:
        model, fields = value.get("model"), value.get("fields")
        if self.open_model is not None:
            raise bad_framing(
                gettext_noop("section %(model)s starts before section %(open)s was closed"),
                line,
                self.open_model,
                model=shorten(model),
                open=shorten(self.open_model),
            )
        if not _is_name(model) or type(fields) is not list or not all(map(_is_name, fields)):
            raise bad_framing(gettext_noop("a section record is malformed"), line)
        if len(set(fields)) != len(fields):
            raise bad_framing(gettext_noop("section %(model)s lists a field twice"), line, model, model=shorten(model))
        if model in self.seen:
            raise BackupFormatError(
                ErrorCode.DUPLICATE_SECTION,
                gettext_noop("Section %(section)s appears twice."),
                params={"section": shorten(model)},
                line=line,
                section=model,
            )
        self.seen.add(model)
        self.open_model, self.width, self.count = model, len(fields), 0
        return Section(model, fields, line)

    def _close(self, value: dict[str, Any], line: int) -> SectionEnd:
        model, rows = value.get("model"), value.get("rows")
        if self.open_model is None or model != self.open_model:
            raise bad_framing(
                gettext_noop("the end of section %(model)s does not match the open section"),
                line,
                self.open_model,
                model=shorten(model),
            )
        if type(rows) is not int:
            raise bad_framing(
                gettext_noop("the end of section %(model)s is malformed"), line, model, model=shorten(model)
            )
        if rows != self.count:
            raise BackupFormatError(
                ErrorCode.COUNT_MISMATCH,
                gettext_noop("Section %(section)s announces %(rows)s rows but holds %(held)s."),
                params={"section": shorten(model), "rows": rows, "held": self.count},
                line=line,
                section=model,
            )
        self.total += rows
        self.open_model, self.width = None, _NO_SECTION
        return SectionEnd(model, rows, line)


def _expect_nothing_after(stream: Iterator[Record]) -> None:
    for line, _, _ in stream:
        raise bad_framing(gettext_noop("data follows the end record"), line)


def _is_name(value: Any) -> bool:
    return type(value) is str and value != ""


def _truncated(line: int, section: str | None) -> BackupFormatError:
    return BackupFormatError(
        ErrorCode.TRUNCATED,
        gettext_noop(
            "The backup is incomplete: it ends without its end record. "
            "It was probably cut off while downloading; download it again."
        ),
        line=line,
        section=section,
    )


def _unsupported(version: int, line: int) -> BackupFormatError:
    readable = ", ".join(map(str, sorted(SUPPORTED_VERSIONS)))
    if version > max(SUPPORTED_VERSIONS):
        message = gettext_noop(
            "This backup was made by a newer release of the application (format version %(version)s); "
            "this release reads format version %(readable)s. Update the application, then restore again."
        )
    else:
        message = gettext_noop(
            "This backup uses format version %(version)s, which this release cannot read (it reads %(readable)s)."
        )
    params = {"version": shorten(version), "readable": readable}
    return BackupFormatError(ErrorCode.UNSUPPORTED_VERSION, message, params=params, line=line)
