"""One event of a ticket's log as a sentence in the operators' language (``/log``).

Events store their details as raw values (``{"old": "open", "new": "resolved"}``,
``{"first": true}``); operators read "status: open → resolved" instead, with the same
localized names the card uses. Rows written by older versions, or by code that stored
something unexpected, still render: whatever is not understood is shown as
``key: value`` rather than raising, because one odd row must not hide the whole log.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import datetime
from html import escape
from typing import Any
from zoneinfo import ZoneInfo

from core.enums import EventKind, OperatorRole, SlaClock
from core.i18n import Translator, _
from core.notices.wording import clock_name
from operators_group.cards import PRIORITY_NAMES, STATUS_NAMES
from operators_group.commands_team import ROLE_NAMES

#: characters of a rating comment shown in the log (the topic has all of it)
COMMENT_SHOWN = 80

#: events without an operator behind them that the customer caused
CUSTOMER_EVENTS = frozenset(
    {EventKind.OPENED, EventKind.REOPENED, EventKind.RATED, EventKind.COMMENTED}
)

#: the event's name when its data cannot be put into a sentence
EVENT_NAMES: dict[EventKind, str] = {
    EventKind.OPENED: _("opened"),
    EventKind.REOPENED: _("reopened"),
    EventKind.ASSIGNED: _("assigned"),
    EventKind.UNASSIGNED: _("unassigned"),
    EventKind.STATUS: _("status changed"),
    EventKind.PRIORITY: _("priority changed"),
    EventKind.TAG_ADDED: _("tag added"),
    EventKind.TAG_REMOVED: _("tag removed"),
    EventKind.TEMPLATE_USED: _("template used"),
    EventKind.BANNED: _("customer banned"),
    EventKind.UNBANNED: _("customer unbanned"),
    EventKind.RATED: _("rated"),
    EventKind.COMMENTED: _("commented"),
    EventKind.ROLE: _("role changed"),
    EventKind.REFUSED: _("refused"),
    EventKind.SLA_HIT: _("SLA met"),
    EventKind.SLA_WARNED: _("SLA warning"),
    EventKind.SLA_BREACHED: _("SLA breached"),
    EventKind.SLA_RECOMPUTED: _("SLA due times recomputed"),
    EventKind.TASK_CREATED: _("task created"),
    EventKind.TASK_MOVED: _("task moved"),
    EventKind.TASK_DONE: _("task done"),
    EventKind.TASK_REMINDED: _("task reminder"),
    EventKind.SNOOZED: _("snoozed"),
    EventKind.WOKE: _("woke up"),
    EventKind.NUDGED: _("customer reminded"),
}


class _Words:
    """Localized values for one reader: names of statuses, priorities, roles, people."""

    def __init__(
        self, t: Translator, people: Mapping[int, str], zone: ZoneInfo | None = None
    ) -> None:
        self.t, self.people, self.zone = t, people, zone or ZoneInfo("UTC")

    def moment(self, value: Any) -> str:
        """A stored ISO time in the desk's zone."""
        at = datetime.fromisoformat(str(value)).astimezone(self.zone)
        return at.strftime("%Y-%m-%d %H:%M")

    def task(self, value: Any) -> str:
        """A task's text, cut to a log line and escaped."""
        text = " ".join(str(value).split())
        return escape(text if len(text) <= COMMENT_SHOWN else text[:COMMENT_SHOWN] + "…")

    def status(self, value: Any) -> str:
        return escape(self.t(STATUS_NAMES[str(value)]))

    def priority(self, value: Any) -> str:
        return escape(self.t(PRIORITY_NAMES[str(value)]))

    def role(self, value: Any) -> str:
        return escape(self.t(ROLE_NAMES[OperatorRole(str(value))]))

    def person(self, value: Any) -> str:
        """An operator's name, or their id when they are not in the team any more."""
        if type(value) is not int:
            raise ValueError(value)
        name = self.people.get(value)
        return escape(name) if name else self.t("operator {id}", id=value)

    def stars(self, value: Any) -> str:
        if type(value) is not int or not 1 <= value <= 5:
            raise ValueError(value)
        return "★" * value + "☆" * (5 - value)


def _opened(w: _Words, d: Mapping[str, Any]) -> str:
    if d.get("first") is True:
        return w.t("ticket opened: the customer's first")
    return w.t("ticket opened")


def _reopened(w: _Words, d: Mapping[str, Any]) -> str:
    if "rating" in d:
        return w.t("reopened by the comment on a low rating ({stars})", stars=w.stars(d["rating"]))
    if d.get("by") == "customer":
        return w.t("reopened by the customer's message")
    return w.t("reopened")


def _assigned(w: _Words, d: Mapping[str, Any]) -> str:
    name = w.person(d["operator"])
    if d.get("previous") is not None:
        return w.t(
            "assigned to {name} (was {previous})", name=name, previous=w.person(d["previous"])
        )
    return w.t("assigned to {name}", name=name)


def _unassigned(w: _Words, d: Mapping[str, Any]) -> str:
    if d.get("operator") is None:
        return w.t("unassigned")
    return w.t("unassigned from {name}", name=w.person(d["operator"]))


def _status(w: _Words, d: Mapping[str, Any]) -> str:
    return w.t("status: {old} → {new}", old=w.status(d["old"]), new=w.status(d["new"]))


def _priority(w: _Words, d: Mapping[str, Any]) -> str:
    return w.t("priority: {old} → {new}", old=w.priority(d["old"]), new=w.priority(d["new"]))


