"""SLA policies: the targets per priority that botdesk.toml's ``[sla]`` sets, and durations.

A duration is written as whole numbers with units, largest first: ``30s``, ``15m``, ``4h``,
``2d``, ``1h30m``, ``1d 4h`` (``d`` is 24 hours, ``h`` 60 minutes, ``m`` 60 seconds). A
plain number such as ``90`` is refused: helpdesks disagree on whether it means seconds or
minutes, and a target off by a factor of sixty is worse than a start-up error. Zero, signs,
fractions and anything longer than :data:`MAX_DURATION` are refused too.

The table ``[sla]`` is read by :func:`sla_policies`; a mistake raises ``ConfigError`` whose
paragraph names the key (``sla.normal.first_response``) and shows the right form.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import timedelta
from types import MappingProxyType
from typing import Any

from core.config import ConfigError, Settings
from core.durations import format_duration, parse_duration
from core.enums import SlaClock, TicketPriority

_PERCENT_RE = re.compile(r"^([0-9]{1,2})\s*%$")


@dataclass(frozen=True)
class SlaTarget:
    """One clock's target: due ``duration`` after the clock starts.

    ``business_hours`` says whether the duration counts only the calendar's open hours
    (then ``8h`` is one working day) or all the time there is.
    """

    clock: SlaClock
    duration: timedelta
    business_hours: bool


@dataclass(frozen=True)
class SlaPolicy:
    """The targets for tickets of one priority; ``None`` means that clock has no target."""

    priority: TicketPriority
    first_response: timedelta | None = None
    next_response: timedelta | None = None
    resolution: timedelta | None = None
    business_hours: bool = True

    def target(self, clock: SlaClock) -> SlaTarget | None:
        """The target of ``clock`` under this policy, or ``None`` when it has none."""
        duration: timedelta | None = getattr(self, clock.value)
        if duration is None:
            return None
        return SlaTarget(clock, duration, self.business_hours)

    def targets(self) -> tuple[SlaTarget, ...]:
        """Every target this policy sets, in clock order."""
        return tuple(t for clock in SlaClock if (t := self.target(clock)) is not None)


@dataclass(frozen=True)
class SlaPolicies:
    """The policy of every priority and when warnings fire before a due time.

    Exactly one of ``warn_before`` (a fixed time) and ``warn_percent`` (a share of each
    target, 1-99) is set.
    """

    policies: Mapping[TicketPriority, SlaPolicy] = field(hash=False)
    warn_before: timedelta | None = None
    warn_percent: int | None = None

    def __post_init__(self) -> None:
        if (self.warn_before is None) == (self.warn_percent is None):
            raise ValueError("set exactly one of warn_before and warn_percent")
        # a read-only view: the defaults are shared by every caller
        object.__setattr__(self, "policies", MappingProxyType(dict(self.policies)))

    def policy(self, priority: TicketPriority) -> SlaPolicy:
        """The policy for ``priority`` (one without targets if none was configured)."""
        return self.policies.get(priority) or SlaPolicy(priority)

    def target(self, priority: TicketPriority, clock: SlaClock) -> SlaTarget | None:
        """The target of ``clock`` for a ticket of ``priority``, if there is one."""
        return self.policy(priority).target(clock)

    def warn_at(self, target: SlaTarget) -> timedelta:
        """How long before ``target`` falls due its warning fires (whole seconds).

        Counted the way the target is (business hours or not). Never more than the
        target itself: a target copied onto a ticket under an older configuration may be
        shorter than today's ``warn_before``, and then the warning fires at the start.
        """
        if self.warn_percent is not None:
            seconds = target.duration // timedelta(seconds=1)
            return timedelta(seconds=seconds * self.warn_percent // 100)
        assert self.warn_before is not None
        return min(self.warn_before, target.duration)

    def smallest_target(self) -> tuple[str, SlaTarget] | None:
        """The shortest target of all priorities with its key, e.g. ``sla.urgent.resolution``."""
        named = [
            (f"sla.{p.value}.{t.clock.value}", t)
            for p, policy in self.policies.items()
            for t in policy.targets()
        ]
        return min(named, key=lambda pair: pair[1].duration, default=None)


def _policy(priority: TicketPriority, targets: str, business_hours: bool) -> SlaPolicy:
    first, following, resolution = (parse_duration(t) for t in targets.split("/"))
    return SlaPolicy(priority, first, following, resolution, business_hours)


#: a warning a fifth of the target ahead: 3 minutes of 15, 48 of 4 hours
DEFAULT_WARN_PERCENT = 20
#: Used when botdesk.toml has no ``[sla]`` at all; README "SLA policies" says why.
DEFAULT_POLICIES = SlaPolicies(
    {
        TicketPriority.URGENT: _policy(TicketPriority.URGENT, "15m/15m/4h", False),
        TicketPriority.HIGH: _policy(TicketPriority.HIGH, "1h/1h/8h", True),
        TicketPriority.NORMAL: _policy(TicketPriority.NORMAL, "4h/4h/16h", True),
        TicketPriority.LOW: _policy(TicketPriority.LOW, "8h/8h/40h", True),
    },
    warn_percent=DEFAULT_WARN_PERCENT,
)


class SlaConfigError(ValueError):
    """A mistake under ``[sla]``: the dotted key, what is wrong, and the right form."""

    def __init__(self, key: str, problem: str, fix: str) -> None:
        super().__init__(key, problem, fix)
        self.key, self.problem, self.fix = key, problem, fix


_PRIORITY_NAMES = ", ".join(p.value for p in reversed(TicketPriority))
_PRIORITY_KEYS = ", ".join(c.value for c in SlaClock) + " or business_hours"


def _duration(key: str, value: Any) -> timedelta:
    name = key.rsplit(".", 1)[-1]
    fix = f'Write it as text with a unit, e.g. {name} = "4h", or leave it out for no target.'
    if isinstance(value, bool) or not isinstance(value, str | int | float):
        raise SlaConfigError(key, f"is {value!r}, which is not a duration", fix)
    try:
        return parse_duration(str(value))
    except ValueError as exc:
        raise SlaConfigError(key, str(exc), fix) from None


def _priority_policy(priority: TicketPriority, table: Any) -> SlaPolicy:
    key = f"sla.{priority.value}"
    if not isinstance(table, dict):
        raise SlaConfigError(
            key, "is not a table", f'Write it as [{key}] with first_response = "4h".'
        )
    for name in table:
        if name not in {c.value for c in SlaClock} | {"business_hours"}:
            raise SlaConfigError(
                f"{key}.{name}", "is not a key botdesk knows", f"Use {_PRIORITY_KEYS}."
            )
    durations = {
        c.value: _duration(f"{key}.{c.value}", table[c.value]) for c in SlaClock if c.value in table
    }
    business_hours = table.get("business_hours", DEFAULT_POLICIES.policy(priority).business_hours)
    if not isinstance(business_hours, bool):
        raise SlaConfigError(
            f"{key}.business_hours",
            f"is {business_hours!r}, which is neither true nor false",
            "Write business_hours = true (count only open hours) or false (round the clock).",
        )
    return SlaPolicy(priority, business_hours=business_hours, **durations)


def _warning(value: Any) -> tuple[timedelta | None, int | None]:
    fix = 'Use a time, e.g. warn_before = "15m", or a share of each target, e.g. "20%".'
    if isinstance(value, str) and "%" in value:
        found = _PERCENT_RE.match(value.strip())
        if found is None or not 1 <= int(found[1]) <= 99:
            raise SlaConfigError(
                "sla.warn_before", f"is {value!r}, not a percentage from 1% to 99%", fix
            )
        return None, int(found[1])
    return _duration("sla.warn_before", value), None


def policies_from_table(table: Any) -> SlaPolicies:
    """Build the policies from botdesk.toml's ``[sla]`` table (``None``: the defaults).

    Once ``[sla]`` is there it is the whole policy: a priority without its own table has
    no targets. Raise :class:`SlaConfigError` for the first mistake.
    """
    if table is None:
        return DEFAULT_POLICIES
    if not isinstance(table, dict):
        raise SlaConfigError("sla", "is not a table", 'Write it as [sla] with warn_before = "15m".')
    by_name = {p.value: p for p in TicketPriority}
    for name, value in table.items():
        if name == "warn_before" or name in by_name:
            continue
        if isinstance(value, dict):
            raise SlaConfigError(f"sla.{name}", "is not a priority", f"Use {_PRIORITY_NAMES}.")
        raise SlaConfigError(
            f"sla.{name}",
            "is not a key botdesk knows",
            f"[sla] takes warn_before and the tables {_PRIORITY_NAMES}.",
        )
    policies = {p: _priority_policy(p, table[p.value]) for p in TicketPriority if p.value in table}
    warn_before: timedelta | None = None
    warn_percent: int | None = DEFAULT_WARN_PERCENT
    if "warn_before" in table:
        warn_before, warn_percent = _warning(table["warn_before"])
    result = SlaPolicies(policies, warn_before, warn_percent)
    smallest = result.smallest_target()
    if warn_before is not None and smallest is not None and warn_before >= smallest[1].duration:
        raise SlaConfigError(
            "sla.warn_before",
            f"is {format_duration(warn_before)}, not shorter than the smallest target "
            f"({smallest[0]} = {format_duration(smallest[1].duration)}), so the warning "
            f"could never come before the due time",
            f"Use a shorter time, e.g. warn_before = "
            f'"{format_duration(max(smallest[1].duration // 2, timedelta(seconds=1)))}", '
            'or a share of each target, e.g. "20%".',
        )
    return result


def sla_policies(settings: Settings) -> SlaPolicies:
    """The SLA policies ``settings`` configure; raise ``ConfigError`` naming a bad key."""
    try:
        return policies_from_table(settings.sla)
    except SlaConfigError as bad:
        raise ConfigError(
            f"Configuration error: {bad.key} in botdesk.toml {bad.problem}. {bad.fix} "
            f"The README's section SLA policies lists every key."
        ) from None
