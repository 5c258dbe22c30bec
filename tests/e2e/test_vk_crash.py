"""Crash with VK: the app is SIGKILLed and restarted; nothing is lost or doubled.

The app runs as a real ``botdesk run`` process configured by environment variables
only (the Telegram crash test's ones plus ``VK_TOKEN``, ``VK_GROUP_ID`` and
``VK_API_BASE``), against both sandboxes in this process, so VK and Telegram survive
the crash just as they would.

What makes delivery exactly-once, and where it is only at-least-once:

* VK → desk (inbound): the long-poll ``ts`` is stored in the database only after every
  event of a response was ingested, so a kill before that means the response is
  fetched again after the restart; a message ingested twice is dropped by the unique
  (channel, chat, message id) of stored messages. Its mirror into the topic is an
  outbox item written in the same transaction, so it survives the kill too.
* desk → VK (operator replies): a reply is an outbox item; if the process dies after
  VK took a ``messages.send`` but before the item was marked done, the retry sends the
  same ``random_id`` (derived from the item's key) and VK answers with the message it
  already has instead of storing a second one. Telegram redelivers the operator's own
  update when its offset was not confirmed; the desk dedupes it like any inbound.
  (The sandbox implements VK's documented ``random_id`` rule; the real VK is trusted
  to do the same.)
* desk → Telegram topic (the mirror of a customer message, the topic itself): the
  Bot API has no idempotency key, so a kill after Telegram accepted a send and before
  the done mark was committed makes the outbox send it again. The desk's journal of
  sends to the group fenced that send beforehand; once the resend (or any message of
  ours) lands, every unrecorded message or topic of ours in the fenced range of ids is
  deleted (``operators_group.sweep``). The two window tests below pin both cases.
"""

from __future__ import annotations

import asyncio
import signal
import sqlite3
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

import sandbox.telegram.server as telegram_server
from sandbox.telegram import Limits, TelegramSandbox
from sandbox.vk import Community, VkSandbox
from tests.e2e.test_relay_crash import start_app
from tests.e2e.test_relay_load import tokens_in_topics
from tests.e2e.test_vk_load import (
    SCALE,
    Operators,
    customer_tokens_in_vk,
    limited_vk,  # noqa: F401
    long_poll_started,
    replies_in_vk,
    vk_settings,
)
from tests.fixtures.telegram_sandbox import DeskWorld

# the desk process finds its database migrated (a copy of the session's template)
pytestmark = pytest.mark.usefixtures("desk_database")

CUSTOMERS = 30
MESSAGES = 20
REPLIES = 2
WAIT = 20.0

App = asyncio.subprocess.Process


@pytest.fixture
def vk_env(
    limited_vk: VkSandbox,  # noqa: F811
    monkeypatch: pytest.MonkeyPatch,
) -> Community:
    """A community whose ``VK_*`` variables ``start_app`` passes on to the app.

    ``start_app`` keeps every variable of this process except the Telegram desk's own
    ones, so setting ``VK_TOKEN``, ``VK_GROUP_ID`` and ``VK_API_BASE`` here is all it
    takes; nothing else configures VK.
    """
    community = limited_vk.create_community("Acme")
    for name, value in vk_settings(limited_vk, community).items():
        monkeypatch.setenv(name.upper(), value)
    for name in ("VK_CALLBACK_SECRET", "VK_CONFIRMATION", "RATE_VK"):
        monkeypatch.delenv(name, raising=False)
    return community


async def kill(app: App) -> None:
    app.send_signal(signal.SIGKILL)
    await app.wait()


async def stop(app: App) -> None:
    """SIGTERM, and the app must exit cleanly."""
    if app.returncode is None:
        app.send_signal(signal.SIGTERM)
    code = await asyncio.wait_for(app.wait(), timeout=20)
    assert code == 0, "SIGTERM stops botdesk gracefully"


def delivered_state(data: Path, vk_message_id: int) -> str | None:
    """``delivery_state`` of a stored VK message (``delivered`` once its mirror is done)."""
    with sqlite3.connect(data / "desk.sqlite3", timeout=5) as db:
        row = db.execute(
            "SELECT delivery_state FROM messages WHERE direction = 'inbound' "
            "AND channel = 'vk' AND customer_message_id = ?",
            (vk_message_id,),
        ).fetchone()
    return None if row is None else str(row[0])


