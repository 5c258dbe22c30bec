"""``botdesk dead-letters`` as an admin meets it: list, replay after a fix, drop.

The command runs against the sandbox and the desk's database as an admin would type it
next to a stopped desk: once as a separate process (exit code and message), otherwise
in this process through the CLI's own parser and command, which is much quicker.
"""

from __future__ import annotations

import asyncio
import io
import os
import sys
from collections.abc import Callable
from typing import Any

from botdesk.cli import build_parser
from botdesk.dead_letters_cli import dead_letters
from botdesk.updates import RawUpdates
from core.config import Settings
from core.db import close_db, init_db
from core.enums import Channel
from core.intake.dead_letters import Letter, set_aside
from core.models import Ticket
from operators_group.cards import CardAct, CardCallback
from sandbox.telegram.serialize import message_json, user_json
from tests.botdesk.test_cli import ROOT
from tests.botdesk.test_updates import free_port
from tests.e2e.conftest import FAST_RATES, opened, shown, topic_of, welcomed
from tests.fixtures.desk import DeskRunner
from tests.fixtures.telegram_sandbox import DeskWorld, sandbox_bot


async def dead_letters_command(settings: Settings, *args: str) -> tuple[int, str, str]:
    """``botdesk dead-letters ARGS`` in this process (the parser and the command of the CLI)."""
    out, err = io.StringIO(), io.StringIO()
    parsed = build_parser().parse_args(["dead-letters", *args])
    code = await dead_letters(settings, parsed, out, err)
    return code, out.getvalue(), err.getvalue()


async def botdesk(settings: Settings, *args: str) -> tuple[int, str, str]:
    """Run ``python -m botdesk ARGS`` with ``settings`` as its environment only."""
    clean = {
        k: v
        for k, v in os.environ.items()
        if k.lower() not in Settings.model_fields and k != "BOTDESK_CONFIG"
    }
    env = {
        **clean,
        "PYTHONPATH": str(ROOT),
        "BOT_TOKEN": settings.bot_token.get_secret_value() if settings.bot_token else "",
        "OPERATOR_GROUP_ID": str(settings.operator_group_id),
        "TELEGRAM_API_BASE": settings.telegram_api_base or "",
        "DATABASE_URL": settings.database_url,
        "COMPANY_NAME": settings.company_name,
    }
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "botdesk",
        *args,
        env=env,
        cwd=ROOT,
        stdin=asyncio.subprocess.DEVNULL,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    out, err = await asyncio.wait_for(process.communicate(), timeout=120)
    assert process.returncode is not None
    return process.returncode, out.decode(), err.decode()


async def set_aside_now(settings: Settings, raw: dict[str, Any], error: str) -> None:
    """Store ``raw`` as a dead letter, as the desk does after the handling failed."""
    await init_db(settings.database_url)
    try:
        await set_aside(Letter(Channel.TELEGRAM, str(raw["update_id"]), raw), error, 3)
    finally:
        await close_db()


async def customer_update(world: DeskWorld, text: str) -> dict[str, Any]:
    """The raw update Telegram delivers when the customer writes ``text`` (then forgotten)."""
    world.sandbox.send_text(world.customer, world.bot, text)
    client = sandbox_bot(world.sandbox, world.bot.token)
    try:
        [raw] = await client(RawUpdates(timeout=0))
    finally:
        await client.session.close()
    world.bot.updates.drop_all()
    return raw


async def test_a_replayed_message_reaches_its_topic(
    desk_world: DeskWorld, desk_settings: Callable[..., Settings], run_desk: DeskRunner
) -> None:
    world = desk_world
    settings = desk_settings(world.sandbox, world.bot, world.group, **FAST_RATES)
    raw = await customer_update(world, "Where is my order?")
    await set_aside_now(settings, raw, "OperationalError: value too long for type varchar")

    code, out, err = await dead_letters_command(settings)
    assert (code, err) == (0, "")
    assert "#1  " in out and f"update {raw['update_id']}  [set aside]" in out
    assert f"message from {world.customer.id}: 'Where is my order?'" in out
    assert "OperationalError: value too long" in out
    assert "botdesk dead-letters replay ID" in out

    code, out, err = await dead_letters_command(settings, "replay", "1")
    assert (code, err) == (0, "")
    assert out.startswith("Dead letter #1 replayed")

    code, out, _ = await dead_letters_command(settings)
    assert "[replayed]" in out

    async with run_desk(settings):  # the desk sends what the replay queued
        await welcomed(world)
        await shown(world, await topic_of(world), "Where is my order?")


async def test_unknown_ids_failed_replays_and_drops(
    desk_world: DeskWorld, desk_settings: Callable[..., Settings]
) -> None:
    world = desk_world
    settings = desk_settings(world.sandbox, world.bot, world.group)
    garbage = {"update_id": 5, "message": {"message_id": "x", "chat": 1, "date": "now"}}
    await set_aside_now(settings, garbage, "ValidationError: 3 validation errors for Update")

    code, out, err = await botdesk(settings, "dead-letters", "replay", "99")
    assert (code, out) == (2, "")
    assert "There is no dead letter #99" in err and "Traceback" not in err

    code, out, err = await dead_letters_command(settings, "replay", "1")
    assert code == 1
    assert err.startswith("Replay of dead letter #1 failed again: ValidationError")
    assert "Traceback" not in err

    code, out, err = await dead_letters_command(settings, "drop")
    assert code == 2 and "needs the id" in err

    code, out, err = await dead_letters_command(settings, "drop", "1")
    assert (code, err) == (0, "")
    code, out, err = await dead_letters_command(settings)
    assert out.startswith("No dead letters")


async def test_an_unreachable_database_is_one_paragraph_and_exit_2(
    desk_world: DeskWorld, desk_settings: Callable[..., Settings]
) -> None:
    world = desk_world
    url = f"postgres://postgres@127.0.0.1:{free_port()}/desk"  # nothing listens there
    settings = desk_settings(world.sandbox, world.bot, world.group, database_url=url)
    code, out, err = await dead_letters_command(settings)
    assert (code, out) == (2, "")
    assert err.startswith("The database at DATABASE_URL cannot be reached (")
    assert "Traceback" not in err


async def test_a_replayed_press_counts_though_its_answer_comes_too_late(
    desk_world: DeskWorld, desk_settings: Callable[..., Settings], run_desk: DeskRunner
) -> None:
    world = desk_world
    settings = desk_settings(
        world.sandbox, world.bot, world.group, admin_ids=[world.owner.id], **FAST_RATES
    )
    async with run_desk(settings):
        await welcomed(world)
        await opened(world, "Hello")
        card = await world.sandbox.wait_for(
            lambda: next((m for m in world.group.messages.values() if m.reply_markup), None),
            timeout=10,
        )
    await init_db(settings.database_url)
    try:
        ticket = await Ticket.get()
    finally:
        await close_db()
    press = {
        "update_id": 1,
        "callback_query": {
            "id": "4242",  # long expired: Telegram refuses to answer it any more
            "from": user_json(world.operator),
            "message": message_json(card),
            "chat_instance": "1",
            "data": CardCallback(ticket=ticket.id, act=CardAct.TAKE).pack(),
        },
    }
    await set_aside_now(settings, press, "TelegramNetworkError: HTTP Client says - timeout")

    code, out, err = await dead_letters_command(settings, "replay", "1")
    assert (code, err) == (0, "")
    assert out.startswith("Dead letter #1 replayed: button 'card:")
    await init_db(settings.database_url)
    try:
        assignee = await (await Ticket.get()).assignee
        assert assignee is not None and assignee.telegram_id == world.operator.id
    finally:
        await close_db()
