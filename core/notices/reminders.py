"""Reminders of follow-up tasks and wake-ups of snoozed tickets, told in the group.

The scheduler fires ``task_reminder`` and ``snooze_wake`` deadlines; the handlers here
change the rows (:func:`core.tickets.tasks.remind`, :func:`core.tickets.wake.wake_up`) and
queue what people see, in the claim's transaction, so each is told exactly once:

* a reminder goes to the ticket's topic (a personal task's to General), mentions the
  task's owner and carries the buttons Done / +1 h / Tomorrow;
* a woken ticket gets a note in its topic mentioning its assignee (nobody's: the
  operators on shift; nobody on shift: it only says the ticket is back).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from html import escape

from tortoise.backends.base.client import BaseDBAsyncClient

from core.context import DeskContext
from core.entities import Choice
from core.i18n import _
from core.messaging.mirroring import TopicOperation
from core.messaging.topics import in_topic
from core.messaging.usecase import notice_text, post_notice
from core.models import Deadline, Operator, Task, Ticket
from core.notices.sla import mention, mentions
from core.outbox import Completion, Job
from core.outbox.queues import enqueue_on, general_queue, topic_queue
from core.tickets.task_time import shown_time
from core.tickets.tasks import TASK_REMINDER, TaskAct, press_data, remind
from core.tickets.wake import SNOOZE_WAKE, wake_up
from core.timers.scheduler import Handler

#: the outbox operation that posts a reminder with its buttons
POST_REMINDER = "post_reminder"

REMINDER = _("⏰ Reminder for {owner}: {text}")
DONE_BUTTON = _("✅ Done")
HOUR_BUTTON = _("+1 h")
TOMORROW_BUTTON = _("Tomorrow")
WOKE_FOR = _("⏰ Snooze is over: #{number} is open again — {people}")
WOKE_ALONE = _("⏰ Snooze is over: #{number} is open again.")


def reminder_buttons(ctx: DeskContext, task_id: int) -> list[Choice]:
    """Done / +1 h / Tomorrow for task ``task_id``."""
    return [
        Choice(notice_text(ctx, DONE_BUTTON), press_data(TaskAct.DONE, task_id)),
        Choice(notice_text(ctx, HOUR_BUTTON), press_data(TaskAct.HOUR, task_id)),
        Choice(notice_text(ctx, TOMORROW_BUTTON), press_data(TaskAct.TOMORROW, task_id)),
    ]


def reminder_handlers(ctx: DeskContext) -> dict[str, Handler]:
    """The scheduler's handlers of task reminders and snooze wake-ups, by kind."""

    async def task_due(connection: BaseDBAsyncClient, deadline: Deadline, now: datetime) -> None:
        task = await remind(connection, int(deadline.payload["task"]), now)
        if task is None:  # done, moved or reminded already
            return
        ticket = await Ticket.filter(id=task.ticket_id).using_db(connection).first()
        queue = (
            topic_queue(ctx.group_chat_id, ticket.conversation_id)
            if ticket is not None
            else general_queue(ctx.group_chat_id)
        )
        payload = {"task": task.id}
        await enqueue_on(queue, POST_REMINDER, payload, now=now, using_db=connection)

    async def snooze_over(connection: BaseDBAsyncClient, deadline: Deadline, now: datetime) -> None:
        ticket = await wake_up(connection, ctx, int(deadline.payload["ticket"]), now)
        if ticket is None:
            return
        people: list[Operator] = []
        if ticket.assignee_id is not None:
            people = await Operator.filter(id=ticket.assignee_id).using_db(connection)
        if not people:
            people = await Operator.filter(on_shift=True).using_db(connection).order_by("id")
        if people:
            text = notice_text(
                ctx, WOKE_FOR, number=ticket.number, people=mentions(people, ctx.locale)
            )
        else:
            text = notice_text(ctx, WOKE_ALONE, number=ticket.number)
        await post_notice(connection, ctx, ticket.conversation_id, text)

    return {TASK_REMINDER: task_due, SNOOZE_WAKE: snooze_over}


class PostReminder(TopicOperation):
    """Post a task's reminder with its buttons (in its ticket's topic, or in General)."""

    async def run(self, jobs: Sequence[Job]) -> Completion | None:
        task = await Task.get_or_none(id=int(jobs[0].payload["task"]))
        if task is None or task.done_at is not None:
            return None  # done in the meantime: nothing to remind of
        owner = await Operator.get(id=task.owner_id)
        text = notice_text(self.ctx, REMINDER, owner=mention(owner), text=escape(task.text))
        text += "\n" + escape(shown_time(task.due_at, self.ctx.timezone, self.ctx.locale))
        choices = reminder_buttons(self.ctx, task.id)
        ticket = await Ticket.get_or_none(id=task.ticket_id) if task.ticket_id else None
        if ticket is None:
            await self.ports.desk.post_choices(None, text, choices, reply_to=None)
            return None

        async def send(thread_id: int) -> int:
            return await self.ports.desk.post_choices(thread_id, text, choices, reply_to=None)

        await in_topic(self.ports, self.ctx, ticket.conversation_id, send)
        return None
