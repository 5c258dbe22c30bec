"""botdesk configuration: environment variables, an optional ``.env`` and ``botdesk.toml``.

Precedence, highest first: real environment variables, ``.env`` in the working directory,
then ``botdesk.toml`` (or the file named by ``BOTDESK_CONFIG``). Defaults need no services:
an SQLite file under ``./data`` and no Redis.

Anything missing or malformed raises :class:`ConfigError` whose text is one paragraph that
names the variable, says what is wrong and how to fix it; the CLI prints it and exits 2.
"""

from __future__ import annotations

import os
import re
import tomllib
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import urlsplit

from dotenv import dotenv_values
from pydantic import (
    Field,
    SecretStr,
    ValidationError,
    ValidationInfo,
    field_validator,
    model_validator,
)
from pydantic_settings import (
    BaseSettings,
    NoDecode,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
)

from core.auto_reply_settings import (
    AUTO_REPLY_TABLES,
    AcknowledgementSettings,
    OffHoursSettings,
    auto_reply_error,
)
from core.calendar_settings import CalendarSettings, calendar_error, known_timezone
from core.digest_settings import parse_digest_time
from core.enums import AssignmentMode, HandBack
from core.i18n import SUPPORTED_LOCALES
from core.workload_settings import WAITING_TABLE, WaitingSettings, optional_duration, waiting_error

DEMO_HINT = "To try botdesk without any tokens or services, run `make demo`."
CONFIG_FILE_ENV = "BOTDESK_CONFIG"
DEFAULT_CONFIG_FILE = "botdesk.toml"

_TOKEN_RE = re.compile(r"^\d{1,20}:[A-Za-z0-9_-]{20,}$")
_SECRET_RE = re.compile(r"^[A-Za-z0-9_-]{1,256}$")
#: a longer name would crowd the greeting's first line
COMPANY_NAME_MAX = 64

# What to tell the person for each setting when its value is missing or wrong.
HINTS: dict[str, str] = {
    "bot_token": "Create a bot with @BotFather (/newbot) and copy the token it gives you, "
    "e.g. BOT_TOKEN=123456789:AAE...",
    "operator_group_id": "Create a supergroup with Topics enabled, add the bot as an admin "
    "with 'Manage topics', and put the group's id here (it starts with -100).",
    "admin_ids": "Give a comma-separated list of Telegram user ids, e.g. ADMIN_IDS=1111,2222.",
    "database_url": "Use sqlite://data/botdesk.sqlite3 (the default) or "
    "postgres://user:password@host:5432/dbname.",
    "redis_url": "Use redis://host:6379/0, or leave it unset to run without Redis.",
    "telegram_api_base": "Use the base address of a Bot API server, e.g. http://127.0.0.1:8081, "
    "or leave it unset to talk to api.telegram.org.",
    "webhook_url": "Use the public https:// address Telegram should post updates to, "
    "or leave it unset to use long polling.",
    "webhook_secret": "Use 1-256 characters from A-Z, a-z, 0-9, _ and -.",
    "web_port": "Use a TCP port number from 1 to 65535.",
    "default_language": f"Use one of: {', '.join(SUPPORTED_LOCALES)}. Customers whose own "
    "language has no translation are answered in it.",
    "operator_language": f"Use one of: {', '.join(SUPPORTED_LOCALES)}, the language of the "
    "operator group's cards, notices and commands, or leave it unset to use DEFAULT_LANGUAGE.",
    "company_name": "Use your company's or product's name as customers know it "
    f"(at most {COMPANY_NAME_MAX} characters), e.g. COMPANY_NAME=Acme, or leave it unset.",
    "timezone": "Use an IANA time zone name such as Europe/Moscow or UTC.",
    "digest_time": "Use the desk-time moment of the managers' daily digest as HH:MM, "
    "e.g. DIGEST_TIME=09:00, or off to send no digest.",
    "digest_weekly": "Use true (a weekly digest on Mondays for the week before) or false.",
    "managers_chat_id": "Use the id of a chat the bot is in (a group starts with -100), "
    "or leave it unset to post escalations into a Reports topic of the operator group.",
    "log_level": "Use DEBUG, INFO, WARNING or ERROR.",
    "log_format": "Use text (one readable line per record) or json (one JSON object per "
    "line, for log collectors).",
    "ready_outbox_max_age": "Use a number of seconds, e.g. 300: /readyz fails while an "
    "outbox item has waited longer than this to be sent.",
    "rate_private_chat": "Use COUNT/SECONDS, e.g. 1/1 (one message a second).",
    "rate_group": "Use COUNT/SECONDS, e.g. 20/60 (twenty messages a minute).",
    "rate_bot": "Use COUNT/SECONDS, e.g. 30/1 (thirty messages a second).",
    "rate_vk": "Use COUNT/SECONDS, e.g. 20/1 (VK allows 20 requests a second per community).",
    "hold_recheck_seconds": "Use a number of seconds, e.g. 30: how soon botdesk tries the "
    "operator group again after a setting there (rights, Topics) held its messages.",
    "collision_mode": "Use hold (a message in someone else's ticket waits for Send anyway) "
    "or warn (it is sent, and the writer is warned).",
    "reopen_window_hours": "Use a number of hours, e.g. 72; 0 means a message after "
    "resolution always starts a new ticket.",
    "assignment": "Use off (operators take tickets themselves), round_robin (each new ticket "
    "goes to the online operator assigned longest ago) or least_loaded (to the online "
    "operator with the fewest open tickets).",
    "default_capacity": "Use a whole number from 1 to 1000: how many active tickets "
    "auto-assignment gives an operator whose capacity nobody set with /capacity.",
    "hand_back": "Use reassign (an operator who goes /away or /offline has their open "
    "tickets given to the next operator) or unassign (they are left for anyone to take).",
    "reassign_after": 'Use a duration such as "30m" or "2h": an assigned ticket nobody '
    "answered in that time moves to the next operator; leave it unset to never do that.",
    "vk_token": "In your VK community open Manage → API usage → Access tokens, create a "
    "token with the 'messages' and 'photos'/'docs' rights, and copy it.",
    "vk_group_id": "Use your VK community's numeric id (a positive number, as in "
    "vk.com/club12345678).",
    "vk_api_base": "Use the base address of a VK API server, e.g. http://127.0.0.1:8082, "
    "or leave it unset to talk to api.vk.com.",
    "vk_callback_secret": "Use the secret key shown in Manage → API usage → Callback API, "
    "or leave it unset to use the Bots Long Poll API.",
    "vk_confirmation": "Use the confirmation string shown in Manage → API usage → Callback "
    "API (needed only with VK_CALLBACK_SECRET).",
}


