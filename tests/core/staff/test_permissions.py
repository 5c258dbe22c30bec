"""The permission table: roles are ordered and agents are limited to their own tickets."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from core.enums import OperatorRole, TicketStatus
from core.staff.permissions import (
    MIN_ROLE,
    Action,
    allowed,
    at_least,
    needed_role,
    permitted,
    status_action,
)

ROLES = list(OperatorRole)


@pytest.mark.parametrize(
    ("role", "action", "owns", "expected"),
    [
        (OperatorRole.AGENT, Action.TAKE, False, True),
        (OperatorRole.AGENT, Action.SET_RESOLVED, True, True),
        (OperatorRole.AGENT, Action.SET_RESOLVED, False, False),
        (OperatorRole.SENIOR, Action.SET_RESOLVED, False, True),
        (OperatorRole.AGENT, Action.ASSIGN, True, False),
        (OperatorRole.SENIOR, Action.CLOSE, False, True),
        (OperatorRole.SENIOR, Action.REPORTS, True, False),
        (OperatorRole.MANAGER, Action.REPORTS, True, True),
        (OperatorRole.MANAGER, Action.MANAGE_TEMPLATES, True, False),
        (OperatorRole.ADMIN, Action.MANAGE_ROLES, True, True),
    ],
)
def test_rule_table(role: OperatorRole, action: Action, owns: bool, expected: bool) -> None:
    assert allowed(role, action, owns_ticket=owns) is expected


@given(st.sampled_from(ROLES), st.sampled_from(ROLES), st.sampled_from(list(Action)), st.booleans())
def test_a_higher_role_may_do_whatever_a_lower_one_may(
    low: OperatorRole, high: OperatorRole, action: Action, owns: bool
) -> None:
    if at_least(high, low) and allowed(low, action, owns_ticket=owns):
        assert allowed(high, action, owns_ticket=owns)


def test_every_action_has_a_minimum_role() -> None:
    assert set(MIN_ROLE) == set(Action)


@pytest.mark.parametrize(
    ("role", "action", "needed"),
    [
        (OperatorRole.AGENT, Action.ASSIGN, OperatorRole.SENIOR),
        (OperatorRole.AGENT, Action.CLOSE, OperatorRole.SENIOR),
        (OperatorRole.AGENT, Action.SET_RESOLVED, OperatorRole.SENIOR),  # someone else's ticket
        (OperatorRole.SENIOR, Action.REPORTS, OperatorRole.MANAGER),
        (OperatorRole.MANAGER, Action.MANAGE_TAGS, OperatorRole.ADMIN),
    ],
)
def test_a_refusal_names_the_least_role_that_may(
    role: OperatorRole, action: Action, needed: OperatorRole
) -> None:
    assert needed_role(role, action) is needed
    assert allowed(needed, action, owns_ticket=False)


@given(st.sampled_from(ROLES), st.sampled_from(list(Action)), st.booleans())
def test_needed_role_is_enough_and_the_least(
    role: OperatorRole, action: Action, owns: bool
) -> None:
    if allowed(role, action, owns_ticket=owns):
        return
    needed = needed_role(role, action)
    assert allowed(needed, action, owns_ticket=owns)
    assert not at_least(role, needed)
    assert (action in permitted(needed, owns_ticket=owns)) is True


def test_status_moves_need_their_own_permission() -> None:
    assert status_action(TicketStatus.OPEN, TicketStatus.CLOSED) is Action.CLOSE
    assert status_action(TicketStatus.RESOLVED, TicketStatus.OPEN) is Action.REOPEN
    assert status_action(TicketStatus.NEW, TicketStatus.OPEN) is Action.SET_WAITING
    assert status_action(TicketStatus.OPEN, TicketStatus.NEW) is None
    agent = permitted(OperatorRole.AGENT, owns_ticket=True)
    assert Action.SET_RESOLVED in agent and Action.CLOSE not in agent
