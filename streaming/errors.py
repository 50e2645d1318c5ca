"""The one exception hierarchy for backup problems.

``BackupError`` is the reusable base: a stable machine ``code``, a ``message`` a shop owner can read, and
where it happened (``line``, ``section``, ``field``).  ``BackupFormatError`` covers everything wrong with
a backup file; its codes are listed in ``ErrorCode``.  The Django app subclasses ``BackupError`` for its
own codes and maps codes to HTTP statuses.  ``UnrestorableRow`` is the writer's refusal of a row no
reader would accept.

A message quotes the file only through ``shorten``, and the constructor caps every string again, so
no error carries an unbounded string from a hostile file into a log line or an API response.

Messages are English templates with named ``%(name)s`` placeholders and their ``params``, as Django's
``ValidationError`` takes them: the template is translated first, then formatted. This package knows no
Django and translates nothing itself; the application that shows the messages installs its translation
with ``set_translation`` (``backup_restore`` installs Django's gettext), and ``gettext_noop`` marks the
templates here for the catalog (``makemessages`` extracts them).
"""

from __future__ import annotations

import reprlib
from collections.abc import Callable, Mapping
from enum import StrEnum
from typing import Any

MAX_MESSAGE = 1000
MAX_NAME = 200
"""Longest ``message`` and ``section`` / ``field`` an error keeps (defence in depth, see ``shorten``)."""
ELLIPSIS = "…"


_REPR = reprlib.Repr(maxlevel=3, maxlist=8, maxdict=8, maxstring=MAX_NAME, maxlong=60, maxother=MAX_NAME)


def shorten(value: Any, limit: int = MAX_NAME) -> str:
    """``repr(value)``, cut to ``limit`` characters ending with "…" when longer: how messages quote
    input. Built without a full copy of a large value (``reprlib`` for containers and numbers)."""
    text = repr(value[: limit + 1]) if isinstance(value, str) else _REPR.repr(value)
    return _cut(text, limit)


def gettext_noop(message: str) -> str:
    """Marks ``message`` for the translation catalog; returns it untranslated."""
    return message


def _untranslated(message: str) -> str:
    return message


_translate: Callable[[Any], str] = _untranslated


def set_translation(translate: Callable[[Any], str] | None) -> None:
    """Install the function every message template goes through before it is formatted
    (``None``: messages stay in English). Errors are translated when they are made."""
    global _translate
    _translate = translate or _untranslated


class Clause:
    """A message part kept as its template and params, so that it is translated with the message
    it goes into (and again, in another language, when a stored error is shown later)."""

    __slots__ = ("template", "params")

    def __init__(self, template: Any, params: Mapping[str, Any] | None = None) -> None:
        self.template = template
        self.params = dict(params or {})

    def __str__(self) -> str:
        return render(self.template, self.params)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Clause) and (self.template, self.params) == (other.template, other.params)

    def __repr__(self) -> str:
        return f"Clause({self.template!r}, {self.params!r})"


def render(template: Any, params: Mapping[str, Any] | None = None) -> str:
    """``template`` translated, then formatted with ``params`` (none: used as it is); a ``Clause``
    among the params is rendered first, in the same language."""
    text = _translate(template)
    if not params:
        return str(text)
    return text % {name: str(value) if isinstance(value, Clause) else value for name, value in params.items()}


def _cut(text: str | None, limit: int) -> str | None:
    if text is None or len(text) <= limit:
        return text
    return text[: limit - 1] + ELLIPSIS


class ErrorCode(StrEnum):
    """Stable codes of ``BackupFormatError``; safe to show to API clients and to match on."""

    EMPTY_FILE = "empty_file"
    NOT_A_BACKUP = "not_a_backup"
    CORRUPT = "corrupt"
    INVALID_UTF8 = "invalid_utf8"
    INVALID_JSON = "invalid_json"
    LINE_TOO_LONG = "line_too_long"
    NESTING_TOO_DEEP = "nesting_too_deep"
    NUMBER_TOO_LONG = "number_too_long"
    TOO_LARGE = "too_large"
    TOO_MANY_VALUES = "too_many_values"
    TRUNCATED = "truncated"
    DIGEST_MISMATCH = "digest_mismatch"
    COUNT_MISMATCH = "count_mismatch"
    UNSUPPORTED_VERSION = "unsupported_version"
    WRONG_FORMAT = "wrong_format"
    BAD_FRAMING = "bad_framing"
    ROW_ARITY = "row_arity"
    DUPLICATE_SECTION = "duplicate_section"


