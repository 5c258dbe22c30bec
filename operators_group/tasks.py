"""``/task``, ``/tasks``, ``/snooze`` and the buttons of tasks and their reminders.

* ``/task <when> <text>`` in a topic (the ticket's task) or in General (a personal one):
  the answer shows the time read, in the desk's zone, with ✓ (fine, buttons go) and ✏
  (the bot asks for a new time; a reply to that question moves the task).
* ``/tasks`` lists one's own open tasks, overdue first; ``/tasks all`` everyone's
  (seniors and above).
* ``/snooze <when>`` in a topic: the ticket waits until then.
* The reminder's Done / +1 h / Tomorrow (posted by ``core.notices.reminders``).

The rules live in :mod:`core.tickets.tasks`, :mod:`core.tickets.task_lists` and
:mod:`core.tickets.snooze`; this only maps updates and renders answers.
"""

from __future__ import annotations

import logging
from html import escape
from typing import Any

from aiogram import Bot, F, Router
from aiogram.exceptions import TelegramAPIError
from aiogram.filters import Command, CommandObject
from aiogram.types import CallbackQuery, InlineKeyboardButton, InlineKeyboardMarkup, Message

from core.context import DeskContext
from core.entities import OperatorProfile
from core.enums import OperatorRole
from core.i18n import Translator
from core.limits import operator_profile
from core.models import Operator
from core.notices.sla import topic_link
from core.staff.permissions import Action, allowed
from core.tickets.snooze import snooze
from core.tickets.task_lists import open_tasks
from core.tickets.task_time import Unread, shown_time, zone_name
from core.tickets.tasks import (
    TaskAct,
    TaskProblem,
    TaskResult,
    create_task,
    move_task,
    parse_press,
    press_data,
    press_task,
    remember_prompt,
    task_asked_at,
)
from core.when import examples
from operators_group.desk import DESK_CHOICE_PREFIX
from operators_group.task_words import (
    ANSWERS,
    ASK_TIME,
    CREATED,
    DONE_BY,
    LIST_ALL,
    LIST_MINE,
    MOVED,
    NO_TASKS,
    OVERDUE,
    PROBLEMS,
    SNOOZE_IN_TOPIC,
    SNOOZE_REFUSED,
    SNOOZED,
    TASKS_ALL_REFUSED,
    TIME_PAST,
    TIME_USAGE,
)

log = logging.getLogger(__name__)


def _actor(user: Any) -> OperatorProfile:
    return operator_profile(user.id, user.full_name, user.username)


def _thread(message: Message) -> int | None:
    return message.message_thread_id if message.is_topic_message else None


