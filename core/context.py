"""What every use case needs besides its event: the clock, the desk's settings, a wake-up."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta
from zoneinfo import ZoneInfo

from core.auto_reply_settings import AutoReplies
from core.business_calendar import BusinessCalendar
from core.clock import Clock, SystemClock
from core.digest_settings import DigestSchedule
from core.i18n import DEFAULT_LOCALE, normalize_locale
from core.rule_types import Rule
from core.sla_policies import DEFAULT_POLICIES, SlaPolicies
from core.workload_settings import Workload


def _nothing() -> None:
    return None


@dataclass(frozen=True, slots=True)
class DeskContext:
    """Dependencies of the use cases, passed in explicitly (no globals).

    ``wake`` is called after a use case committed new outbox items, so the worker sends
    them at once instead of on its next timer.
    """

    group_chat_id: int
    locale: str = "en"  # OPERATOR_LANGUAGE: operator-facing texts (notices, cards, menus)
    # DEFAULT_LANGUAGE: customers whose own language has no translation read this one
    customer_locale: str = DEFAULT_LOCALE
    timezone: ZoneInfo = field(default_factory=lambda: ZoneInfo("UTC"))
    clock: Clock = field(default_factory=SystemClock)
    wake: Callable[[], None] = _nothing
    admin_ids: tuple[int, ...] = ()  # Telegram ids of the admins named in the config
    collision_mode: str = "hold"  # or "warn": see core.tickets.collisions
    reopen_window: timedelta = timedelta(hours=72)  # see core.tickets.reopening
    sla: SlaPolicies = DEFAULT_POLICIES  # [sla] in botdesk.toml: targets per priority
    # [calendar] in botdesk.toml: the desk's open hours (default: always open)
    calendar: BusinessCalendar = field(default_factory=BusinessCalendar.from_text)
    # MANAGERS_CHAT_ID: where escalations and reports go (None: a topic in the group)
    managers_chat_id: int | None = None
    # DIGEST_TIME and DIGEST_WEEKLY: when the managers' digest goes out
    digest: DigestSchedule = field(default_factory=DigestSchedule)
    # [acknowledgement] and [off_hours]: what the desk answers on its own (default: nothing)
    auto_replies: AutoReplies = field(default_factory=AutoReplies)
    # ASSIGNMENT, DEFAULT_CAPACITY, HAND_BACK, REASSIGN_AFTER and [waiting]
    workload: Workload = field(default_factory=Workload)
    # [[rules]]: the automation rules, checked at start (the app passes the default set
    # when botdesk.toml has none; here none, so a bare context changes nothing on its own)
    rules: tuple[Rule, ...] = ()
    # COMPANY_NAME: what the desk's own messages to customers call the company ("" unset)
    company_name: str = ""

    def customer_language(self, code: str | None) -> str:
        """The locale a customer with language ``code`` reads (their own, else the default)."""
        return normalize_locale(code, self.customer_locale)
