"""Logging set-up: readable lines for people, or one JSON object per line for collectors.

``LOG_FORMAT=text`` (the default) writes ``time LEVEL logger: message``;
``LOG_FORMAT=json`` writes each record as one JSON object on one line, with the keys
``time`` (ISO 8601, UTC), ``level``, ``logger``, ``message`` and, when the record carries
one, ``exception`` (the formatted traceback), so that a multi-line traceback never splits
into lines a collector would take for separate records.
"""

from __future__ import annotations

import json
import logging
import sys
from datetime import UTC, datetime
from typing import TextIO

__all__ = ["TEXT_FORMAT", "JsonFormatter", "setup_logging"]

TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"
_HANDLER_NAME = "botdesk"


class JsonFormatter(logging.Formatter):
    """Formats a record as one line of JSON (non-ASCII text kept as it is)."""

    def format(self, record: logging.LogRecord) -> str:
        """The record as a JSON object on a single line."""
        entry: dict[str, str] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        elif record.exc_text:
            entry["exception"] = record.exc_text
        if record.stack_info:
            entry["stack"] = self.formatStack(record.stack_info)
        return json.dumps(entry, ensure_ascii=False)


def setup_logging(level: str | int, log_format: str = "text", stream: TextIO | None = None) -> None:
    """Send every record at ``level`` or above to ``stream`` (stderr) in ``log_format``.

    Replaces the handler an earlier call installed, so calling it twice (tests, a second
    command in one process) does not print each record twice; handlers installed by
    others (a test runner's capture) are left alone.
    """
    handler = logging.StreamHandler(stream or sys.stderr)
    handler.set_name(_HANDLER_NAME)
    if log_format == "json":
        handler.setFormatter(JsonFormatter())
    else:
        handler.setFormatter(logging.Formatter(TEXT_FORMAT))
    root = logging.getLogger()
    for old in root.handlers[:]:
        if old.get_name() == _HANDLER_NAME:
            root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel(level)
