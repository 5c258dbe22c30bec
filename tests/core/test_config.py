"""Configuration: defaults need no services, and every mistake is explained by name."""

from __future__ import annotations

from pathlib import Path

import pytest

from core.config import ConfigError, Settings, isolated_settings, load_settings

TOKEN = "123456789:AAEhBOweik6ad9r_QXMENQjcrGbqCr4K-ra"
SETTING_VARS = [name.upper() for name in Settings.model_fields] + ["BOTDESK_CONFIG"]


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """Each test starts in an empty folder with none of botdesk's variables set."""
    for name in SETTING_VARS:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.chdir(tmp_path)


def test_defaults_need_no_services() -> None:
    settings = load_settings()
    assert settings.database_url == "sqlite://data/botdesk.sqlite3"
    assert settings.redis_url is None
    assert settings.bot_token is None


def test_environment_beats_toml_file(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    (tmp_path / "botdesk.toml").write_text(
        'company_name = "From file"\ntimezone = "Europe/Moscow"\n', encoding="utf-8"
    )
    monkeypatch.setenv("COMPANY_NAME", "From env")
    settings = load_settings()
    assert settings.company_name == "From env"
    assert settings.timezone == "Europe/Moscow"


def test_operator_language_follows_the_default_unless_set(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("DEFAULT_LANGUAGE", "ru")
    assert load_settings().operator_language == "ru"
    monkeypatch.setenv("OPERATOR_LANGUAGE", "en")
    settings = load_settings()
    assert (settings.default_language, settings.operator_language) == ("ru", "en")
    # `OPERATOR_LANGUAGE=` copied from .env.example means "not set", like every setting
    monkeypatch.setenv("OPERATOR_LANGUAGE", "")
    assert load_settings().operator_language == "ru"
    # only OPERATOR_LANGUAGE may be empty
    Path("botdesk.toml").write_text('default_language = ""\n', encoding="utf-8")
    monkeypatch.delenv("DEFAULT_LANGUAGE")
    with pytest.raises(ConfigError, match="DEFAULT_LANGUAGE is '', which has no translation"):
        load_settings()


def test_admin_ids_accept_a_comma_separated_list(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ADMIN_IDS", "111, 222,333")
    assert load_settings().admin_ids == [111, 222, 333]


@pytest.mark.parametrize(
    ("variable", "value", "expected"),
    [
        ("DATABASE_URL", "mysql://localhost/db", "DATABASE_URL uses mysql scheme"),
        ("DATABASE_URL", "postgres://localhost", "DATABASE_URL needs a host and a database"),
        ("DATABASE_URL", "sqlite://", "DATABASE_URL has no file path"),
        ("BOT_TOKEN", "not-a-token", "BOT_TOKEN does not look like a bot token"),
        ("OPERATOR_GROUP_ID", "12345", "OPERATOR_GROUP_ID must be a negative supergroup id"),
        ("OPERATOR_GROUP_ID", "abc", "OPERATOR_GROUP_ID is not valid: input should be"),
        ("TIMEZONE", "Mars/Olympus", "TIMEZONE is 'Mars/Olympus', which is not a known"),
        ("DEFAULT_LANGUAGE", "de", "DEFAULT_LANGUAGE is 'de', which has no translation"),
        ("REDIS_URL", "http://x", "REDIS_URL must start with redis://"),
        ("OPERATOR_LANGUAGE", "fr", "OPERATOR_LANGUAGE is 'fr', which has no translation"),
        ("COMPANY_NAME", "A" * 65, "COMPANY_NAME is not valid: string should have at most 64"),
        ("COMPANY_NAME", "Acme\nLtd", "COMPANY_NAME has a line break"),
    ],
)
def test_malformed_values_name_the_variable_and_the_fix(
    monkeypatch: pytest.MonkeyPatch, variable: str, value: str, expected: str
) -> None:
    monkeypatch.setenv(variable, value)
    with pytest.raises(ConfigError) as caught:
        load_settings()
    text = str(caught.value)
    assert expected in text
    assert "make demo" in text
    assert "\n" not in text  # one paragraph


def test_unknown_toml_key_is_named(tmp_path: Path) -> None:
    (tmp_path / "botdesk.toml").write_text('bot_tokn = "x"\n', encoding="utf-8")
    with pytest.raises(ConfigError, match=r"unknown key 'bot_tokn'.*bot_token"):
        load_settings()


def test_broken_toml_syntax_is_explained(tmp_path: Path) -> None:
    (tmp_path / "botdesk.toml").write_text("company_name = \n", encoding="utf-8")
    with pytest.raises(ConfigError, match=r"botdesk.toml is not valid TOML"):
        load_settings()


def test_named_config_file_must_exist(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BOTDESK_CONFIG", "/nowhere/botdesk.toml")
    with pytest.raises(ConfigError, match=r"BOTDESK_CONFIG names /nowhere/botdesk\.toml"):
        load_settings()


def test_require_names_what_is_missing(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BOT_TOKEN", TOKEN)
    settings = load_settings()
    with pytest.raises(ConfigError, match="OPERATOR_GROUP_ID is not set, and botdesk run"):
        settings.require("bot_token", "operator_group_id", purpose="botdesk run")


def test_dotenv_file_is_read_and_beats_toml(tmp_path: Path) -> None:
    (tmp_path / ".env").write_text("COMPANY_NAME=Acme\n", encoding="utf-8")
    (tmp_path / "botdesk.toml").write_text('company_name = "Toml"\n', encoding="utf-8")
    assert load_settings().company_name == "Acme"


def test_empty_values_copied_from_the_example_mean_unset(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    (tmp_path / ".env").write_text("BOT_TOKEN=\nOPERATOR_GROUP_ID=\nADMIN_IDS=\n")
    settings = load_settings()
    assert settings.bot_token is None and settings.operator_group_id is None
    with pytest.raises(ConfigError, match="BOT_TOKEN is not set"):
        settings.require("bot_token", purpose="botdesk run")


def test_isolated_settings_ignore_environment_and_files(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("REDIS_URL", "redis://elsewhere:6379/0")
    (tmp_path / "botdesk.toml").write_text('company_name = "From file"\n', encoding="utf-8")
    settings = isolated_settings(company_name="Acme")
    assert settings.redis_url is None
    assert settings.company_name == "Acme"


VK_TOKEN = "vk1.a.sandbox-token-0123456789abcdef"


@pytest.mark.parametrize(
    ("env", "named", "fix"),
    [
        (
            {"VK_TOKEN": VK_TOKEN},
            "VK_GROUP_ID is not set, and the VK channel needs it",
            "vk.com/club",
        ),
        ({"VK_TOKEN": VK_TOKEN, "VK_GROUP_ID": "-5"}, "VK_GROUP_ID must be", "positive id"),
        ({"VK_GROUP_ID": "5"}, "VK_TOKEN is not set, but VK_GROUP_ID is", "Access tokens"),
        ({"VK_TOKEN": "short"}, "VK_TOKEN does not look like", "Access tokens"),
        (
            {"VK_TOKEN": VK_TOKEN, "VK_GROUP_ID": "5", "VK_CALLBACK_SECRET": "s3cret"},
            "VK_CONFIRMATION is not set, and the VK Callback API needs both",
            "confirmation string",
        ),
        ({"COLLISION_MODE": "block"}, "COLLISION_MODE is 'block'", "hold"),
        ({"REOPEN_WINDOW_HOURS": "-1"}, "REOPEN_WINDOW_HOURS", "number of hours"),
    ],
)
def test_vk_and_workflow_settings_name_the_variable_and_the_fix(
    monkeypatch: pytest.MonkeyPatch, env: dict[str, str], named: str, fix: str
) -> None:
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    with pytest.raises(ConfigError) as caught:
        load_settings()
    assert named in str(caught.value) and fix in str(caught.value)


def test_vk_is_optional_and_complete_vk_settings_load(monkeypatch: pytest.MonkeyPatch) -> None:
    assert load_settings().vk_token is None
    monkeypatch.setenv("VK_TOKEN", VK_TOKEN)
    monkeypatch.setenv("VK_GROUP_ID", "12345")
    settings = load_settings()
    assert settings.vk_group_id == 12345 and settings.rate_vk == "20/1"
    assert settings.vk_callback_secret is None and settings.collision_mode == "hold"


def test_calendar_defaults_to_open_around_the_clock_in_the_desk_zone(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("TIMEZONE", "Europe/Moscow")
    settings = load_settings()
    assert settings.calendar.hours == "24/7" and settings.calendar.holidays == ""
    assert settings.calendar_timezone == "Europe/Moscow"


def test_calendar_table_is_read_from_the_toml_file(tmp_path: Path) -> None:
    (tmp_path / "botdesk.toml").write_text(
        "[calendar]\n"
        'timezone = "Asia/Yekaterinburg"\n'
        'hours = "mon-fri 09:00-13:00,14:00-18:00; sat 10:00-14:00"\n'
        'holidays = "ru"\n'
        "extra_days_off = [2026-12-30]\n"
        'extra_workdays = ["2025-11-01"]\n'
        'workday_hours = "SAT"\n',
        encoding="utf-8",
    )
    calendar = load_settings().calendar
    assert load_settings().calendar_timezone == "Asia/Yekaterinburg"
    assert calendar.holidays == "RU" and calendar.workday_hours == "sat"
    assert [str(day) for day in calendar.extra_days_off] == ["2026-12-30"]
    assert [str(day) for day in calendar.extra_workdays] == ["2025-11-01"]


@pytest.mark.parametrize(
    ("table", "named", "fix"),
    [
        ('hours = "mon-fri 9-18"', "calendar.hours has the time '9'", "mon-fri 09:00-13:00"),
        ('hours = "monday 09:00-18:00"', "calendar.hours has the day 'monday'", "mon-fri"),
        ('hours = "mon 10:00-10:00"', "calendar.hours has the window '10:00-10:00'", "22:00-06:00"),
        ('hours = "mon-fri"', "calendar.hours has 'mon-fri', which names days", "HH:MM"),
        ('timezone = "Mars/Olympus"', "calendar.timezone is 'Mars/Olympus'", "Europe/Moscow"),
        ('holidays = "XX"', "calendar.holidays is 'XX', which is not a country", '"RU"'),
        ('holidays = "DE-ZZ"', "DE has no subdivision 'ZZ'", '"DE-BY"'),
        ('extra_days_off = ["2026-02-30"]', "calendar.extra_days_off is not valid", "2026-12-31"),
        ('extra_workdays = ["soon"]', "calendar.extra_workdays is not valid", "working Saturday"),
        ('workday_hours = "someday"', "calendar.workday_hours is 'someday'", "mon, tue"),
        (
            'extra_days_off = ["2026-01-05"]\nextra_workdays = ["2026-01-05"]',
            "calendar.extra_days_off has 2026-01-05, which extra_workdays lists too",
            "list of dates",
        ),
        ('hour = "24/7"', "unknown key 'calendar.hour'", "hours, holidays"),
    ],
)
def test_malformed_calendar_names_the_key_and_the_right_form(
    tmp_path: Path, table: str, named: str, fix: str
) -> None:
    (tmp_path / "botdesk.toml").write_text(f"[calendar]\n{table}\n", encoding="utf-8")
    with pytest.raises(ConfigError) as caught:
        load_settings()
    text = str(caught.value)
    assert named in text and fix in text and "make demo" in text
    assert "\n" not in text  # one paragraph


def test_calendar_that_is_not_a_table_is_explained(tmp_path: Path) -> None:
    (tmp_path / "botdesk.toml").write_text('calendar = "24/7"\n', encoding="utf-8")
    with pytest.raises(ConfigError, match=r"calendar is not valid.*\[calendar\] table"):
        load_settings()