def inbound_rows(data: Path) -> Counter[tuple[int, int]]:
    """Stored inbound messages per (VK chat, VK message id), read from the app's database."""
    with sqlite3.connect(data / "desk.sqlite3") as db:
        rows = db.execute(
            "SELECT customer_chat_id, customer_message_id FROM messages "
            "WHERE direction = 'inbound' AND channel = 'vk'"
        ).fetchall()
    return Counter((int(chat), int(message)) for chat, message in rows)


# -- the load, killed in the middle -------------------------------------------------


async def test_sigkill_under_vk_load_loses_nothing_and_doubles_nothing_on_vk(
    desk_world: DeskWorld,
    limited_vk: VkSandbox,  # noqa: F811
    vk_env: Community,
    tmp_path: Path,
) -> None:
    sb, world, vk, community = desk_world.sandbox, desk_world, limited_vk, vk_env
    sb.limits = Limits().scaled(SCALE)
    users = [vk.create_user(f"Vk{i}", "Crash", lang="en") for i in range(CUSTOMERS)]
    operators = Operators(world, REPLIES)
    expected = CUSTOMERS * MESSAGES
    half = MESSAGES // 2

    def visible() -> int:
        return sum(len(set(tokens)) for tokens in tokens_in_topics(sb, world).values())

    def delivered() -> int:
        return sum(sum(c.values()) for c in replies_in_vk(vk, community, users).values())

    def write(number: int) -> None:
        for index, user in enumerate(users):
            vk.user_writes(community, user, f"c{index}-m{number} help")

    app = await start_app(sb, world, tmp_path)
    try:
        await long_poll_started(vk)
        for number in range(half):
            write(number)
            operators.answer_new_topics()
            await asyncio.sleep(0.05)

        def mid_flight() -> bool:
            # Some replies reached VK and others not yet; most customer messages are
            # stored but not mirrored yet (the group's budget is the bottleneck).
            operators.answer_new_topics()
            return 0 < delivered() < len(operators.sent) and visible() < half * CUSTOMERS

        await vk.wait_for(mid_flight, timeout=60)
        at_kill = (visible(), delivered(), len(operators.sent))
        await kill(app)
        # While the app is down customers keep writing and operators keep answering.
        write(half)
        write(half + 1)
        operators.answer_new_topics()
        app = await start_app(sb, world, tmp_path)
        for number in range(half + 2, MESSAGES):
            write(number)
            operators.answer_new_topics()
            await asyncio.sleep(0.05)

        def done() -> bool:
            operators.answer_new_topics()
            return (
                visible() >= expected and delivered() >= len(operators.sent) == CUSTOMERS * REPLIES
            )

        await vk.wait_for(done, timeout=120)
        await asyncio.sleep(1.0)  # anything extra (a duplicate) would show up by now
    finally:
        await stop(app)

    assert customer_tokens_in_vk(vk, community, users) == {
        index: list(range(MESSAGES)) for index in range(CUSTOMERS)
    }
    # Inbound, exactly once: every VK message stored once, none missing.
    stored = inbound_rows(tmp_path)
    assert len(stored) == expected and set(stored.values()) == {1}
    # Replies, exactly once and in order in each VK chat (random_id).
    seen = replies_in_vk(vk, community, users)
    assert len(operators.sent) == CUSTOMERS * REPLIES
    for index in range(CUSTOMERS):
        wanted = [f"r{index}-{k}" for k in range(REPLIES)]
        assert seen[index] == Counter(wanted), f"VK customer {index}: replies exactly once"
        assert list(seen[index]) == wanted, f"VK customer {index}: replies in order"
    # Topics: every message exactly once and in order, one topic per customer.
    per_customer: dict[int, list[int]] = {}
    topics = tokens_in_topics(sb, world)
    for tokens in topics.values():
        owners = {customer for customer, _ in tokens}
        assert len(owners) == 1, f"a topic holds {owners or 'nothing'}"
        per_customer.setdefault(owners.pop(), []).extend(n for _, n in tokens)
    assert len(topics) == CUSTOMERS and sorted(per_customer) == list(range(CUSTOMERS))
    for customer, numbers in per_customer.items():
        assert numbers == list(range(MESSAGES)), f"customer {customer}: lost, doubled or reordered"
    print(
        f"at the kill: {at_kill[0]} of {half * CUSTOMERS} customer messages in topics, "
        f"{at_kill[1]} of {at_kill[2]} replies in VK; messages.send calls: "
        f"{len(vk.calls('messages.send'))}"
    )


