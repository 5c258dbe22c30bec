"""``/report`` and ``/export`` in the operator group, for managers and admins.

* ``/report [today|yesterday|week|month|YYYY-MM-DD|YYYY-MM-DD..YYYY-MM-DD]`` answers
  with the period's chart and text (the text as the photo's caption when it fits in
  1024 characters, else the photo and then the text in reply to it), with buttons to
  switch the period (Today / Yesterday / Week / Month) and the view (Summary /
  Operators / Tags). A press redraws the answer in place, or sends a new one where
  Telegram can't edit it that way.
* ``/export [period]`` sends the period's CSV files (tickets, events, operators).

Everyone below manager is refused (and the refusal recorded). The figures, texts,
charts and files come from :mod:`core.reports`; charts are drawn in a worker thread
so a chart never holds up the desk's updates.
"""

from __future__ import annotations

import asyncio
import logging
import shutil
import tempfile
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated

from aiogram import Bot, F, Router
from aiogram.exceptions import TelegramBadRequest
from aiogram.filters import Command, CommandObject
from aiogram.filters.callback_data import CallbackData
from aiogram.types import (
    BufferedInputFile,
    CallbackQuery,
    FSInputFile,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    InputMediaPhoto,
    Message,
    User,
)
from pydantic import Field

from core.context import DeskContext
from core.i18n import Translator, _
from core.limits import operator_profile
from core.reports.access import may_see_reports
from core.reports.charts import chart_png
from core.reports.export import write_export
from core.reports.metrics import compute_metrics
from core.reports.period import Period, PeriodError, parse_period
from core.reports.summary import View, report_text
from core.reports.wording import CAPTION_LIMIT

log = logging.getLogger(__name__)

NOT_ALLOWED = _("⛔ Reports are for managers and admins.")
NOT_A_REPORT = _("⛔ This button does not belong to a report.")
PERIOD_BUTTONS = (
    ("today", _("Today")),
    ("yesterday", _("Yesterday")),
    ("week", _("Week")),
    ("month", _("Month")),
)
VIEW_BUTTONS = (
    (View.SUMMARY, _("Summary")),
    (View.OPERATORS, _("Operators")),
    (View.TAGS, _("Tags")),
)
#: the longest period text a button carries: ``YYYY-MM-DD..YYYY-MM-DD``
PERIOD_CHARS = 22


class ReportCallback(CallbackData, prefix="rpt"):
    """A report's button: the period (as typed, re-read on press) and the view."""

    period: Annotated[str, Field(min_length=1, max_length=PERIOD_CHARS, pattern=r"^[a-z0-9.\-]+$")]
    view: View


@dataclass(frozen=True, slots=True)
class Answer:
    """A drawn report: its HTML, its chart and its keyboard."""

    html: str
    png: bytes
    keyboard: InlineKeyboardMarkup


def keyboard(period: str, view: View, t: Translator) -> InlineKeyboardMarkup:
    """Periods on the first row, views on the second; the current ones marked with •."""

    def button(label: str, data: ReportCallback, current: bool) -> InlineKeyboardButton:
        text = f"• {t(label)}" if current else t(label)
        return InlineKeyboardButton(text=text, callback_data=data.pack())

    periods = [
        button(label, ReportCallback(period=word, view=view), word == period)
        for word, label in PERIOD_BUTTONS
    ]
    views = [
        button(label, ReportCallback(period=period, view=shown), shown is view)
        for shown, label in VIEW_BUTTONS
    ]
    return InlineKeyboardMarkup(inline_keyboard=[periods, views])


