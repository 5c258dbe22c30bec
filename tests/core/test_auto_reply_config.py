"""[acknowledgement] and [off_hours] in botdesk.toml: on by default, mistakes named by key."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from core.auto_reply_settings import AutoReply, auto_replies_from_settings
from core.config import ConfigError, Settings, load_settings

ROOT = Path(__file__).resolve().parents[2]
SETTING_VARS = [name.upper() for name in Settings.model_fields] + ["BOTDESK_CONFIG"]


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """Each test starts in an empty folder with none of botdesk's variables set."""
    for name in SETTING_VARS:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.chdir(tmp_path)


def write(text: str) -> None:
    Path("botdesk.toml").write_text(text, encoding="utf-8")


def test_both_replies_are_on_by_default_with_the_built_in_texts() -> None:
    settings = load_settings()
    replies = auto_replies_from_settings(settings.acknowledgement, settings.off_hours)
    assert replies.acknowledgement == AutoReply(enabled=True)
    assert replies.off_hours == AutoReply(enabled=True)


def test_tables_are_read_with_their_texts_per_language() -> None:
    write(
        "[acknowledgement]\n"
        "enabled = false\n"
        "[acknowledgement.text]\n"
        'ru = "Ваше обращение {ticket}; ответим: {due}. Скобки: {{}}"\n'
        "[off_hours]\n"
        "[off_hours.text]\n"
        'en = "Closed; back {opening}."\n'
    )
    settings = load_settings()
    replies = auto_replies_from_settings(settings.acknowledgement, settings.off_hours)
    assert not replies.acknowledgement.enabled
    assert replies.acknowledgement.override("ru") == (
        "Ваше обращение {ticket}; ответим: {due}. Скобки: {{}}"
    )
    assert replies.acknowledgement.override("en") is None
    assert replies.off_hours.enabled
    assert replies.off_hours.override("en") == "Closed; back {opening}."


@pytest.mark.parametrize(
    ("toml", "named", "fix"),
    [
        (
            '[acknowledgement.text]\nen = "Ticket {number}"',
            "acknowledgement.text.en has the unknown placeholder {number}; use {ticket}, {due}",
            "[acknowledgement.text]",
        ),
        (
            '[off_hours.text]\nen = "Back {due}"',
            "off_hours.text.en has the unknown placeholder {due}; use {opening}",
            'en = "We are offline now and back {opening}."',
        ),
        (
            '[acknowledgement.text]\nde = "Danke {ticket}"',
            "acknowledgement.text.de is a language botdesk has no translation for; use en or ru",
            "[acknowledgement.text]",
        ),
        (
            '[off_hours.text]\nen = "Back {opening"',
            "off_hours.text.en has a brace that opens or closes nothing",
            "[off_hours.text]",
        ),
        (
            '[off_hours.text]\nen = "Back {opening:>10}"',
            "off_hours.text.en has a placeholder {opening...} with more than a name",
            "[off_hours.text]",
        ),
        (
            '[off_hours.text]\nru = "  "',
            "off_hours.text.ru is empty; leave the language out",
            "[off_hours.text]",
        ),
        (
            "[off_hours.text]\nen = 42",
            "off_hours.text.en is not text; write the message in quotes",
            "[off_hours.text]",
        ),
        (
            '[acknowledgement]\nenabled = "yes"',
            "acknowledgement.enabled is neither true nor false",
            "enabled = true or enabled = false under [acknowledgement]",
        ),
        (
            "[off_hours]\nenable = false",
            "unknown key 'off_hours.enable'",
            "the [off_hours] keys are: enabled, text",
        ),
        (
            '[acknowledgement]\ntext = "Thanks"',
            "acknowledgement.text is not a table of texts per language",
            "[acknowledgement.text]",
        ),
        ('off_hours = "no"', "off_hours is not valid", "[off_hours] table"),
    ],
)
def test_a_mistake_names_the_key_and_the_fix(toml: str, named: str, fix: str) -> None:
    write(toml + "\n")
    with pytest.raises(ConfigError) as caught:
        load_settings()
    text = str(caught.value)
    assert named in text, text
    assert fix in text and "make demo" in text, text
    assert "\n" not in text  # one paragraph


def test_botdesk_stops_with_exit_2_on_a_bad_text(tmp_path: Path) -> None:
    write('[acknowledgement.text]\nen = "Your ticket {tiket}"\n')
    env = {"PATH": "/usr/bin:/bin", "PYTHONPATH": str(ROOT), "HOME": str(tmp_path)}
    result = subprocess.run(
        [sys.executable, "-m", "botdesk", "migrate"],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        stdin=subprocess.DEVNULL,
    )
    assert result.returncode == 2
    assert "acknowledgement.text.en has the unknown placeholder {tiket}" in result.stderr