# -- the crash windows, one at a time ------------------------------------------------


def stall_vk(
    vk: VkSandbox,
    method: str,
    when: Callable[[dict[str, str]], bool],
    *,
    after: bool,
    every: bool = False,
):
    """The next call of ``method`` matching ``when`` (with ``every``: each one) never gets
    an answer.

    With ``after`` the call takes effect first (VK has it, the app never hears so);
    without it the app waits forever. Returns an event set when the stall begins.
    """
    stalled = asyncio.Event()
    real = vk.dispatch

    async def dispatch(name: str, params: dict[str, str], community: Community) -> Any:
        if name != method or (stalled.is_set() and not every) or not when(params):
            return await real(name, params, community)
        result = await real(name, params, community) if after else None
        stalled.set()
        await asyncio.Event().wait()
        return result

    vk.dispatch = dispatch  # type: ignore[method-assign]
    return stalled


def stall_telegram(
    monkeypatch: pytest.MonkeyPatch, method: str, when: Callable[[Any], bool]
) -> asyncio.Event:
    """The next ``method`` whose result matches ``when`` takes effect, then never answers."""
    stalled = asyncio.Event()
    real_find = telegram_server.find

    def find(name: str) -> Any:
        handler = real_find(name)
        if handler is None or name.lower() != method.lower():
            return handler

        async def stalling(call: Any) -> Any:
            result = await handler(call)
            if not stalled.is_set() and when(result):
                stalled.set()
                await asyncio.Event().wait()
            return result

        return stalling

    monkeypatch.setattr(telegram_server, "find", find)
    return stalled


def bodies(sb: TelegramSandbox, world: DeskWorld) -> Counter[str]:
    """Every message text or caption shown in the operator group, with how often."""
    return Counter(view.body for view in sb.messages(world.group) if view.body)


async def test_kill_after_vk_took_a_reply_sends_it_once(
    desk_world: DeskWorld,
    limited_vk: VkSandbox,  # noqa: F811
    vk_env: Community,
    tmp_path: Path,
) -> None:
    """VK stored the reply, the app died before marking it done: the resend is deduped."""
    sb, world, vk, community = desk_world.sandbox, desk_world, limited_vk, vk_env
    ivan = vk.create_user("Ivan", "Window", lang="en")
    app = await start_app(sb, world, tmp_path)
    try:
        await long_poll_started(vk)
        vk.user_writes(community, ivan, "c0-m0 hello")
        topic = await sb.wait_for(lambda: next(iter(tokens_in_topics(sb, world)), None), WAIT)
        stalled = stall_vk(
            vk, "messages.send", lambda p: "r0-0" in p.get("message", ""), after=True
        )
        sb.send_text(world.operator, world.group, "r0-0 on it", topic=topic)
        await asyncio.wait_for(stalled.wait(), WAIT)
        await kill(app)
        app = await start_app(sb, world, tmp_path)

        def resent() -> bool:
            sends = [p for _, p in vk.calls("messages.send") if "r0-0" in p.get("message", "")]
            return len(sends) >= 2

        await vk.wait_for(resent, timeout=WAIT)
        await asyncio.sleep(0.5)
    finally:
        await stop(app)
    sends = [p for _, p in vk.calls("messages.send") if "r0-0" in p.get("message", "")]
    assert len({p["random_id"] for p in sends}) == 1, "the resend carries the same random_id"
    assert replies_in_vk(vk, community, [ivan]) == {0: Counter({"r0-0": 1})}


