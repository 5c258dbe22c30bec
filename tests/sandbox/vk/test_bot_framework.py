"""vkbottle's own ``Bot`` (labeler, polling, ``answer``, snackbar) against the sandbox."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Any

import pytest
from vkbottle import API, Bot, GroupEventType
from vkbottle.bot import Message, MessageEvent

from sandbox.vk import Community, VkSandbox, VkUser

KEYBOARD = json.dumps(
    {
        "inline": True,
        "buttons": [[{"action": {"type": "callback", "label": "Ok", "payload": '{"a": 1}'}}]],
    }
)


async def test_bot_answers_and_handles_callback(
    vk_sandbox: VkSandbox,
    community: Community,
    ivan: VkUser,
    api: API,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.chdir(tmp_path)  # BotPolling keeps its ts in ./.vkbottle
    bot = Bot(api=api)
    seen: list[Any] = []

    @bot.on.message()
    async def on_message(message: Message) -> None:
        kinds = [a.type.value for a in message.attachments or []]
        seen.append((message.text, kinds, message.client_info.lang_id))
        await message.answer(f"echo {message.text}", keyboard=KEYBOARD)

    @bot.on.raw_event(GroupEventType.MESSAGE_EVENT, dataclass=MessageEvent)
    async def on_press(event: MessageEvent) -> None:
        seen.append(event.object.payload)
        await event.show_snackbar("done")

    polling = asyncio.create_task(bot.run_polling())
    try:
        await vk_sandbox.wait_for(lambda: vk_sandbox.calls("groups.getLongPollServer"))
        vk_sandbox.user_writes(
            community, ivan, "hi", attachments=[vk_sandbox.photo(), vk_sandbox.sticker(5)]
        )
        chat = await vk_sandbox.wait_for(
            lambda: (c := vk_sandbox.chat(community, ivan)) and len(c) == 2 and c
        )
        assert chat[1].text == "echo hi" and chat[1].keyboard is not None
        vk_sandbox.press_button(community, ivan, chat[1], {"a": 1})
        answers = await vk_sandbox.wait_for(lambda: vk_sandbox.event_answers(community))
        assert answers[0]["event_data"] == {"type": "show_snackbar", "text": "done"}
        assert seen == [("hi", ["photo", "sticker"], 0), {"a": 1}]
    finally:
        polling.cancel()
        with pytest.raises(asyncio.CancelledError):
            await polling
