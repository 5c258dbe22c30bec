"""LOG_FORMAT: readable lines by default, one JSON object per line for log collectors."""

from __future__ import annotations

import io
import json
import logging
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from botdesk.logs import setup_logging
from core.config import ConfigError, load_settings


@pytest.fixture
def restored_root() -> Iterator[None]:
    """Leave the root logger as the test found it."""
    root = logging.getLogger()
    handlers, level = root.handlers[:], root.level
    yield
    root.handlers[:] = handlers
    root.setLevel(level)


def test_json_lines_carry_time_level_logger_message_and_the_exception(
    restored_root: None,
) -> None:
    out = io.StringIO()
    setup_logging("INFO", "json", stream=out)
    log = logging.getLogger("botdesk.test")
    log.debug("not at INFO")
    log.info('customer "Алиса" wrote:\nline two')
    try:
        int("abc")
    except ValueError:
        log.exception("handling update %d failed", 7)

    lines = out.getvalue().splitlines()
    assert len(lines) == 2  # a multi-line message or traceback stays on its line
    first, second = (json.loads(line) for line in lines)
    assert first["level"] == "INFO" and first["logger"] == "botdesk.test"
    assert first["message"] == 'customer "Алиса" wrote:\nline two'
    assert first["time"].endswith("+00:00") and "T" in first["time"]
    assert "exception" not in first
    assert second["level"] == "ERROR" and second["message"] == "handling update 7 failed"
    assert second["exception"].startswith("Traceback (most recent call last):")
    assert "ValueError: invalid literal for int()" in second["exception"]


def test_text_is_the_default_and_a_second_set_up_replaces_the_first(restored_root: None) -> None:
    first, second = io.StringIO(), io.StringIO()
    setup_logging("INFO", stream=first)
    setup_logging("WARNING", "text", stream=second)
    logging.getLogger("botdesk.test").warning("outbox paused")
    assert first.getvalue() == ""
    assert second.getvalue().rstrip().endswith(" WARNING botdesk.test: outbox paused")


def test_an_unknown_log_format_is_refused_with_the_fix(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)  # no .env or botdesk.toml of the working tree
    assert load_settings(log_format="JSON").log_format == "json"
    with pytest.raises(ConfigError) as refused:
        load_settings(log_format="xml")
    assert "LOG_FORMAT is 'xml', which is neither text nor json" in str(refused.value)


def test_the_command_line_logs_json_lines_with_log_format_json(tmp_path: Path) -> None:
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("BOT_", "DATABASE_", "LOG_", "REDIS_", "VK_"))
    }
    env |= {
        "LOG_FORMAT": "json",
        "LOG_LEVEL": "DEBUG",  # the database layer logs every statement at DEBUG
        "DATABASE_URL": f"sqlite://{tmp_path / 'desk.sqlite3'}",
    }
    done = subprocess.run(
        [sys.executable, "-m", "botdesk", "migrate"],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    lines = done.stderr.splitlines()
    assert lines, "nothing was logged"
    records = [json.loads(line) for line in lines]  # every line is one JSON object
    assert all({"time", "level", "logger", "message"} <= set(record) for record in records)
    assert any(record["level"] == "DEBUG" for record in records)
