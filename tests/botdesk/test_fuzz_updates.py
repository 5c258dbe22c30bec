"""No update, however malformed, stops the desk: the customers behind it are still served.

The real desk (``run_app``, the objects ``botdesk run`` builds) polls the sandbox; the
tests put forged and mutated updates into its queue as a modified client or a broken
proxy could, then a customer writes and must see their message reach the topic.
"""

from __future__ import annotations

import asyncio
import copy
import itertools
from collections.abc import AsyncIterator, Callable
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from botdesk.app import run_app
from core.config import Settings
from core.intake.containment import RetryPolicy
from core.intake.dead_letters import recent
from sandbox.telegram import User
from sandbox.telegram.serialize import message_json, user_json
from tests.e2e.conftest import FAST_RATES, opened, shown, topic_of, welcomed
from tests.fixtures.telegram_sandbox import DeskWorld

FAST = RetryPolicy(attempts=2, first_delay=0.01, max_delay=0.2)
WAIT = 30.0  # generous: the machine may be busy
HUGE = 10**19 + 7  # 20 digits: more than any BIGINT column holds

#: what a modified client puts into callback data (the cases the desk once choked on)
FORGED_DATA = [
    "choice:rate:1:",
    "choice:rate:1:12345",
    f"choice:rate:{HUGE}:5",
    "card:abc:take",
    "card:1:nuke",
    f"card:1:assign:{HUGE}",
    "card:1:tag:" + "x" * 60,
    "pg:history:abc:0",
    "pg:history:1:-1",
    "tpl:",
    "",
    ":::",
    "x" * 64,
]


class Seeds:
    """Real updates of a running desk (a customer's message, presses on the card)."""

    def __init__(self, world: DeskWorld) -> None:
        sb, self.world = world.sandbox, world
        private = sb.private_chat(world.bot, world.customer)
        self.customer_message = message_json(list(private.messages.values())[-1])
        card = next(m for m in world.group.messages.values() if m.reply_markup)
        self.card = message_json(card)
        self.ids = itertools.count(1)

    def press(self, presser: User, message: dict[str, Any], data: str) -> dict[str, Any]:
        return {
            "id": str(next(self.ids)),
            "from": user_json(presser),
            "message": message,
            "chat_instance": "1",
            "data": data,
        }

    def all(self) -> list[tuple[str, dict[str, Any]]]:
        """(kind, payload) of every seed update."""
        operator, customer = self.world.operator, self.world.customer
        return [
            ("message", self.customer_message),
            ("edited_message", {**self.customer_message, "edit_date": 1}),
            ("callback_query", self.press(operator, self.card, "card:1:take")),
            ("callback_query", self.press(customer, self.customer_message, "choice:rate:1:5")),
        ]


def paths(value: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    """Every key path inside a JSON value."""
    found = [prefix] if prefix else []
    if isinstance(value, dict):
        for key, inner in value.items():
            found += paths(inner, (*prefix, key))
    elif isinstance(value, list):
        for index, inner in enumerate(value):
            found += paths(inner, (*prefix, index))
    return found


def mutated(payload: dict[str, Any], path: tuple[Any, ...], new: Any) -> dict[str, Any]:
    """``payload`` with the value at ``path`` replaced by ``new`` (``...``: removed)."""
    result = copy.deepcopy(payload)
    parent: Any = result
    for key in path[:-1]:
        parent = parent[key]
    if new is ...:
        del parent[path[-1]]
    else:
        parent[path[-1]] = new
    return result


json_leaf = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**70), max_value=2**70),
    st.sampled_from([0, -1, HUGE, 2**63, -(2**63) - 1]),
    st.text(max_size=40),
    st.sampled_from(["", " ", "\u202e\u200b", "x" * 5000, "/start", "/log"]),
    st.sampled_from(FORGED_DATA),
)
json_value = st.recursive(
    json_leaf,
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3)
    ),
    max_leaves=6,
)


def like(value: Any) -> st.SearchStrategy[Any]:
    """Values of the same JSON type as ``value``: they pass aiogram and reach the handlers."""
    if isinstance(value, bool):
        return st.booleans()
    if isinstance(value, int):
        return st.sampled_from([0, -1, HUGE, 2**63]) | st.integers(-(2**70), 2**70)
    if isinstance(value, str):
        return st.sampled_from([*FORGED_DATA, "", "\u202e\u200b", "x" * 5000]) | st.text(
            max_size=80
        )
    return json_value


