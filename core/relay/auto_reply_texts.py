"""The words of the desk's automatic replies: the acknowledgement and the off-hours reply.

Times are shown in the desk's time zone (the business calendar's), named after its city,
because that is the clock the promise is kept by; a customer elsewhere converts one time
instead of guessing which zone was meant. "today" and "tomorrow" are counted in that zone
too. A text set in botdesk.toml replaces the built-in translation for its language; it is
plain text, escaped like everything the channels send as HTML.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from html import escape
from zoneinfo import ZoneInfo

from babel.dates import format_date, format_time, get_timezone_location

from core.auto_reply_settings import AutoReply, placeholders_in
from core.i18n import Translator, _

#: the first-response time, after "We'll answer by"
_DUE_TODAY = _("{time} today")
_DUE_TOMORROW = _("{time} tomorrow")
_DUE_LATER = _("{date} at {time}")
#: the next opening, after "We're back"
_OPENS_TODAY = _("today at {time}")
_OPENS_TOMORROW = _("tomorrow at {time}")
_OPENS_LATER = _("on {date} at {time}")
_IN_ZONE = _("{when} ({city} time)")

_ACKNOWLEDGEMENT = _(
    "We've received your message — your ticket number is {ticket}. We'll answer by {due}."
)
_ACKNOWLEDGEMENT_NO_TIME = _(
    "We've received your message — your ticket number is {ticket}. We'll answer as soon as we can."
)
_OFF_HOURS = _("Our team is offline now. We're back {opening}, and we will answer you then.")

#: babel patterns: "Monday, 7 December" / "понедельник, 7 декабря" and a 24-hour time
DATE_PATTERN = "EEEE, d MMMM"
TIME_PATTERN = "HH:mm"


def zone_city(zone: ZoneInfo, locale: str) -> str:
    """The city a time zone is named after, in ``locale`` ("Moscow", "Москва", "UTC")."""
    return str(get_timezone_location(zone, locale=locale, return_city=True))


def _when(
    at: datetime, now: datetime, zone: ZoneInfo, locale: str, phrases: tuple[str, str, str]
) -> str:
    """``at`` as "today …", "tomorrow …" or a weekday and date, with the zone's city."""
    t = Translator(locale)
    local, today = at.astimezone(zone), now.astimezone(zone).date()
    time = format_time(local, TIME_PATTERN, locale=locale)
    same_day, next_day, later = phrases
    if local.date() == today:
        when = t(same_day, time=time)
    elif local.date() == today + timedelta(days=1):
        when = t(next_day, time=time)
    else:
        date = format_date(local, DATE_PATTERN, locale=locale)
        when = t(later, date=date, time=time)
    return t(_IN_ZONE, when=when, city=zone_city(zone, locale))


def due_phrase(due: datetime, now: datetime, zone: ZoneInfo, locale: str) -> str:
    """The first-response time as the acknowledgement's ``{due}`` shows it."""
    return _when(due, now, zone, locale, (_DUE_TODAY, _DUE_TOMORROW, _DUE_LATER))


def opening_phrase(opening: datetime, now: datetime, zone: ZoneInfo, locale: str) -> str:
    """The next opening as the off-hours reply's ``{opening}`` shows it."""
    return _when(opening, now, zone, locale, (_OPENS_TODAY, _OPENS_TOMORROW, _OPENS_LATER))


def acknowledgement_text(
    reply: AutoReply,
    locale: str,
    *,
    number: int,
    due: datetime | None,
    now: datetime,
    zone: ZoneInfo,
) -> str:
    """The acknowledgement of ticket ``number``, in HTML; ``due`` None: no time promised.

    A text from botdesk.toml that names ``{due}`` is used only when there is a due time to
    name: without a first-response target the built-in text without the time goes out.
    """
    ticket = f"#{number}"
    override = reply.override(locale)
    if due is None:
        if override is not None and "due" not in placeholders_in(override):
            return escape(override.format(ticket=ticket), quote=False)
        return escape(Translator(locale)(_ACKNOWLEDGEMENT_NO_TIME, ticket=ticket), quote=False)
    params = {"ticket": ticket, "due": due_phrase(due, now, zone, locale)}
    if override is not None:
        return escape(override.format(**params), quote=False)
    return escape(Translator(locale)(_ACKNOWLEDGEMENT, **params), quote=False)


def off_hours_text(
    reply: AutoReply, locale: str, *, opening: datetime, now: datetime, zone: ZoneInfo
) -> str:
    """The off-hours reply naming the next ``opening``, in HTML."""
    text = reply.override(locale) or Translator(locale)(_OFF_HOURS)
    return escape(text.format(opening=opening_phrase(opening, now, zone, locale)), quote=False)