def build_tasks_router(ctx: DeskContext) -> Router:
    """Router of the task and snooze commands and buttons in ``ctx.group_chat_id``."""
    router = Router(name="tasks")
    router.message.filter(F.chat.id == ctx.group_chat_id, F.from_user.is_bot.is_(False))
    router.callback_query.filter(
        F.message.chat.id == ctx.group_chat_id, F.data.startswith(DESK_CHOICE_PREFIX + "task-")
    )
    t = Translator(ctx.locale)

    def when(result: TaskResult) -> str:
        assert result.due_at is not None
        return shown_time(result.due_at, ctx.timezone, ctx.locale)

    def usage(command: str) -> str:
        shown = ", ".join(f"<code>{escape(e)}</code>" for e in examples(ctx.locale))
        return t(TIME_USAGE, command=command, examples=shown)

    def problem_text(problem: TaskProblem, command: str) -> str:
        if problem in (TaskProblem.UNREADABLE, TaskProblem.NO_TEXT):
            return usage(command)
        return t(TIME_PAST) if problem is TaskProblem.PAST else t(PROBLEMS[problem])

    def keep_or_edit(task_id: int) -> InlineKeyboardMarkup:
        buttons = [
            InlineKeyboardButton(
                text=label, callback_data=DESK_CHOICE_PREFIX + press_data(act, task_id)
            )
            for label, act in (("✓", TaskAct.KEEP), ("✏", TaskAct.EDIT))
        ]
        return InlineKeyboardMarkup(inline_keyboard=[buttons])

    @router.message(Command("task"))
    async def on_task(message: Message, command: CommandObject) -> None:
        assert message.from_user is not None
        text = command.args or ""
        result = await create_task(
            ctx, _actor(message.from_user), _thread(message), text, message.message_id
        )
        if result.problem is not None or result.task_id is None:
            await message.reply(problem_text(result.problem or TaskProblem.NO_TASK, "/task"))
            return
        if result.answered:  # redelivered after a restart: the 📌 answer is there already
            return
        shown = t(
            CREATED, text=escape(result.text), time=when(result), zone=zone_name(ctx.timezone)
        )
        sent = await message.reply(shown, reply_markup=keep_or_edit(result.task_id))
        await remember_prompt(result.task_id, sent.message_id)

    @router.message(Command("tasks"))
    async def on_tasks(message: Message, command: CommandObject) -> None:
        assert message.from_user is not None
        everyone = (command.args or "").strip().lower() == "all"
        if everyone:
            me = await Operator.filter(telegram_id=message.from_user.id).first()
            role = OperatorRole(me.role) if me is not None else OperatorRole.AGENT
            if message.from_user.id not in ctx.admin_ids and not allowed(role, Action.OTHERS_TASKS):
                log.warning("/tasks all refused to %s (%s)", message.from_user.id, role)
                await message.reply(t(TASKS_ALL_REFUSED))
                return
        now = ctx.clock.now()
        lines, total = await open_tasks(None if everyone else message.from_user.id, now)
        if not lines:
            await message.reply(t(NO_TASKS))
            return
        shown = [t(LIST_ALL if everyone else LIST_MINE, count=total)]
        for line in lines:
            mark = t(OVERDUE) + " " if line.overdue else ""
            row = f"{mark}{shown_time(line.due_at, ctx.timezone, ctx.locale)} — {escape(line.text)}"
            if line.thread_id is not None:
                link = topic_link(ctx.group_chat_id, line.thread_id)
                row += f' · <a href="{escape(link)}">#{line.ticket_number}</a>'
            if everyone:
                row += f" · {escape(line.owner)}"
            shown.append(row)
        await message.reply("\n".join(shown))

    @router.message(Command("snooze"))
    async def on_snooze(message: Message, command: CommandObject) -> None:
        assert message.from_user is not None
        result = await snooze(ctx, _actor(message.from_user), _thread(message), command.args or "")
        if result.unread is not None:
            text = t(TIME_PAST) if result.unread is Unread.PAST else usage("/snooze")
        elif result.no_ticket:
            text = t(SNOOZE_IN_TOPIC)
        elif result.until is None:
            text = t(SNOOZE_REFUSED)
        else:
            until = shown_time(result.until, ctx.timezone, ctx.locale)
            text = t(SNOOZED, time=until, zone=zone_name(ctx.timezone))
        await message.reply(text)

    async def asked(message: Message, bot: Bot) -> dict[str, int] | bool:
        """A reply to the bot's ✏ question about a task (the task's id, for the handler)."""
        replied = message.reply_to_message
        if replied is None or replied.from_user is None or replied.from_user.id != bot.id:
            return False
        task_id = await task_asked_at(replied.message_id)
        return {"task_id": task_id} if task_id is not None else False

    @router.message(asked)
    async def on_new_time(message: Message, task_id: int) -> None:
        assert message.from_user is not None
        result = await move_task(ctx, _actor(message.from_user), task_id, message.text or "")
        if result.problem is not None:
            await message.reply(problem_text(result.problem, "✏"))
            return
        await message.reply(t(MOVED, text=escape(result.text), time=when(result)))

    @router.callback_query()
    async def on_press(query: CallbackQuery, bot: Bot) -> None:
        pressed = parse_press((query.data or "").removeprefix(DESK_CHOICE_PREFIX))
        if pressed is None or not isinstance(query.message, Message):
            log.info("task button %r of %s refused: malformed", query.data, query.from_user.id)
            await query.answer(t(PROBLEMS[TaskProblem.NO_TASK]), show_alert=True)
            return
        act, task_id = pressed
        result = await press_task(ctx, _actor(query.from_user), act, task_id)
        if result.problem is not None:
            await query.answer(t(PROBLEMS[result.problem]), show_alert=True)
            return
        await query.answer(t(ANSWERS[act]))
        name = escape(query.from_user.full_name)
        try:
            if act is TaskAct.KEEP:
                await query.message.edit_reply_markup(reply_markup=None)
            elif act is TaskAct.EDIT:
                question = await query.message.reply(t(ASK_TIME, text=escape(result.text)))
                await remember_prompt(task_id, question.message_id)
            elif act is TaskAct.DONE:
                text = t(DONE_BY, text=escape(result.text), name=name)
                await query.message.edit_text(text, reply_markup=None)
            else:
                text = t(MOVED, text=escape(result.text), time=when(result))
                await query.message.edit_text(text, reply_markup=None)
        except TelegramAPIError as exc:  # the message is gone: the change stands
            log.info("task message not updated: %s", exc)

    return router


__all__ = ["build_tasks_router"]