class ConfigError(Exception):
    """A configuration problem explained in one human-readable paragraph."""


def _env_name(field: str) -> str:
    return field.upper()


def _paragraph(field: str, problem: str) -> str:
    hint = HINTS.get(field, "")
    return (
        f"Configuration error: {_env_name(field)} {problem}. {hint} "
        f"Set it as an environment variable, in .env, or as `{field}` in botdesk.toml. "
        f"{DEMO_HINT}"
    ).replace("  ", " ")


class Settings(BaseSettings):
    """Every setting botdesk reads; field ``foo_bar`` is env var ``FOO_BAR``."""

    model_config = SettingsConfigDict(
        env_file=".env",
        env_file_encoding="utf-8",
        env_ignore_empty=True,  # `BOT_TOKEN=` copied from .env.example means "not set"
        extra="ignore",
        case_sensitive=False,
    )

    bot_token: SecretStr | None = None
    operator_group_id: int | None = None
    admin_ids: Annotated[list[int], NoDecode] = Field(default_factory=list)
    # Where SLA escalations and reports go; unset: a "📊 Reports" topic in the group.
    managers_chat_id: int | None = None
    # The managers' digest: daily at this desk time (or "off"), and weekly on Mondays.
    digest_time: str = "09:00"
    digest_weekly: bool = True
    database_url: str = "sqlite://data/botdesk.sqlite3"
    redis_url: str | None = None
    telegram_api_base: str | None = None
    webhook_url: str | None = None
    webhook_secret: SecretStr | None = None
    web_host: str = "0.0.0.0"
    web_port: int = Field(default=8080, ge=1, le=65535)
    # Who reads what: customers get their own language, else DEFAULT_LANGUAGE; the operator
    # group reads OPERATOR_LANGUAGE (unset: DEFAULT_LANGUAGE). No name set: the greeting
    # speaks of "our support team" rather than inventing one.
    default_language: str = "en"
    operator_language: str = ""
    company_name: str = Field(default="", max_length=COMPANY_NAME_MAX)
    timezone: str = "UTC"
    log_level: str = "INFO"
    log_format: str = "text"
    # /readyz fails while the oldest unsent outbox item is older than this (seconds).
    ready_outbox_max_age: float = Field(default=300.0, gt=0, le=7 * 24 * 3600)
    # Flood budgets of the outbox, Telegram's published limits by default.
    rate_private_chat: str = "1/1"
    rate_group: str = "20/60"
    rate_bot: str = "30/1"
    rate_vk: str = "20/1"
    # How soon work held by the operator group's settings is tried again (then less often).
    hold_recheck_seconds: float = Field(default=30.0, gt=0, le=3600)
    # Several processes on PostgreSQL: how long a lease (long polling, sending to the
    # group, being alive) lasts unrenewed; a dead leader is replaced within about this.
    leader_ttl_seconds: float = Field(default=8.0, ge=1, le=300)
    # This process's name among several (unset: its host, pid and a random suffix).
    instance_name: str = Field(default="", max_length=100)
    # The operator workflow.
    collision_mode: str = "hold"
    reopen_window_hours: float = Field(default=72.0, ge=0, le=24 * 365)
    # VK is optional: without a token botdesk serves Telegram customers only.
    vk_token: SecretStr | None = None
    vk_group_id: int | None = None
    vk_api_base: str | None = None
    vk_callback_secret: SecretStr | None = None
    vk_confirmation: str | None = None
    # The business calendar, a [calendar] table in botdesk.toml.
    calendar: CalendarSettings = Field(default_factory=CalendarSettings)
    # The automatic replies to customers, [acknowledgement] and [off_hours] in botdesk.toml.
    acknowledgement: AcknowledgementSettings = Field(default_factory=AcknowledgementSettings)
    off_hours: OffHoursSettings = Field(default_factory=OffHoursSettings)
    # Auto-assignment and presence (see core.workload_settings).
    assignment: str = "off"
    default_capacity: int = Field(default=5, ge=1, le=1000)
    hand_back: str = "reassign"
    reassign_after: str = ""
    # Waiting on the customer, a [waiting] table in botdesk.toml.
    waiting: WaitingSettings = Field(default_factory=WaitingSettings)
    # botdesk.toml's [[rules]], kept as read: core.rule_settings checks them at start and
    # names a bad one as rules[2] ("refunds").when.keywords.
    rules: Any = None

    @property
    def calendar_timezone(self) -> str:
        """The calendar's time zone: its own, else the desk's TIMEZONE."""
        return self.calendar.timezone or self.timezone

    # botdesk.toml's [sla] table, kept as read: core.sla_policies.sla_policies checks it
    # and names a bad key as sla.normal.first_response (the foundation may not import it).
    sla: Any = None

    @field_validator("bot_token")
    @classmethod
    def _check_token(cls, value: SecretStr | None) -> SecretStr | None:
        if value is not None and not _TOKEN_RE.match(value.get_secret_value()):
            raise ValueError("does not look like a bot token (digits, a colon, then the key)")
        return value

    @field_validator("operator_group_id")
    @classmethod
    def _check_group(cls, value: int | None) -> int | None:
        if value is not None and value >= 0:
            raise ValueError("must be a negative supergroup id such as -1001234567890")
        return value

    @field_validator("managers_chat_id")
    @classmethod
    def _check_managers_chat(cls, value: int | None) -> int | None:
        if value == 0:
            raise ValueError("must be a chat id such as -1001234567890")
        return value

    @field_validator("admin_ids", mode="before")
    @classmethod
    def _split_ids(cls, value: Any) -> Any:
        if isinstance(value, str):
            return [part.strip() for part in value.split(",") if part.strip()]
        return value

    @field_validator("database_url")
    @classmethod
    def _check_database_url(cls, value: str) -> str:
        check_database_url(value)
        return value

    @field_validator("redis_url")
    @classmethod
    def _check_redis_url(cls, value: str | None) -> str | None:
        if value and urlsplit(value).scheme not in {"redis", "rediss", "unix"}:
            raise ValueError("must start with redis://, rediss:// or unix://")
        return value

    @field_validator("telegram_api_base", "webhook_url", "vk_api_base")
    @classmethod
    def _check_http_url(cls, value: str | None) -> str | None:
        if value:
            parts = urlsplit(value)
            if parts.scheme not in {"http", "https"} or not parts.netloc:
                raise ValueError("must be an http:// or https:// address")
        return value.rstrip("/") if value else value

    @field_validator("webhook_secret")
    @classmethod
    def _check_secret(cls, value: SecretStr | None) -> SecretStr | None:
        if value is not None and not _SECRET_RE.match(value.get_secret_value()):
            raise ValueError("has characters Telegram does not allow in a secret token")
        return value

    @field_validator("default_language", "operator_language")
    @classmethod
    def _check_language(cls, value: str, info: ValidationInfo) -> str:
        # only OPERATOR_LANGUAGE may be empty: it then follows DEFAULT_LANGUAGE
        if value not in SUPPORTED_LOCALES and (value or info.field_name == "default_language"):
            raise ValueError(f"is {value!r}, which has no translation")
        return value

    @field_validator("company_name")
    @classmethod
    def _check_company_name(cls, value: str) -> str:
        if any(ch in value for ch in "\r\n"):
            raise ValueError("has a line break; the name must fit on one line")
        return value.strip()

    @model_validator(mode="after")
    def _operator_language_defaults(self) -> Settings:
        # Unset means "the same as the customers' default", decided once here.
        if not self.operator_language:
            self.operator_language = self.default_language
        return self

    @field_validator("digest_time")
    @classmethod
    def _check_digest_time(cls, value: str) -> str:
        parse_digest_time(value)
        return value.strip().lower()

    @field_validator("timezone")
    @classmethod
    def _check_timezone(cls, value: str) -> str:
        return known_timezone(value)

    @field_validator("log_level")
    @classmethod
    def _check_log_level(cls, value: str) -> str:
        if value.upper() not in {"DEBUG", "INFO", "WARNING", "ERROR"}:
            raise ValueError(f"is {value!r}, which is not a log level")
        return value.upper()

    @field_validator("log_format")
    @classmethod
    def _check_log_format(cls, value: str) -> str:
        if value.lower() not in {"text", "json"}:
            raise ValueError(f"is {value!r}, which is neither text nor json")
        return value.lower()

    @field_validator("collision_mode")
    @classmethod
    def _check_collision_mode(cls, value: str) -> str:
        if value.lower() not in {"hold", "warn"}:
            raise ValueError(f"is {value!r}, which is neither hold nor warn")
        return value.lower()

    @field_validator("assignment", "hand_back")
    @classmethod
    def _check_choice(cls, value: str, info: ValidationInfo) -> str:
        choices = {"assignment": AssignmentMode, "hand_back": HandBack}[str(info.field_name)]
        if value.strip().lower() not in {str(c) for c in choices}:
            raise ValueError(f"is {value!r}, which is not one of: {', '.join(choices)}")
        return value.strip().lower()

    @field_validator("reassign_after")
    @classmethod
    def _check_reassign_after(cls, value: str) -> str:
        optional_duration(value)
        return value.strip()

    @field_validator("vk_group_id")
    @classmethod
    def _check_vk_group(cls, value: int | None) -> int | None:
        if value is not None and value <= 0:
            raise ValueError("must be the community's positive id, without a minus sign")
        return value

    @field_validator("vk_token")
    @classmethod
    def _check_vk_token(cls, value: SecretStr | None) -> SecretStr | None:
        if value is not None and (
            len(value.get_secret_value()) < 20 or any(c.isspace() for c in value.get_secret_value())
        ):
            raise ValueError("does not look like a VK community access token")
        return value

    @field_validator("rate_private_chat", "rate_group", "rate_bot", "rate_vk")
    @classmethod
    def _check_rate(cls, value: str) -> str:
        parse_rate(value)
        return value

    def check_vk(self) -> None:
        """VK settings hang together: a token needs a group id, a secret a confirmation."""
        if self.vk_token is None:
            for field in ("vk_group_id", "vk_api_base", "vk_callback_secret", "vk_confirmation"):
                if getattr(self, field) is not None:
                    raise ConfigError(
                        _paragraph("vk_token", f"is not set, but {_env_name(field)} is")
                    )
            return
        self.require("vk_group_id", purpose="the VK channel")
        if (self.vk_callback_secret is None) != (self.vk_confirmation is None):
            missing = "vk_confirmation" if self.vk_confirmation is None else "vk_callback_secret"
            raise ConfigError(_paragraph(missing, "is not set, and the VK Callback API needs both"))

    def require(self, *fields: str, purpose: str) -> None:
        """Fail with a clear paragraph if any of ``fields`` is unset (needed for ``purpose``)."""
        for field in fields:
            if getattr(self, field) in (None, "", []):
                raise ConfigError(_paragraph(field, f"is not set, and {purpose} needs it"))


