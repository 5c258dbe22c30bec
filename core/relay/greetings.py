"""What a customer is told before any operator is involved: the greeting and the help.

Both channels (Telegram and VK) use these, so the words live in core, translated with
the customer's own locale. Names come from the customer and are HTML-escaped, because
the channels send these texts as formatted (HTML) messages.

``COMPANY_NAME`` is optional: without it the texts speak of "our support team" instead
of a made-up name, and with it the name stands on its own ("the support team of Acme"),
so no name doubles a word ("Support support") in any language.
"""

from __future__ import annotations

from html import escape

from core.i18n import Translator, _

_HOW_TO_ASK = _(
    "Just describe your question here, in one message or several. Text, photos, "
    "videos, files and voice messages all work. We will answer you in this chat."
)
_HOW_IT_WORKS = _(
    "Write your question as a normal message; you can attach photos, files, voice "
    "messages or your location. Every message reaches our support team, and the "
    "answer comes back here."
)


def greeting(locale: str | None, *, first_name: str | None, company: str) -> str:
    """The reply to ``/start``: who the customer is talking to and how to ask for help."""
    t = Translator(locale)
    name = escape(first_name or "") or t("there")
    if company:
        hello = t(
            "Hello, {name}! You are writing to the support team of <b>{company}</b>.",
            name=name,
            company=escape(company),
        )
    else:
        hello = t("Hello, {name}! You are writing to our support team.", name=name)
    return f"{hello}\n\n{t(_HOW_TO_ASK)}"


def help_text(locale: str | None, *, company: str) -> str:
    """The reply to ``/help``: how this chat works."""
    t = Translator(locale)
    if company:
        intro = t("This is the support chat of <b>{company}</b>.", company=escape(company))
    else:
        intro = t("This is our support chat.")
    return f"{intro}\n\n{t(_HOW_IT_WORKS)}"


def company_or_team(company: str, locale: str | None) -> str:
    """``company`` for a template's ``{company}``; "our support team" when none is set."""
    return company or Translator(locale)(_("our support team"))
