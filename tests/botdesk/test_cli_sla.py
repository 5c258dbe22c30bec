"""A mistake in botdesk.toml's [sla] stops every command with exit 2 and one paragraph."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.botdesk.test_cli import botdesk

BAD_SLA = '[sla]\nwarn_before = "20%"\n[sla.normal]\nfirst_response = "4 hours"\n'


@pytest.mark.parametrize("command", ["check", "migrate", "run"])
def test_a_malformed_duration_exits_2_naming_the_key(tmp_path: Path, command: str) -> None:
    (tmp_path / "botdesk.toml").write_text(BAD_SLA, encoding="utf-8")
    result = botdesk(command, cwd=tmp_path)
    assert result.returncode == 2, result.stdout + result.stderr
    assert result.stderr.startswith(
        "Configuration error: sla.normal.first_response in botdesk.toml is '4 hours', "
        "which is not a duration"
    )
    assert 'first_response = "4h"' in result.stderr
    assert "Traceback" not in result.stderr


def test_an_unknown_priority_exits_2(tmp_path: Path) -> None:
    (tmp_path / "botdesk.toml").write_text('[sla.critical]\nresolution = "1h"\n', "utf-8")
    result = botdesk("migrate", cwd=tmp_path)
    assert result.returncode == 2
    assert "sla.critical in botdesk.toml is not a priority. Use urgent, high, normal, low" in (
        result.stderr
    )
    assert "Traceback" not in result.stderr


def test_a_good_sla_table_lets_migrate_run(tmp_path: Path) -> None:
    (tmp_path / "botdesk.toml").write_text(
        '[sla]\nwarn_before = "10s"\n[sla.normal]\nfirst_response = "20s"\n', "utf-8"
    )
    result = botdesk("migrate", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