def at(payload: dict[str, Any], path: tuple[Any, ...]) -> Any:
    value: Any = payload
    for key in path:
        value = value[key]
    return value


@st.composite
def fuzzed_update(draw: st.DrawFn, seeds: list[tuple[str, dict[str, Any]]]) -> tuple[str, Any]:
    """A mutated seed (most often), forged button data, or a random update-shaped dict."""
    kind, payload = draw(st.sampled_from(seeds))
    choice = draw(st.integers(0, 9))
    if choice < 6:
        for _ in range(draw(st.integers(1, 3))):
            path = draw(st.sampled_from(paths(payload)))
            new = draw(like(at(payload, path)) | st.just(...) | json_value)
            payload = mutated(payload, path, new)
        return kind, payload
    if choice < 8 and kind == "callback_query":
        return kind, {**payload, "data": draw(st.sampled_from(FORGED_DATA) | st.text(max_size=70))}
    keys = st.sampled_from(["message_id", "from", "chat", "date", "text", "data", "id", "message"])
    return kind, draw(st.dictionaries(keys, json_value, max_size=6))


@pytest.fixture
async def fuzzed_desk(
    desk_world: DeskWorld, desk_settings: Callable[..., Settings]
) -> AsyncIterator[DeskWorld]:
    """The real desk, quick to give up on a poison update, with a customer's topic open."""
    settings = desk_settings(desk_world.sandbox, desk_world.bot, desk_world.group, **FAST_RATES)
    stop = asyncio.Event()
    app = asyncio.create_task(run_app(settings, stop, retry=FAST), name="botdesk-under-fuzz")
    try:
        await welcomed(desk_world)
        await opened(desk_world, "Hello")
        yield desk_world
    finally:
        stop.set()
        await asyncio.wait_for(app, timeout=30)


async def still_served(world: DeskWorld, checker: User, text: str) -> None:
    """``checker`` writes ``text``; it must reach their topic (the desk is not stuck)."""
    world.sandbox.send_text(checker, world.bot, text)
    topic = await world.sandbox.wait_for(
        lambda: next((t for t in world.group.topics.values() if "Checker" in t.name), None),
        timeout=WAIT,
    )
    await shown(world, topic, text)


async def test_the_updates_that_once_stopped_the_desk_are_set_aside(
    fuzzed_desk: DeskWorld,
) -> None:
    world = fuzzed_desk
    sb, seeds = world.sandbox, Seeds(world)
    checker = sb.create_user("Checker")
    long_name = {**user_json(world.customer), "id": 100_999_999, "first_name": "N" * 500}
    poison = [
        ("message", {**seeds.customer_message, "from": long_name}),
        ("message", {**seeds.customer_message, "chat": {"id": HUGE, "type": "private"}}),
        ("message", {"message_id": "not a number", "chat": 5}),  # aiogram cannot read it
    ] + [("callback_query", seeds.press(world.operator, seeds.card, data)) for data in FORGED_DATA]
    for kind, payload in poison:
        sb.world.push(world.bot, kind, payload)
    await still_served(world, checker, "Still there?")
    await sb.wait_for(lambda: not sb.updates_pending(world.bot), timeout=WAIT)
    assert await topic_of(world)  # the first customer's topic is still there
    for letter in await recent(100):  # whatever was set aside kept the update as it came
        assert letter.payload in [
            {"update_id": letter.payload["update_id"], k: p} for k, p in poison
        ]


@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(data=st.data())
async def test_fuzzed_updates_never_stop_the_customers_behind_them(
    fuzzed_desk: DeskWorld, data: st.DataObject
) -> None:
    world = fuzzed_desk
    sb = world.sandbox
    seeds = Seeds(world).all()
    batch = data.draw(st.lists(fuzzed_update(seeds), min_size=1, max_size=3), label="updates")
    for kind, payload in batch:
        sb.world.push(world.bot, kind, payload)
    checker = next((u for u in sb.world.users.values() if u.first_name == "Checker"), None)
    checker = checker or sb.create_user("Checker")
    await still_served(world, checker, f"check {next(COUNTER)}")


COUNTER = itertools.count(1)
