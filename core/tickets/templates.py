"""Canned replies: variables, per-language variants, and the use cases around them.

A template is stored per (name, language); language ``""`` is the variant for anyone.
Its text may hold the variables in :data:`VARIABLES`; a template with any other
``{…}`` variable is refused when saved, so nothing half-filled ever reaches a customer.
Using a template stores an outbound message authored by the operator and queues it to
be posted in the topic first (see ``core.relay.template_posting``); the posted message is then
delivered like any other reply, so edits and delivery marks keep working.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass, field
from html import escape

from tortoise.backends.base.client import BaseDBAsyncClient

from core.context import DeskContext
from core.entities import Attachment, OperatorProfile
from core.i18n import _
from core.messaging.usecase import atomically
from core.models import Customer, Template, Ticket
from core.staff.operators import upsert_operator
from core.staff.permissions import Action, allowed

POST_TEMPLATE = "post_template"

VARIABLES: tuple[str, ...] = (
    "customer.first_name",
    "customer.name",
    "ticket.number",
    "operator.name",
    "company",
)
_VARIABLE = re.compile(r"\{([A-Za-z_][A-Za-z0-9_.]*)\}")
_NAME = re.compile(r"^[\w-]{1,48}$")
_LANGUAGE = re.compile(r"^[a-z]{2,3}$")


@dataclass(frozen=True, slots=True)
class Result:
    """What a template use case did: ``ok``, or refused; ``message`` is a msgid to
    translate for the reader and fill with ``params``."""

    ok: bool
    message: str
    params: dict[str, object] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class TemplateInfo:
    """One stored variant, as the template list shows it."""

    name: str
    language: str
    has_attachment: bool


def _refused(message: str, **params: object) -> Result:
    return Result(False, message, params)


def validate(text: str) -> list[str]:
    """The unknown variables in ``text`` (in order of appearance, each once)."""
    unknown: list[str] = []
    for match in _VARIABLE.finditer(text):
        name = match.group(1)
        if name not in VARIABLES and name not in unknown:
            unknown.append(name)
    return unknown


def render(text: str, values: Mapping[str, str], *, html: bool = False) -> str:
    """Fill the known variables of ``text`` from ``values`` (missing ones: empty).

    With ``html`` the template is HTML and every value is escaped, so a customer's name
    can never inject markup. Unknown variables are left as they are (``validate`` keeps
    them out of stored templates).
    """

    def fill(match: re.Match[str]) -> str:
        name = match.group(1)
        if name not in VARIABLES:
            return match.group(0)
        value = values.get(name, "")
        return escape(value) if html else value

    return _VARIABLE.sub(fill, text)


def language_code(code: str | None) -> str:
    """A language code as templates store it: ``ru-RU`` → ``ru``; empty for none."""
    if not code:
        return ""
    return code.replace("_", "-").split("-", 1)[0].lower()


def pick_variant(
    languages: Iterable[str], customer_language: str | None, default_language: str
) -> str | None:
    """Which variant fits a customer: their language, else the neutral one (``""``),
    else the desk's default language; None when none of them exists."""
    available = set(languages)
    for wanted in (language_code(customer_language), "", language_code(default_language)):
        if wanted in available:
            return wanted
    return None


def values_for(
    customer: Customer, ticket: Ticket | None, operator_name: str, company: str
) -> dict[str, str]:
    """The variable values of one conversation."""
    full = f"{customer.first_name} {customer.last_name}".strip()
    return {
        "customer.first_name": customer.first_name or full,
        "customer.name": full or (f"@{customer.username}" if customer.username else ""),
        "ticket.number": str(ticket.number) if ticket is not None else "",
        "operator.name": operator_name,
        "company": company,
    }


async def save_template(
    actor: OperatorProfile,
    name: str,
    language: str,
    *,
    text: str | None,
    html: str | None,
    attachment: Attachment | None,
    ctx: DeskContext,
    admins: Collection[int] = (),
) -> Result:
    """Create or replace the ``language`` variant of template ``name`` (admins only)."""
    checked = _checked_name(name, language)
    if checked is not None:
        return checked
    if not (text or "").strip() and attachment is None:
        return _refused(_("The template is empty: reply to a text or a file to save it."))
    unknown = validate(html or text or "")
    if unknown:
        return _refused(
            _("Not saved: unknown variable {unknown}. Known variables: {known}."),
            unknown=", ".join("{" + v + "}" for v in unknown),
            known=", ".join("{" + v + "}" for v in VARIABLES),
        )
    language = language_code(language)

    async def work(connection: BaseDBAsyncClient) -> Result:
        author = await upsert_operator(connection, actor, ctx.clock.now(), admins=admins)
        if not allowed(author.role, Action.MANAGE_TEMPLATES):
            return _refused(_("Only admins can manage templates."))
        row = await Template.filter(name=name, language=language).using_db(connection).first()
        if row is None:
            row = Template(name=name, language=language, created_by=author)
        row.text, row.html = text, html
        row.attachment = attachment.to_json() if attachment is not None else None
        await row.save(using_db=connection)
        return Result(True, _("Template {name} saved ({language})."), _info(name, language))

    return await atomically(work)


async def delete_template(
    actor: OperatorProfile,
    name: str,
    language: str = "",
    *,
    ctx: DeskContext,
    admins: Collection[int] = (),
) -> Result:
    """Delete one variant of a template (admins only)."""
    checked = _checked_name(name, language)  # nothing else can name a stored variant
    if checked is not None:
        return checked
    language = language_code(language)

    async def work(connection: BaseDBAsyncClient) -> Result:
        operator = await upsert_operator(connection, actor, ctx.clock.now(), admins=admins)
        if not allowed(operator.role, Action.MANAGE_TEMPLATES):
            return _refused(_("Only admins can manage templates."))
        found = Template.filter(name=name, language=language).using_db(connection)
        if not await found.delete():
            return _refused(_("No template {name} ({language})."), **_info(name, language))
        return Result(True, _("Template {name} deleted ({language})."), _info(name, language))

    return await atomically(work)


async def list_templates() -> list[TemplateInfo]:
    """Every stored variant, by name and language."""
    rows = await Template.all().order_by("name", "language")
    return [TemplateInfo(r.name, r.language, r.attachment is not None) for r in rows]


def _checked_name(name: str, language: str) -> Result | None:
    if not _NAME.match(name):
        return _refused(_("A template name is one word of letters, digits, _ or -."))
    if language and not _LANGUAGE.match(language_code(language)):
        return _refused(_("A language is a two-letter code such as en or ru."))
    return None


def _info(name: str, language: str) -> dict[str, object]:
    return {"name": name, "language": language or "*"}
