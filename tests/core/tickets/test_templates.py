"""Templates: the pure rules (variables, escaping, variants) and the use cases on storage."""

from __future__ import annotations

from datetime import UTC, datetime

from hypothesis import given
from hypothesis import strategies as st

from core.clock import FrozenClock
from core.context import DeskContext
from core.entities import Attachment, Content, CustomerProfile, InboundMessage, OperatorProfile
from core.enums import Channel, EventKind, MessageDirection, MessageKind
from core.models import Conversation, Event, Message, OutboxItem, Template
from core.relay.ingest import ingest
from core.relay.template_posting import use_template
from core.tickets.templates import (
    POST_TEMPLATE,
    VARIABLES,
    delete_template,
    list_templates,
    pick_variant,
    render,
    save_template,
    validate,
)

GROUP = -1001234567890
NOW = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)
ADMIN = OperatorProfile(telegram_id=1, name="Olga")
AGENT = OperatorProfile(telegram_id=2, name="Ivan")


def context() -> DeskContext:
    return DeskContext(group_chat_id=GROUP, clock=FrozenClock(NOW))


def test_render_fills_known_variables_and_keeps_other_braces() -> None:
    values = {"customer.first_name": "Alice", "ticket.number": "42", "company": "Acme"}
    text = "Hi {customer.first_name}, #{ticket.number} at {company} {operator.name}{ }"
    assert render(text, values) == "Hi Alice, #42 at Acme { }"


def test_render_escapes_values_in_html_templates_only() -> None:
    values = {"customer.name": "<b>Eve</b> & co"}
    assert render("<i>{customer.name}</i>", values, html=True) == (
        "<i>&lt;b&gt;Eve&lt;/b&gt; &amp; co</i>"
    )
    assert render("{customer.name}", values) == "<b>Eve</b> & co"


def test_validate_lists_unknown_variables_once() -> None:
    assert validate("Hi {customer.first_name}") == []
    assert validate("{customer.age} {x} {customer.age} {{ }") == ["customer.age", "x"]


def test_pick_variant_prefers_language_then_neutral_then_default() -> None:
    assert pick_variant(["en", "ru", ""], "ru-RU", "en") == "ru"
    assert pick_variant(["en", ""], "de", "en") == ""
    assert pick_variant(["en"], "de", "en") == "en"
    assert pick_variant(["ru"], "de", "en") is None


_variable = st.sampled_from([f"{{{v}}}" for v in VARIABLES])
_plain = st.text(st.characters(blacklist_characters="{}<"), max_size=12)
_value = st.text(max_size=12).filter(lambda s: "{" not in s)


@given(st.lists(st.one_of(_variable, _plain), max_size=8), st.lists(_value, min_size=5, max_size=5))
def test_rendering_leaves_no_variable_and_no_customer_html(
    parts: list[str], raw: list[str]
) -> None:
    values = {name: value + "<script>" for name, value in zip(VARIABLES, raw, strict=True)}
    out = render("".join(parts), values, html=True)
    assert not any("{" + v + "}" in out for v in VARIABLES)
    assert "<" not in out  # the template parts hold no markup: any "<" came from a value


async def test_save_refuses_agents_and_unknown_variables(db: str) -> None:
    ctx = context()
    agent = await save_template(AGENT, "hi", "", text="Hi", html=None, attachment=None, ctx=ctx)
    assert not agent.ok and "admins" in agent.message
    bad = await save_template(
        ADMIN, "age", "", text="{customer.age}", html=None, attachment=None, ctx=ctx, admins=[1]
    )
    assert not bad.ok and bad.params["unknown"] == "{customer.age}"
    assert await Template.all().count() == 0


async def test_save_replaces_a_variant_and_delete_removes_it(db: str) -> None:
    ctx, admins = context(), [ADMIN.telegram_id]
    for text in ("one", "two"):
        saved = await save_template(
            ADMIN, "greet", "ru", text=text, html=None, attachment=None, ctx=ctx, admins=admins
        )
        assert saved.ok
    photo = Attachment(MessageKind.PHOTO, file_id="F1")
    # Once seen as an admin, the stored role stays admin without the configured list.
    await save_template(ADMIN, "greet", "", text=None, html=None, attachment=photo, ctx=ctx)
    listed = [(t.name, t.language, t.has_attachment) for t in await list_templates()]
    assert listed == [("greet", "", True), ("greet", "ru", False)]
    row = await Template.get(name="greet", language="ru")
    assert row.text == "two"
    assert (await delete_template(ADMIN, "greet", "ru", ctx=ctx, admins=admins)).ok
    assert not (await delete_template(ADMIN, "greet", "ru", ctx=ctx, admins=admins)).ok
    # Names and languages longer than their columns name nothing (and fail nowhere).
    assert not (await delete_template(ADMIN, "g" * 100, "", ctx=ctx, admins=admins)).ok
    assert not (await delete_template(ADMIN, "greet", "r" * 20, ctx=ctx, admins=admins)).ok
    assert await Template.filter(name="greet").count() == 1


async def test_use_picks_the_customers_variant_and_queues_the_post(db: str) -> None:
    ctx, admins = context(), [ADMIN.telegram_id]
    for language, text in (("", "Hello {customer.first_name}"), ("ru", "Привет, {customer.name}")):
        await save_template(
            ADMIN, "greet", language, text=text, html=None, attachment=None, ctx=ctx, admins=admins
        )
    profile = CustomerProfile(Channel.TELEGRAM, 700, "Борис", "<b>", None, "ru")
    content = Content(MessageKind.TEXT, text="Где заказ?")
    await ingest(InboundMessage(profile, 700, 1, NOW, content), ctx)
    await Conversation.filter(chat_id=700).update(message_thread_id=55)
    result = await use_template(AGENT, 55, "greet", company="Acme", ctx=ctx)
    assert result.ok
    sent = await Message.get(direction=MessageDirection.OUTBOUND)
    assert sent.text == "Привет, Борис <b>" and sent.group_message_id is None
    event = await Event.get(kind=EventKind.TEMPLATE_USED)
    assert event.data["name"] == "greet" and event.ticket_id == sent.ticket_id
    assert await OutboxItem.filter(operation=POST_TEMPLATE).count() == 1
    missing = await use_template(AGENT, 55, "nope", company="Acme", ctx=ctx)
    assert not missing.ok
