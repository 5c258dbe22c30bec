"""Who gets the work and how long it waits: auto-assignment and waiting on the customer.

Read from the environment or ``botdesk.toml``:

* ``ASSIGNMENT`` — ``off`` (default), ``round_robin`` or ``least_loaded``;
* ``DEFAULT_CAPACITY`` — how many active tickets auto-assignment gives an operator whose
  capacity nobody set with ``/capacity`` (default 5);
* ``HAND_BACK`` — ``reassign`` (default) or ``unassign``: what /away and /offline do with
  the operator's open tickets;
* ``REASSIGN_AFTER`` — a duration such as ``30m``: an assigned ticket nobody answered in
  that time moves to the next operator (unset: never);
* ``[waiting]`` — ``nudge_after`` and ``auto_resolve_after``: a ticket waiting on the
  customer gets a polite reminder to them, then resolves itself (both unset: neither).

:class:`Workload` is the checked, typed form the use cases read from ``ctx.workload``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Protocol

from pydantic import BaseModel, ConfigDict, field_validator

from core.durations import DURATION_EXAMPLE, parse_duration
from core.enums import AssignmentMode, HandBack

#: the table name in botdesk.toml
WAITING_TABLE = "waiting"


def optional_duration(value: str) -> timedelta | None:
    """``""`` → None (not set); else :func:`~core.durations.parse_duration` (ValueError)."""
    return parse_duration(value) if value.strip() else None


class WaitingSettings(BaseModel):
    """``[waiting]``: the reminder to a customer the desk waits on, and the auto-resolve."""

    model_config = ConfigDict(extra="forbid")

    nudge_after: str = ""
    auto_resolve_after: str = ""

    @field_validator("nudge_after", "auto_resolve_after")
    @classmethod
    def _check_duration(cls, value: str) -> str:
        optional_duration(value)
        return value.strip()


def waiting_error(loc: list[str], problem: str) -> str:
    """The paragraph for a bad ``[waiting]`` key (``waiting.nudge_after``)."""
    key = ".".join([WAITING_TABLE, *loc]) if loc else WAITING_TABLE
    if problem.startswith("is not valid: extra inputs"):
        problem = "is not a key botdesk knows; [waiting] has nudge_after and auto_resolve_after"
    return (
        f"Configuration error: {key} {problem}. Write a duration, {DURATION_EXAMPLE}, "
        f"or leave it out to turn that step off."
    )


@dataclass(frozen=True, slots=True)
class Workload:
    """The checked assignment and waiting settings (see the module's docstring)."""

    assignment: AssignmentMode = AssignmentMode.OFF
    default_capacity: int = 5
    hand_back: HandBack = HandBack.REASSIGN
    reassign_after: timedelta | None = None
    nudge_after: timedelta | None = None
    auto_resolve_after: timedelta | None = None

    @property
    def assigns(self) -> bool:
        """Does the desk assign tickets on its own?"""
        return self.assignment is not AssignmentMode.OFF


class WorkloadSource(Protocol):
    """What :func:`workload_from_settings` reads (``core.config.Settings`` has it)."""

    assignment: str
    default_capacity: int
    hand_back: str
    reassign_after: str
    waiting: WaitingSettings


def workload_from_settings(settings: WorkloadSource) -> Workload:
    """The typed :class:`Workload` of checked ``settings`` (``core.config.Settings``)."""
    return Workload(
        assignment=AssignmentMode(settings.assignment),
        default_capacity=settings.default_capacity,
        hand_back=HandBack(settings.hand_back),
        reassign_after=optional_duration(settings.reassign_after),
        nudge_after=optional_duration(settings.waiting.nudge_after),
        auto_resolve_after=optional_duration(settings.waiting.auto_resolve_after),
    )