def parse_rate(value: str) -> tuple[int, float]:
    """``"20/60"`` → (20, 60.0): COUNT messages per SECONDS; raise ValueError otherwise."""
    count, sep, seconds = value.partition("/")
    try:
        parsed = int(count), float(seconds)
    except ValueError:
        parsed = (0, 0.0)
    if not sep or parsed[0] < 1 or parsed[1] <= 0:
        raise ValueError(f"is {value!r}, which is not COUNT/SECONDS")
    return parsed


def check_database_url(value: str) -> None:
    """Raise ``ValueError`` unless ``value`` is an SQLite or PostgreSQL URL botdesk can use."""
    parts = urlsplit(value)
    if parts.scheme == "sqlite":
        if not value[len("sqlite://") :]:
            raise ValueError("has no file path after sqlite://")
        return
    if parts.scheme in {"postgres", "postgresql", "asyncpg"}:
        if not parts.hostname or not parts.path.strip("/"):
            raise ValueError("needs a host and a database name")
        try:
            _ = parts.port
        except ValueError:
            raise ValueError("has a port that is not a number") from None
        return
    raise ValueError(f"uses {parts.scheme or 'no'} scheme; only sqlite and postgres work")


def _read_toml(path: Path) -> dict[str, Any]:
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(
            f"Configuration error: {path} is not valid TOML ({exc}). Fix the syntax or remove "
            f"the file. {DEMO_HINT}"
        ) from None
    unknown = sorted(set(data) - set(Settings.model_fields))
    if unknown:
        known = ", ".join(Settings.model_fields)
        raise ConfigError(
            f"Configuration error: {path} has an unknown key {unknown[0]!r}. Check its "
            f"spelling or remove it; the keys botdesk knows are: {known}. {DEMO_HINT}"
        )
    return data


