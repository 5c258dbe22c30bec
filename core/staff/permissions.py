"""Who may do what in the operator group: roles, actions and the one rule table.

Roles are ordered: ``agent`` < ``senior`` < ``manager`` < ``admin``; each role may do
everything the roles below it may. Some actions of an agent are limited to tickets the
agent owns (or that nobody owns yet); a senior may do them on any ticket.
"""

from __future__ import annotations

from enum import StrEnum

from core.enums import OperatorRole, TicketStatus

ROLE_ORDER: dict[OperatorRole, int] = {
    OperatorRole.AGENT: 0,
    OperatorRole.SENIOR: 1,
    OperatorRole.MANAGER: 2,
    OperatorRole.ADMIN: 3,
}


class Action(StrEnum):
    """Everything in the workflow that needs a permission check."""

    TAKE = "take"
    REPLY = "reply"
    NOTE = "note"
    SET_WAITING = "set_waiting"
    SET_RESOLVED = "set_resolved"
    SET_PRIORITY = "set_priority"
    TAG = "tag"
    USE_TEMPLATE = "use_template"
    SHIFT = "shift"
    ASSIGN = "assign"
    UNASSIGN = "unassign"
    CLOSE = "close"
    REOPEN = "reopen"
    BAN = "ban"
    REPORTS = "reports"
    MANAGE_ROLES = "manage_roles"
    MANAGE_TAGS = "manage_tags"
    MANAGE_TEMPLATES = "manage_templates"
    #: press the buttons of someone else's follow-up task, list everyone's (/tasks all)
    OTHERS_TASKS = "others_tasks"


#: The least role that may take each action.
MIN_ROLE: dict[Action, OperatorRole] = {
    Action.TAKE: OperatorRole.AGENT,
    Action.REPLY: OperatorRole.AGENT,
    Action.NOTE: OperatorRole.AGENT,
    Action.SET_WAITING: OperatorRole.AGENT,
    Action.SET_RESOLVED: OperatorRole.AGENT,
    Action.SET_PRIORITY: OperatorRole.AGENT,
    Action.TAG: OperatorRole.AGENT,
    Action.USE_TEMPLATE: OperatorRole.AGENT,
    Action.SHIFT: OperatorRole.AGENT,
    Action.ASSIGN: OperatorRole.SENIOR,
    Action.UNASSIGN: OperatorRole.SENIOR,
    Action.CLOSE: OperatorRole.SENIOR,
    Action.REOPEN: OperatorRole.SENIOR,
    Action.BAN: OperatorRole.SENIOR,
    Action.REPORTS: OperatorRole.MANAGER,
    Action.MANAGE_ROLES: OperatorRole.ADMIN,
    Action.MANAGE_TAGS: OperatorRole.ADMIN,
    Action.MANAGE_TEMPLATES: OperatorRole.ADMIN,
    Action.OTHERS_TASKS: OperatorRole.SENIOR,
}

#: Actions an agent may take only on a ticket they own or that nobody owns.
OWN_TICKET_ONLY: frozenset[Action] = frozenset(
    {Action.SET_WAITING, Action.SET_RESOLVED, Action.SET_PRIORITY, Action.TAG}
)


def at_least(role: OperatorRole, minimum: OperatorRole) -> bool:
    """True if ``role`` is ``minimum`` or above it."""
    return ROLE_ORDER[role] >= ROLE_ORDER[minimum]


def allowed(role: OperatorRole, action: Action, *, owns_ticket: bool = True) -> bool:
    """May an operator with ``role`` take ``action`` (on a ticket they own or not)?"""
    if not at_least(role, MIN_ROLE[action]):
        return False
    if action in OWN_TICKET_ONLY and not owns_ticket:
        return at_least(role, OperatorRole.SENIOR)
    return True


def needed_role(role: OperatorRole, action: Action) -> OperatorRole:
    """The least role that would have been allowed ``action`` where ``role`` was refused.

    A refusal of someone who already holds the action's role can only come from the
    own-ticket rule, which a senior is not bound by.
    """
    minimum = MIN_ROLE[action]
    if not at_least(role, minimum):
        return minimum
    return OperatorRole.SENIOR if action in OWN_TICKET_ONLY else minimum


def permitted(role: OperatorRole, *, owns_ticket: bool) -> frozenset[Action]:
    """Every action ``role`` may take on a ticket (owned by the operator or not)."""
    return frozenset(a for a in Action if allowed(role, a, owns_ticket=owns_ticket))


#: The statuses an operator may set, and the permission each needs.
STATUS_ACTIONS: dict[TicketStatus, Action] = {
    TicketStatus.OPEN: Action.SET_WAITING,
    TicketStatus.WAITING: Action.SET_WAITING,
    TicketStatus.RESOLVED: Action.SET_RESOLVED,
    TicketStatus.CLOSED: Action.CLOSE,
}


def status_action(current: TicketStatus, target: TicketStatus) -> Action | None:
    """The permission moving a ticket from ``current`` to ``target`` needs (None: never).

    Opening a resolved ticket again is a reopen, which needs more than resolving it did.
    """
    action = STATUS_ACTIONS.get(target)
    if action is not None and current == TicketStatus.RESOLVED and target == TicketStatus.OPEN:
        return Action.REOPEN
    return action
