"""The one exception hierarchy for backup problems.

``BackupError`` is the reusable base: a stable machine ``code``, a ``message`` a shop owner can read, and
where it happened (``line``, ``section``).  ``BackupFormatError`` covers everything wrong with a backup
file; its codes are listed in ``ErrorCode``.  The Django app subclasses ``BackupError`` for its own codes
and maps codes to HTTP statuses.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Any


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
        message: str,
        *,
        code: str | None = None,
        line: int | None = None,
        section: str | None = None,
    ) -> None:
        super().__init__(message)
        if code is not None:
            self.code = code
        self.message = message
        self.line = line
        self.section = section

    def to_dict(self) -> dict[str, Any]:
        """The ``error`` object of an API response."""
        return {"code": str(self.code), "message": self.message, "line": self.line, "section": self.section}

    def __str__(self) -> str:
        return f"{self.code}: {self.message}"

    def __repr__(self) -> str:
        return (
            f"{type(self).__name__}(code={self.code!r}, message={self.message!r}, "
            f"line={self.line!r}, section={self.section!r})"
        )


class BackupFormatError(BackupError):
    """The file is not a valid, complete, untampered backup; ``code`` is an ``ErrorCode``."""

    code: str = ErrorCode.BAD_FRAMING

    def __init__(
        self,
        code: ErrorCode,
        message: str,
        *,
        line: int | None = None,
        section: str | None = None,
    ) -> None:
        super().__init__(message, code=ErrorCode(code), line=line, section=section)


def not_a_backup(line: int | None = None) -> BackupFormatError:
    """The one message for a file that is something else altogether (an image, a PDF, other JSON)."""
    return BackupFormatError(ErrorCode.NOT_A_BACKUP, "This file is not a backup made by this application.", line=line)