def build_reports_router(ctx: DeskContext, *, admin_ids: Iterable[int] = ()) -> Router:
    """Router of ``/report``, ``/export`` and the report buttons for ``ctx.group_chat_id``."""
    router = Router(name="reports")
    router.message.filter(F.chat.id == ctx.group_chat_id, F.from_user.is_bot.is_(False))
    router.callback_query.filter(F.message.chat.id == ctx.group_chat_id)
    admins = frozenset(admin_ids) | frozenset(ctx.admin_ids)
    t = Translator(ctx.locale)

    async def allowed(user: User, what: str) -> bool:
        profile = operator_profile(user.id, user.full_name, user.username)
        return await may_see_reports(profile, ctx, what=what, admins=admins)

    def period_of(text: str | None) -> Period:
        today = ctx.clock.now().astimezone(ctx.timezone).date()
        return parse_period(text, today, ctx.timezone)

    async def draw(period: Period, word: str, view: View) -> Answer:
        metrics = await compute_metrics(period, ctx)
        html = report_text(
            metrics, view, ctx.locale, group_chat_id=ctx.group_chat_id, now=ctx.clock.now()
        )
        png = await asyncio.to_thread(chart_png, metrics, view, ctx.locale)
        return Answer(html, png, keyboard(word, view, t))

    async def send(to: Message, answer: Answer) -> None:
        """Post ``answer`` beside ``to`` (in its topic): one photo, or a photo and a text."""
        photo = BufferedInputFile(answer.png, filename="report.png")
        if len(answer.html) <= CAPTION_LIMIT:
            await to.answer_photo(photo, caption=answer.html, reply_markup=answer.keyboard)
            return
        chart = await to.answer_photo(photo)
        await chart.reply(answer.html, reply_markup=answer.keyboard)

    @router.message(Command("report"))
    async def on_report(message: Message, command: CommandObject) -> None:
        assert message.from_user is not None
        if not await allowed(message.from_user, "/report"):
            await message.reply(t(NOT_ALLOWED))
            return
        word = " ".join((command.args or "").split()).lower() or "today"
        try:
            period = period_of(word)
        except PeriodError as error:
            await message.reply(error.text(ctx.locale))
            return
        # A typed range is carried by the buttons as its canonical label.
        carried = word if word in dict(PERIOD_BUTTONS) else period.label
        await send(message, await draw(period, carried, View.SUMMARY))

    @router.message(Command("export"))
    async def on_export(message: Message, command: CommandObject) -> None:
        assert message.from_user is not None
        if not await allowed(message.from_user, "/export"):
            await message.reply(t(NOT_ALLOWED))
            return
        try:
            period = period_of(" ".join((command.args or "").split()) or "today")
        except PeriodError as error:
            await message.reply(error.text(ctx.locale))
            return
        folder = Path(tempfile.mkdtemp(prefix="botdesk-export-"))
        try:
            metrics = await compute_metrics(period, ctx)
            for path in await write_export(metrics, folder):
                await message.answer_document(FSInputFile(path, filename=path.name))
        finally:
            shutil.rmtree(folder, ignore_errors=True)

    @router.callback_query(ReportCallback.filter())
    async def on_press(query: CallbackQuery, callback_data: ReportCallback, bot: Bot) -> None:
        pressed = query.message
        if (
            not isinstance(pressed, Message)
            or pressed.from_user is None
            or (pressed.from_user.id != bot.id)
        ):
            log.info("report button %r of %s refused: not on a report", query.data,
                     query.from_user.id)  # fmt: skip
            await query.answer(t(NOT_A_REPORT), show_alert=True)
            return
        if not await allowed(query.from_user, "report button"):
            await query.answer(t(NOT_ALLOWED), show_alert=True)
            return
        try:
            period = period_of(callback_data.period)
        except PeriodError as error:
            await query.answer(error.text(ctx.locale), show_alert=True)
            return
        answer = await draw(period, callback_data.period, callback_data.view)
        await query.answer()
        if not await redraw(bot, pressed, answer):
            await send(pressed, answer)

    async def redraw(bot: Bot, pressed: Message, answer: Answer) -> bool:
        """Edit the pressed report in place; False where it can't be (send a new one)."""
        photo = BufferedInputFile(answer.png, filename="report.png")
        try:
            if pressed.photo and len(answer.html) <= CAPTION_LIMIT:
                media = InputMediaPhoto(media=photo, caption=answer.html)
                await pressed.edit_media(media, reply_markup=answer.keyboard)
                return True
            chart = pressed.reply_to_message
            if pressed.text is None or chart is None or not chart.photo:
                return False
            await bot.edit_message_media(
                InputMediaPhoto(media=photo), chat_id=chart.chat.id, message_id=chart.message_id
            )
            await pressed.edit_text(answer.html, reply_markup=answer.keyboard)
            return True
        except TelegramBadRequest as error:  # e.g. too old to edit, or not modified
            log.info("report not redrawn in place: %s", error)
            return "not modified" in str(error)

    return router
