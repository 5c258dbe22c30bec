"""The permission table: roles are ordered and agents are limited to their own tickets."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from core.enums import OperatorRole
from core.permissions import MIN_ROLE, Action, allowed, at_least

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
