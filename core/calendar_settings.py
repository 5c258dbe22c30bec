"""The ``[calendar]`` table of ``botdesk.toml``: when the desk is open, validated at start-up.

:class:`CalendarSettings` is ``Settings.calendar``; :func:`calendar_error` words a mistake
in it as one paragraph naming ``calendar.<key>`` and the right form. The arithmetic on the
calendar lives in :mod:`core.business_calendar`.
"""

from __future__ import annotations

from datetime import date
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import holidays
from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from core.hours import DAY_NAMES, HOURS_EXAMPLE, parse_hours

CALENDAR_HINTS: dict[str, str] = {
    "timezone": 'Use an IANA time zone name, e.g. timezone = "Europe/Moscow", or leave it '
    "out to use TIMEZONE.",
    "hours": f"Use days and HH:MM-HH:MM windows, e.g. hours = {HOURS_EXAMPLE}; a window "
    "like 22:00-06:00 runs past midnight.",
    "holidays": 'Use a country code of the holidays package, e.g. holidays = "RU", optionally '
    'with a subdivision, e.g. "DE-BY", or leave it out for no public holidays.',
    "extra_days_off": 'Use a list of dates, e.g. extra_days_off = ["2026-12-31"].',
    "extra_workdays": 'Use a list of dates, e.g. extra_workdays = ["2026-11-01"] (a moved '
    "working Saturday).",
    "workday_hours": f"Use one of {', '.join(DAY_NAMES)}: the weekday whose hours an extra "
    "workday gets.",
}


def known_timezone(value: str) -> str:
    """``value`` if it names an IANA time zone; else a ValueError worded for a config key."""
    try:
        ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError(f"is {value!r}, which is not a known time zone") from None
    return value


class CalendarSettings(BaseModel):
    """The ``[calendar]`` table of ``botdesk.toml``: when the desk is open."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    #: empty: the desk's TIMEZONE
    timezone: str = ""
    hours: str = "24/7"
    holidays: str = ""
    extra_days_off: list[date] = Field(default_factory=list)
    extra_workdays: list[date] = Field(default_factory=list)
    workday_hours: str = "mon"

    @field_validator("timezone")
    @classmethod
    def _check_timezone(cls, value: str) -> str:
        return known_timezone(value) if value else value

    @field_validator("hours")
    @classmethod
    def _check_hours(cls, value: str) -> str:
        parse_hours(value)
        return value

    @field_validator("holidays")
    @classmethod
    def _check_holidays(cls, value: str) -> str:
        country, _, subdivision = value.strip().upper().partition("-")
        supported = holidays.list_supported_countries()
        if value and country not in supported:
            raise ValueError(f"is {value!r}, which is not a country the holidays package knows")
        if subdivision and subdivision not in supported[country]:
            raise ValueError(f"is {value!r}, and {country} has no subdivision {subdivision!r}")
        return value.strip().upper()

    @field_validator("workday_hours")
    @classmethod
    def _check_workday_hours(cls, value: str) -> str:
        if value.lower() not in DAY_NAMES:
            raise ValueError(f"is {value!r}, which is not a day name")
        return value.lower()

    @model_validator(mode="after")
    def _check_days(self) -> CalendarSettings:
        both = sorted(set(self.extra_days_off) & set(self.extra_workdays))
        if both:
            raise ValueError(f"extra_days_off: has {both[0]}, which extra_workdays lists too")
        return self


def _calendar_paragraph(key: str, problem: str) -> str:
    return (
        f"Configuration error: calendar.{key} {problem}. {CALENDAR_HINTS.get(key, '')} "
        f"Set it in the [calendar] table of botdesk.toml."
    ).replace("  ", " ")


def calendar_error(loc: list[str], problem: str, kind: str) -> str:
    """The paragraph for a mistake inside ``[calendar]``, naming ``calendar.<key>``.

    ``loc`` is the pydantic error location below ``calendar``, ``problem`` its wording
    ("is ..."), ``kind`` its pydantic error type. The caller appends its own closing hint.
    """
    if kind == "extra_forbidden":
        known = ", ".join(CalendarSettings.model_fields)
        return (
            f"Configuration error: botdesk.toml has an unknown key 'calendar.{loc[0]}'. Check "
            f"its spelling or remove it; the [calendar] keys are: {known}."
        )
    if not loc:  # the model's own check, or [calendar] that is not a table
        key, _, rest = problem.partition(": ")
        if key in CalendarSettings.model_fields:
            return _calendar_paragraph(key, rest)
        return (
            f"Configuration error: calendar {problem}. Write it as a [calendar] table of "
            f"botdesk.toml, e.g. [calendar] then hours = {HOURS_EXAMPLE}."
        )
    return _calendar_paragraph(loc[0], problem)