async def test_kill_between_ingest_and_ts_save_stores_each_message_once(
    desk_world: DeskWorld,
    limited_vk: VkSandbox,  # noqa: F811
    vk_env: Community,
    tmp_path: Path,
) -> None:
    """One long-poll answer, half handled, then SIGKILL: the ts was not stored, the
    answer comes again, the handled half is deduped and the rest is ingested."""
    sb, world, vk, community = desk_world.sandbox, desk_world, limited_vk, vk_env
    ann = vk.create_user("Ann", "Window", lang="en")
    bob = vk.create_user("Bob", "Window", lang="en")
    app = await start_app(sb, world, tmp_path)
    try:
        await long_poll_started(vk)
        vk.user_writes(community, ann, "c0-m0 first")
        await sb.wait_for(lambda: bodies(sb, world)["c0-m0 first"], WAIT)
        # Ann is known now; asking VK about Bob hangs (the batch's prefetch gives up after
        # a few seconds, the event's own call never returns), so his event is never handled.
        stalled = stall_vk(
            vk, "users.get", lambda p: p.get("user_ids") == str(bob.id), after=False, every=True
        )
        vk.user_writes(community, ann, "c0-m1 second")  # the same long-poll answer
        vk.user_writes(community, bob, "c1-m0 hi")
        await asyncio.wait_for(stalled.wait(), WAIT)
        # Its mirror is shown and marked done: only the long-poll ts is missing now.
        await sb.wait_for(lambda: delivered_state(tmp_path, 2) == "delivered", WAIT)
        assert bodies(sb, world)["c0-m1 second"] == 1
        await kill(app)
        assert inbound_rows(tmp_path) == Counter({(ann.id, 1): 1, (ann.id, 2): 1})
        app = await start_app(sb, world, tmp_path)
        await sb.wait_for(lambda: bodies(sb, world)["c1-m0 hi"], WAIT)
        await asyncio.sleep(0.5)
    finally:
        await stop(app)
    stored = inbound_rows(tmp_path)
    assert stored == Counter({(ann.id, 1): 1, (ann.id, 2): 1, (bob.id, 3): 1})
    shown = bodies(sb, world)
    assert [shown[t] for t in ("c0-m0 first", "c0-m1 second", "c1-m0 hi")] == [1, 1, 1]


async def test_kill_after_telegram_took_a_mirror_shows_it_once(
    desk_world: DeskWorld,
    limited_vk: VkSandbox,  # noqa: F811
    vk_env: Community,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    sb, world, vk, community = desk_world.sandbox, desk_world, limited_vk, vk_env
    ann = vk.create_user("Ann", "Window", lang="en")
    app = await start_app(sb, world, tmp_path)
    try:
        await long_poll_started(vk)
        vk.user_writes(community, ann, "c0-m0 first")
        await sb.wait_for(lambda: bodies(sb, world)["c0-m0 first"], WAIT)
        stalled = stall_telegram(
            monkeypatch, "sendMessage", lambda r: "c0-m1" in str(r.get("text", ""))
        )
        vk.user_writes(community, ann, "c0-m1 second")
        await asyncio.wait_for(stalled.wait(), WAIT)
        await kill(app)
        app = await start_app(sb, world, tmp_path)
        vk.user_writes(community, ann, "c0-m2 third")
        await sb.wait_for(lambda: bodies(sb, world)["c0-m2 third"], WAIT)
        await asyncio.sleep(0.5)
    finally:
        await stop(app)
    shown = bodies(sb, world)
    assert [shown[t] for t in ("c0-m0 first", "c0-m1 second", "c0-m2 third")] == [1, 1, 1]


async def test_kill_after_telegram_created_a_topic_leaves_one_topic(
    desk_world: DeskWorld,
    limited_vk: VkSandbox,  # noqa: F811
    vk_env: Community,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    sb, world, vk, community = desk_world.sandbox, desk_world, limited_vk, vk_env
    ann = vk.create_user("Ann", "Window", lang="en")
    stalled = stall_telegram(monkeypatch, "createForumTopic", lambda r: "Ann" in r["name"])
    app = await start_app(sb, world, tmp_path)
    try:
        await long_poll_started(vk)
        vk.user_writes(community, ann, "c0-m0 first")
        await asyncio.wait_for(stalled.wait(), WAIT)
        await kill(app)
        app = await start_app(sb, world, tmp_path)
        await sb.wait_for(lambda: bodies(sb, world)["c0-m0 first"], WAIT)
        await asyncio.sleep(0.5)
    finally:
        await stop(app)
    names = [topic.name for topic in world.group.topics.values()]
    assert len(names) == 1, f"one topic for Ann: {names}"