class BackupError(Exception):
    """Base of every error this project reports to a user about a backup or a restore."""

    code: str = "backup_error"

    def __init__(
        self,
        message: Any,
        *,
        params: Mapping[str, Any] | None = None,
        code: str | None = None,
        line: int | None = None,
        section: str | None = None,
        field: str | None = None,
    ) -> None:
        self.template = message
        self.params = dict(params or {})
        message = _cut(render(message, params), MAX_MESSAGE)
        super().__init__(message)
        if code is not None:
            self.code = code
        self.message = message
        self.line = line
        self.section = _cut(section, MAX_NAME)
        self.field = _cut(field, MAX_NAME)

    def to_dict(self) -> dict[str, Any]:
        """The ``error`` object of an API response."""
        return {
            "code": str(self.code),
            "message": self.message,
            "line": self.line,
            "section": self.section,
            "field": self.field,
        }

    def __str__(self) -> str:
        return f"{self.code}: {self.message}"

    def __repr__(self) -> str:
        return (
            f"{type(self).__name__}(code={self.code!r}, message={self.message!r}, "
            f"line={self.line!r}, section={self.section!r}, field={self.field!r})"
        )


class BackupFormatError(BackupError):
    """The file is not a valid, complete, untampered backup; ``code`` is an ``ErrorCode``."""

    code: str = ErrorCode.BAD_FRAMING

    def __init__(
        self,
        code: ErrorCode,
        message: str,
        *,
        params: Mapping[str, Any] | None = None,
        line: int | None = None,
        section: str | None = None,
        field: str | None = None,
    ) -> None:
        super().__init__(message, params=params, code=ErrorCode(code), line=line, section=section, field=field)


def not_a_backup(line: int | None = None) -> BackupFormatError:
    """The one message for a file that is something else altogether (an image, a PDF, other JSON)."""
    return BackupFormatError(
        ErrorCode.NOT_A_BACKUP, gettext_noop("This file is not a backup made by this application."), line=line
    )


def bad_framing(problem: str, line: int, section: str | None = None, **params: Any) -> BackupFormatError:
    """Records out of order or malformed; ``problem`` is a clause (a template marked with ``gettext_noop``,
    formatted with ``params``), quoting input only through ``shorten``."""
    return BackupFormatError(
        ErrorCode.BAD_FRAMING,
        gettext_noop("The backup is malformed: %(problem)s (line %(line)s)."),
        params={"problem": Clause(problem, params), "line": line},
        line=line,
        section=section,
    )


def line_too_long(line: int, limit: int) -> BackupFormatError:
    return BackupFormatError(
        ErrorCode.LINE_TOO_LONG,
        gettext_noop("Line %(line)s is longer than the %(limit)s bytes allowed for one record."),
        params={"line": line, "limit": limit},
        line=line,
    )


def too_many_values(line: int, limit: int) -> BackupFormatError:
    return BackupFormatError(
        ErrorCode.TOO_MANY_VALUES,
        gettext_noop(
            "Line %(line)s holds more than the %(limit)s values (counted as commas and brackets) allowed for one record."
        ),
        params={"line": line, "limit": limit},
        line=line,
    )


def nesting_too_deep(line: int, limit: int) -> BackupFormatError:
    return BackupFormatError(
        ErrorCode.NESTING_TOO_DEEP,
        gettext_noop("Line %(line)s nests values more than %(limit)s levels deep."),
        params={"line": line, "limit": limit},
        line=line,
    )


def number_too_long(line: int) -> BackupFormatError:
    return BackupFormatError(
        ErrorCode.NUMBER_TOO_LONG,
        gettext_noop(
            "Line %(line)s holds a number too long or too large to read (more digits than allowed, or beyond 64 bits)."
        ),
        params={"line": line},
        line=line,
    )


def not_utf8(line: int) -> BackupFormatError:
    return BackupFormatError(
        ErrorCode.INVALID_UTF8, gettext_noop("Line %(line)s is not valid UTF-8 text."), params={"line": line}, line=line
    )


def not_json(line: int) -> BackupFormatError:
    return BackupFormatError(
        ErrorCode.INVALID_JSON, gettext_noop("Line %(line)s is not valid JSON."), params={"line": line}, line=line
    )


def cut_off(line: int) -> BackupFormatError:
    """A JSON-lines file that stops inside a record."""
    return BackupFormatError(
        ErrorCode.TRUNCATED,
        gettext_noop(
            "The backup is incomplete: it stops in the middle of line %(line)s. "
            "It was probably cut off while downloading; download it again."
        ),
        params={"line": line},
        line=line,
    )


class UnrestorableRow(BackupError):
    """The writer met a row no reader would accept (over ``max_line_bytes`` or ``max_line_items``).

    ``section`` is the model, ``field`` the field responsible, ``values_id`` the row's first value (its id).
    """

    code = "unrestorable_row"

    def __init__(
        self, message: str, *, section: str, field: str, values_id: Any, params: Mapping[str, Any] | None = None
    ) -> None:
        super().__init__(message, params=params, section=section, field=field)
        self.values_id = values_id