def _tag(message: str) -> Callable[[_Words, Mapping[str, Any]], str]:
    def sentence(w: _Words, d: Mapping[str, Any]) -> str:
        return w.t(message, tag=escape(str(d["tag"])))

    return sentence


def _template(w: _Words, d: Mapping[str, Any]) -> str:
    return w.t("template {name} sent", name=escape(str(d["name"])))


def _rated(w: _Words, d: Mapping[str, Any]) -> str:
    if d.get("old") is not None:
        return w.t("rating changed: {old} → {new}", old=w.stars(d["old"]), new=w.stars(d["score"]))
    return w.t("rated {stars}", stars=w.stars(d["score"]))


def _commented(w: _Words, d: Mapping[str, Any]) -> str:
    text = str(d["comment"])
    shown = text if len(text) <= COMMENT_SHOWN else text[:COMMENT_SHOWN] + "…"
    return w.t("comment on the rating: «{comment}»", comment=escape(shown))


def _role(w: _Words, d: Mapping[str, Any]) -> str:
    return w.t(
        "role of {name}: {old} → {new}",
        name=w.person(d["operator"]),
        old=w.role(d["old"]),
        new=w.role(d["new"]),
    )


def _sla(message: str) -> Callable[[_Words, Mapping[str, Any]], str]:
    def sentence(w: _Words, d: Mapping[str, Any]) -> str:
        clock = escape(clock_name(SlaClock(str(d["clock"])), w.t.locale))
        return w.t(message, clock=clock)

    return sentence


def _recomputed(w: _Words, d: Mapping[str, Any]) -> str:
    return w.t("SLA due times recomputed for priority {priority}", priority=w.priority(d["new"]))


def _task_created(w: _Words, d: Mapping[str, Any]) -> str:
    return w.t("task «{text}» due {time}", text=w.task(d["text"]), time=w.moment(d["due"]))


def _task_moved(w: _Words, d: Mapping[str, Any]) -> str:
    return w.t(
        "task «{text}» moved: {old} → {new}",
        text=w.task(d["text"]),
        old=w.moment(d["old"]),
        new=w.moment(d["new"]),
    )


def _task(message: str) -> Callable[[_Words, Mapping[str, Any]], str]:
    def sentence(w: _Words, d: Mapping[str, Any]) -> str:
        return w.t(message, text=w.task(d["text"]))

    return sentence


def _snoozed(w: _Words, d: Mapping[str, Any]) -> str:
    return w.t("snoozed until {time}", time=w.moment(d["until"]))


def _woke(w: _Words, d: Mapping[str, Any]) -> str:
    if d.get("by") == "customer":
        return w.t("woke up early: the customer wrote")
    return w.t("woke up: the snooze is over")


def _fixed(message: str) -> Callable[[_Words, Mapping[str, Any]], str]:
    def sentence(w: _Words, d: Mapping[str, Any]) -> str:
        return w.t(message)

    return sentence


_SENTENCES: dict[EventKind, Callable[[_Words, Mapping[str, Any]], str]] = {
    EventKind.OPENED: _opened,
    EventKind.REOPENED: _reopened,
    EventKind.ASSIGNED: _assigned,
    EventKind.UNASSIGNED: _unassigned,
    EventKind.STATUS: _status,
    EventKind.PRIORITY: _priority,
    EventKind.TAG_ADDED: _tag(_("tag #{tag} added")),
    EventKind.TAG_REMOVED: _tag(_("tag #{tag} removed")),
    EventKind.TEMPLATE_USED: _template,
    EventKind.BANNED: _fixed(_("customer banned")),
    EventKind.UNBANNED: _fixed(_("customer unbanned")),
    EventKind.RATED: _rated,
    EventKind.COMMENTED: _commented,
    EventKind.ROLE: _role,
    EventKind.SLA_HIT: _sla(_("SLA met: {clock}")),
    EventKind.SLA_WARNED: _sla(_("SLA warning: {clock}")),
    EventKind.SLA_BREACHED: _sla(_("SLA breached: {clock}")),
    EventKind.SLA_RECOMPUTED: _recomputed,
    EventKind.TASK_CREATED: _task_created,
    EventKind.TASK_MOVED: _task_moved,
    EventKind.TASK_DONE: _task(_("task «{text}» done")),
    EventKind.TASK_REMINDED: _task(_("reminder of the task «{text}» posted")),
    EventKind.SNOOZED: _snoozed,
    EventKind.WOKE: _woke,
    EventKind.NUDGED: _fixed(_("customer reminded that we wait for their reply")),
}


def describe(
    kind: EventKind,
    data: Mapping[str, Any],
    people: Mapping[int, str],
    t: Translator,
    *,
    zone: ZoneInfo | None = None,
) -> str:
    """What happened, as one line of HTML in ``t``'s language (values escaped).

    Times (a task's due time, a snooze's end) are shown in ``zone`` (default UTC).
    """
    sentence = _SENTENCES.get(kind)
    if sentence is not None:
        try:
            return sentence(_Words(t, people, zone), data)
        except (KeyError, ValueError, TypeError):
            pass  # an unexpected row: the plain form below still tells what is there
    name = t(EVENT_NAMES[kind]) if kind in EVENT_NAMES else str(kind)
    details = ", ".join(f"{k}: {v}" for k, v in data.items() if v is not None)
    return escape(f"{name} ({details})" if details else name)
