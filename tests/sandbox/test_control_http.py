"""The control API over HTTP: build a world, act as people, read chats back."""

from __future__ import annotations

import base64
from typing import Any

import aiohttp
from aiogram import Bot
from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup

from sandbox.telegram import TelegramSandbox


async def post(http: aiohttp.ClientSession, url: str, body: dict[str, Any]) -> Any:
    async with http.post(url, json=body) as resp:
        data = await resp.json()
        assert resp.status == 200, data
        return data["result"]


async def test_http_control_round_trip(
    telegram_sandbox: TelegramSandbox, sandbox_bot_factory
) -> None:
    base = f"{telegram_sandbox.base_url}/sandbox"
    async with aiohttp.ClientSession() as http:
        bot = await post(http, f"{base}/bots", {"username": "http_bot"})
        alice = await post(http, f"{base}/users", {"first_name": "Alice"})
        olga = await post(http, f"{base}/users", {"first_name": "Olga"})
        group = await post(http, f"{base}/groups", {"title": "Ops", "owner_id": olga["id"]})
        await post(
            http,
            f"{base}/bot-rights",
            {
                "bot_id": bot["id"],
                "chat_id": group["id"],
                "admin": True,
                "rights": {"can_manage_topics": True},
            },
        )
        aiobot: Bot = sandbox_bot_factory(bot["token"])
        sent = await post(
            http,
            f"{base}/messages",
            {"user_id": alice["id"], "bot_id": bot["id"], "text": "hi from http"},
        )
        photo = await post(
            http,
            f"{base}/messages",
            {
                "user_id": alice["id"],
                "bot_id": bot["id"],
                "type": "photo",
                "file": base64.b64encode(b"\x89PNGdata").decode(),
                "caption": "pic",
            },
        )
        await post(
            http,
            f"{base}/edit",
            {
                "user_id": alice["id"],
                "bot_id": bot["id"],
                "chat_id": alice["id"],
                "message_id": sent["message_id"],
                "text": "hi (edited)",
            },
        )
        updates = await aiobot.get_updates(timeout=0)
        kinds = [u.event_type for u in updates]
        assert kinds == ["my_chat_member", "message", "message", "edited_message"]
        assert updates[3].edited_message and updates[3].edited_message.text == "hi (edited)"
        async with http.get(f"{base}/files/{photo['files'][0]['file_id']}") as resp:
            assert await resp.read() == b"\x89PNGdata"

        markup = InlineKeyboardMarkup(
            inline_keyboard=[[InlineKeyboardButton(text="OK", callback_data="ok")]]
        )
        card = await aiobot.send_message(alice["id"], "confirm?", reply_markup=markup)
        press = await post(
            http,
            f"{base}/press",
            {
                "user_id": alice["id"],
                "bot_id": bot["id"],
                "chat_id": alice["id"],
                "message_id": card.message_id,
                "data": "ok",
            },
        )
        await aiobot.answer_callback_query(press["callback_query_id"], text="done")
        async with http.get(f"{base}/callbacks/{press['callback_query_id']}") as resp:
            assert (await resp.json())["result"] == {
                "answered": True,
                "text": "done",
                "show_alert": False,
                "url": None,
            }

        topic = await post(
            http,
            f"{base}/topics",
            {"user_id": olga["id"], "chat_id": group["id"], "action": "create", "name": "Alice"},
        )
        await post(
            http,
            f"{base}/messages",
            {
                "user_id": olga["id"],
                "chat_id": group["id"],
                "thread_id": topic["message_thread_id"],
                "text": "note",
            },
        )
        await post(
            http,
            f"{base}/topics",
            {
                "user_id": olga["id"],
                "chat_id": group["id"],
                "action": "close",
                "thread_id": topic["message_thread_id"],
            },
        )
        await post(http, f"{base}/block", {"user_id": alice["id"], "bot_id": bot["id"]})

        query = {"thread_id": str(topic["message_thread_id"])}
        async with http.get(f"{base}/chats/{group['id']}/messages", params=query) as resp:
            listed = (await resp.json())["result"]
        assert [m["type"] for m in listed] == ["forum_topic_created", "text", "forum_topic_closed"]
        async with http.get(
            f"{base}/chats/{alice['id']}/transcript", params={"bot_id": str(bot["id"])}
        ) as resp:
            transcript = await resp.text()
        assert "hi (edited)" in transcript and "(edited)" in transcript and "[ OK ]" in transcript
        async with http.get(base) as resp:
            world = (await resp.json())["result"]
        assert [b["username"] for b in world["bots"]] == ["http_bot"]
        async with http.post(f"{base}/messages", json={"user_id": 1, "text": "x"}) as resp:
            assert resp.status == 400


async def test_http_demo_world(telegram_sandbox: TelegramSandbox, sandbox_bot_factory) -> None:
    async with aiohttp.ClientSession() as http:
        summary = await post(http, f"{telegram_sandbox.base_url}/sandbox/demo", {})
    bot = sandbox_bot_factory(summary["bot_token"])
    me = await bot.get_me()
    assert me.username == summary["bot_username"]
    info = await bot.get_chat(summary["operator_group_id"])
    assert info.is_forum


async def test_a_forged_press_sends_data_no_button_carries(
    telegram_sandbox: TelegramSandbox, sandbox_bot_factory
) -> None:
    base = f"{telegram_sandbox.base_url}/sandbox"
    async with aiohttp.ClientSession() as http:
        bot = await post(http, f"{base}/bots", {"username": "forge_bot"})
        alice = await post(http, f"{base}/users", {"first_name": "Alice"})
        hello = {"user_id": alice["id"], "bot_id": bot["id"], "text": "hi"}
        await post(http, f"{base}/messages", hello)
        aiobot: Bot = sandbox_bot_factory(bot["token"])
        markup = InlineKeyboardMarkup(
            inline_keyboard=[[InlineKeyboardButton(text="OK", callback_data="ok")]]
        )
        card = await aiobot.send_message(alice["id"], "confirm?", reply_markup=markup)
        body = {
            "user_id": alice["id"],
            "bot_id": bot["id"],
            "chat_id": alice["id"],
            "message_id": card.message_id,
            "data": "card:1:nuke:",
        }
        async with http.post(f"{base}/press", json=body) as resp:
            assert resp.status == 400  # an honest client has no such button
        await post(http, f"{base}/press", {**body, "forge": True})
        updates = await aiobot.get_updates(timeout=0)
        pressed = [u.callback_query for u in updates if u.callback_query is not None]
        assert [q.data for q in pressed] == ["card:1:nuke:"]
        assert pressed[0].message is not None and pressed[0].message.message_id == card.message_id
