"""The words of tasks and snooze in the operator group (translated where shown)."""

from __future__ import annotations

from core.i18n import _
from core.tickets.tasks import TaskAct, TaskProblem

CREATED = _("📌 {text} — {time} ({zone})")
MOVED = _("⏰ Moved to {time}: {text}")
DONE_BY = _("✅ Done: {text} ({name})")
ASK_TIME = _("✏ When instead? Reply to this message with the new time for: {text}")
TIME_USAGE = _(
    "I could not read a time there. Write {command} with a time first, for example: {examples}"
)
TIME_PAST = _("⛔ That time has passed. Name a time in the future.")
LIST_MINE = _("<b>Your open tasks</b> ({count})")
LIST_ALL = _("<b>All open tasks</b> ({count})")
NO_TASKS = _("No open tasks.")
OVERDUE = _("⚠ overdue")
TASKS_ALL_REFUSED = _("⛔ Only a senior operator or above may see everyone's tasks.")
SNOOZED = _("💤 Snoozed until {time} ({zone}): the ticket waits and wakes up by itself.")
SNOOZE_IN_TOPIC = _("Use /snooze inside a conversation's topic.")
SNOOZE_REFUSED = _("⛔ This ticket cannot be snoozed now (closed, or not yours to change).")

PROBLEMS = {
    TaskProblem.UNREADABLE: _("I could not read that time."),
    TaskProblem.PAST: TIME_PAST,
    TaskProblem.NO_TEXT: _("Write what to do after the time."),
    TaskProblem.TOO_LONG: _("⛔ That task is too long: keep it under 1000 characters."),
    TaskProblem.NOT_ALLOWED: _(
        "⛔ This is someone else's task: only its owner or a senior operator may change it."
    ),
    TaskProblem.NO_TASK: _("⛔ This button is not active any more."),
    TaskProblem.FINISHED: _("This task is done already."),
}
ANSWERS = {
    TaskAct.KEEP: _("👍 Kept."),
    TaskAct.EDIT: _("✏ Reply with the new time."),
    TaskAct.DONE: _("✅ Done."),
    TaskAct.HOUR: _("⏰ In an hour."),
    TaskAct.TOMORROW: _("⏰ Tomorrow."),
}
