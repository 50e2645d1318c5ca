"""Log lines of a bounded size, whatever the request, the file or the database said."""

import logging
import traceback

MAX_LINE_CHARS = 2500
"""An audit line is at most 2,000 characters of details after the action, shop and user."""
MAX_TRACEBACK_CHARS = 4000


class Bounded(logging.Filter):
    """Cuts a record's message and its traceback (the database's error text may quote values)."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        if len(message) > MAX_LINE_CHARS:
            record.msg, record.args = message[: MAX_LINE_CHARS - 1] + "…", ()
        if record.exc_info and not record.exc_text:
            text = "".join(traceback.format_exception(*record.exc_info)).rstrip("\n")
            record.exc_text = text if len(text) <= MAX_TRACEBACK_CHARS else "…" + text[-(MAX_TRACEBACK_CHARS - 1) :]
        return True
