"""Template commands in the operator group: ``/tpl`` for everyone, ``/template`` for admins.

* ``/tpl <name>`` in a conversation's topic sends the template to that customer: the
  desk posts the rendered text in the topic, and that message is delivered. ``/tpl``
  alone lists the templates as buttons; tapping one sends it.
* ``/template save <name> [language]`` as a reply to any message (text or file) saves
  it; ``/template list``; ``/template delete <name> [language]``.

The router accepts only the operator group (filter on the router). The rules live in
:mod:`core.tickets.templates`; the mapping of a Telegram message to content is injected by the
composition root, so this package depends on core only.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from html import escape
from typing import Annotated

from aiogram import F, Router
from aiogram.filters import Command, CommandObject
from aiogram.filters.callback_data import CallbackData
from aiogram.types import CallbackQuery, InlineKeyboardMarkup, Message
from aiogram.utils.keyboard import InlineKeyboardBuilder
from pydantic import Field

from core.context import DeskContext
from core.entities import Content, OperatorProfile
from core.enums import MessageKind
from core.i18n import Translator, _
from core.limits import max_length
from core.models import Template
from core.relay.template_posting import use_template
from core.tickets.templates import (
    Result,
    TemplateInfo,
    delete_template,
    list_templates,
    save_template,
)

log = logging.getLogger(__name__)

FILE_KINDS = frozenset(
    {
        MessageKind.PHOTO,
        MessageKind.VIDEO,
        MessageKind.ANIMATION,
        MessageKind.DOCUMENT,
        MessageKind.AUDIO,
        MessageKind.VOICE,
    }
)
USAGE = _(
    "Usage: /template save <name> [language] (as a reply to the message to save), "
    "/template list, /template delete <name> [language]."
)


class TemplateCallback(CallbackData, prefix="tpl"):
    """A template button of the ``/tpl`` list (a forged name longer than a column is none)."""

    name: Annotated[str, Field(min_length=1, max_length=max_length(Template, "name"))]


def render_result(result: Result, t: Translator) -> str:
    """A use case's result as a short HTML reply."""
    params = {key: escape(str(value)) for key, value in result.params.items()}
    return t(result.message, **params)


def render_list(templates: Iterable[TemplateInfo], t: Translator) -> str:
    """The ``/template list`` reply: each name with its languages (📎: with a file)."""
    languages: dict[str, list[str]] = {}
    files: set[str] = set()
    for info in templates:
        languages.setdefault(info.name, []).append(info.language or "*")
        if info.has_attachment:
            files.add(info.name)
    if not languages:
        return t(_("No templates yet. Reply to a message with /template save NAME to add one."))
    lines = [t(_("Templates:"))]
    for name, langs in languages.items():
        mark = " 📎" if name in files else ""
        lines.append(f"• <code>{escape(name)}</code> ({', '.join(langs)}){mark}")
    return "\n".join(lines)


def template_keyboard(names: Iterable[str]) -> InlineKeyboardMarkup:
    """One button per template name, two in a row."""
    builder = InlineKeyboardBuilder()
    for name in names:
        builder.button(text=name, callback_data=TemplateCallback(name=name))
    builder.adjust(2)
    return builder.as_markup()


def _profile(user_id: int, name: str, username: str | None) -> OperatorProfile:
    return OperatorProfile(telegram_id=user_id, name=name, username=username)


def build_templates_router(
    ctx: DeskContext,
    *,
    to_content: Callable[[Message], Content],
    company: str,
    admin_ids: Iterable[int] = (),
) -> Router:
    """Router of the template commands and buttons for the group ``ctx.group_chat_id``."""
    router = Router(name="templates")
    router.message.filter(F.chat.id == ctx.group_chat_id, F.from_user.is_bot.is_(False))
    router.callback_query.filter(F.message.chat.id == ctx.group_chat_id)
    admins = frozenset(admin_ids)
    t = Translator(ctx.locale)

    async def send(actor: OperatorProfile, thread_id: int | None, name: str) -> Result:
        if thread_id is None:
            return Result(False, _("Templates are used in a conversation's topic."))
        return await use_template(actor, thread_id, name, company=company, ctx=ctx, admins=admins)

    @router.message(Command("tpl"))
    async def on_tpl(message: Message, command: CommandObject) -> None:
        assert message.from_user is not None
        user = message.from_user
        name = (command.args or "").strip()
        if not name:
            names = sorted({info.name for info in await list_templates()})
            if not names:
                await message.reply(render_list((), t))
                return
            await message.reply(t(_("Choose a template:")), reply_markup=template_keyboard(names))
            return
        actor = _profile(user.id, user.full_name, user.username)
        thread_id = message.message_thread_id if message.is_topic_message else None
        result = await send(actor, thread_id, name)
        log.info("template %s used by %s: %s", name, user.id, result.ok)
        if not result.ok:
            await message.reply(render_result(result, t))

    @router.callback_query(TemplateCallback.filter())
    async def on_button(query: CallbackQuery, callback_data: TemplateCallback) -> None:
        user, shown = query.from_user, query.message
        thread_id = None
        if isinstance(shown, Message) and shown.is_topic_message:
            thread_id = shown.message_thread_id
        actor = _profile(user.id, user.full_name, user.username)
        result = await send(actor, thread_id, callback_data.name)
        await query.answer(render_result(result, t), show_alert=not result.ok)

    @router.message(Command("template"))
    async def on_template(message: Message, command: CommandObject) -> None:
        assert message.from_user is not None
        user = message.from_user
        actor = _profile(user.id, user.full_name, user.username)
        words = (command.args or "").split()
        verb, rest = (words[0].lower(), words[1:]) if words else ("", [])
        if verb == "list" and not rest:
            await message.reply(render_list(await list_templates(), t))
        elif verb == "delete" and 1 <= len(rest) <= 2:
            language = rest[1] if len(rest) == 2 else ""
            result = await delete_template(actor, rest[0], language, ctx=ctx, admins=admins)
            await message.reply(render_result(result, t))
        elif verb == "save" and 1 <= len(rest) <= 2:
            await message.reply(render_result(await _save(message, actor, rest), t))
        else:
            await message.reply(escape(t(USAGE)))

    async def _save(message: Message, actor: OperatorProfile, args: list[str]) -> Result:
        source = message.reply_to_message
        # In a topic, a message that replies to nothing "replies" to the topic's start.
        if source is None or source.forum_topic_created is not None:
            return Result(False, _("Reply with this command to the message to save."))
        content = to_content(source)
        attachment = content.attachments[0] if content.kind in FILE_KINDS else None
        return await save_template(
            actor,
            args[0],
            args[1] if len(args) == 2 else "",
            text=content.text,
            html=content.html,
            attachment=attachment,
            ctx=ctx,
            admins=admins,
        )

    return router