def _dotenv_names(path: Path) -> set[str]:
    if not path.is_file():
        return set()
    return {name.upper() for name in dotenv_values(path)}


def _config_path(toml_path: Path | None) -> Path | None:
    if toml_path is not None:
        return toml_path
    named = os.environ.get(CONFIG_FILE_ENV)
    if named:
        path = Path(named)
        if not path.is_file():
            raise ConfigError(
                f"Configuration error: {CONFIG_FILE_ENV} names {path}, which does not exist. "
                f"Point it at your botdesk.toml or unset it. {DEMO_HINT}"
            )
        return path
    default = Path(DEFAULT_CONFIG_FILE)
    return default if default.is_file() else None


def load_settings(toml_path: Path | None = None, **overrides: Any) -> Settings:
    """Read settings from the environment, ``.env`` and the TOML file; raise ConfigError."""
    path = _config_path(toml_path)
    from_file = _read_toml(path) if path is not None else {}
    env_names = {name.upper() for name in os.environ} | _dotenv_names(Path(".env"))
    # The TOML file has the lowest precedence: drop what the environment sets.
    file_values = {k: v for k, v in from_file.items() if k.upper() not in env_names}
    try:
        settings = Settings(**{**file_values, **overrides})
    except ValidationError as exc:
        error = exc.errors()[0]
        loc = [str(part) for part in error["loc"]]
        field = loc[0] if loc else "configuration"
        problem = str(error["msg"]).removeprefix("Value error, ")
        if problem[:1].isupper():  # pydantic's own wording: "Input should be ..."
            problem = f"is not valid: {problem[0].lower()}{problem[1:]}"
        if field == "calendar":
            paragraph = calendar_error(loc[1:], problem, error["type"])
            raise ConfigError(f"{paragraph} {DEMO_HINT}") from None
        if field == WAITING_TABLE:
            raise ConfigError(f"{waiting_error(loc[1:], problem)} {DEMO_HINT}") from None
        if field in AUTO_REPLY_TABLES:
            paragraph = auto_reply_error(field, loc[1:], problem, error["type"])
            raise ConfigError(f"{paragraph} {DEMO_HINT}") from None
        raise ConfigError(_paragraph(field, problem)) from None
    settings.check_vk()
    return settings


class _IsolatedSettings(Settings):
    """Settings that read nothing from the environment, ``.env`` or a TOML file."""

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        return (init_settings,)


def isolated_settings(**values: Any) -> Settings:
    """Settings made only of ``values`` and defaults (the demo, tests): nothing leaks in."""
    try:
        return _IsolatedSettings(**values)
    except ValidationError as exc:
        raise ConfigError(str(exc)) from None
