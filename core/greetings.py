"""What a customer is told before any operator is involved: the greeting and the help.

Both channels (Telegram and VK) use these, so the words live in core, translated with
the customer's own locale. Names come from the customer and are HTML-escaped, because
the channels send these texts as formatted (HTML) messages.
"""

from __future__ import annotations

from html import escape

from core.i18n import Translator


def greeting(locale: str | None, *, first_name: str | None, company: str) -> str:
    """The reply to ``/start``: who the customer is talking to and how to ask for help."""
    t = Translator(locale)
    name = escape(first_name or "") or t("there")
    return t(
        "Hello, {name}! You are writing to <b>{company}</b> support.\n\n"
        "Just describe your question here, in one message or several. Text, photos, "
        "videos, files and voice messages all work. We will answer you in this chat.",
        name=name,
        company=escape(company),
    )


def help_text(locale: str | None, *, company: str) -> str:
    """The reply to ``/help``: how this chat works."""
    t = Translator(locale)
    return t(
        "This is the support chat of <b>{company}</b>.\n\n"
        "Write your question as a normal message; you can attach photos, files, voice "
        "messages or your location. Every message reaches our support team, and the "
        "answer comes back here.",
        company=escape(company),
    )
