"""The ``/sandbox/...`` control API over HTTP."""

from __future__ import annotations

import base64
import json
from typing import Any

from aiohttp import ClientConnectionError, ClientSession
from vkbottle import VKAPIError

from sandbox.vk import VkSandbox
from tests.fixtures.vk_sandbox import sandbox_api

KEYBOARD = json.dumps(
    {
        "inline": True,
        "buttons": [[{"action": {"type": "callback", "label": "Go", "payload": '{"go": 1}'}}]],
    }
)


async def test_http_control_round_trip(vk_sandbox: VkSandbox) -> None:
    base = vk_sandbox.base_url

    async with ClientSession() as http:

        async def post(path: str, body: dict[str, Any]) -> Any:
            async with http.post(f"{base}/sandbox/{path}", json=body) as response:
                answer = await response.json()
                assert answer["ok"], answer
                return answer["result"]

        async def get(path: str) -> Any:
            async with http.get(f"{base}/sandbox/{path}") as response:
                return (await response.json())["result"]

        community = await post("communities", {"name": "Acme"})
        user = await post("users", {"first_name": "Ivan", "last_name": "P", "screen_name": "iv"})
        ids = {"community_id": community["id"], "user_id": user["id"]}
        png = base64.b64encode(vk_sandbox.photo().data).decode()
        written = await post(
            "write", {**ids, "text": "hi", "attachments": [{"type": "photo", "data": png}]}
        )
        await post("edit", {**ids, "message_id": written["id"], "text": "hi!"})

        api = sandbox_api(vk_sandbox, vk_sandbox.world.community(community["id"]))
        await post("fail-next", {"method": "messages.send", "error_code": 10})
        try:
            await api.messages.send(peer_id=user["id"], message="x", random_id=1)
        except VKAPIError[10]:
            pass
        await post("drop-next", {"method": "messages.send"})
        try:
            await api.messages.send(
                peer_id=user["id"], message="menu", random_id=2, keyboard=KEYBOARD
            )
        except ClientConnectionError:  # the dropped connection
            pass
        chat = await get(f"chats/{community['id']}/{user['id']}")
        assert [(m["text"], m["edited"]) for m in chat] == [("hi!", True), ("menu", False)]
        assert chat[0]["attachments"][0]["type"] == "photo"

        pressed = await post("press", {**ids, "message_id": chat[1]["id"], "payload": {"go": 1}})
        await api.messages.send_message_event_answer(
            event_id=pressed["event_id"], user_id=user["id"], peer_id=user["id"]
        )
        answers = await get(f"event-answers/{community['id']}")
        assert [a["event_id"] for a in answers] == [pressed["event_id"]]

        await post("allow", {**ids, "allowed": False})
        await post("longpoll-fail", {"community_id": community["id"], "failed": 3})
        assert vk_sandbox.world.longpolls[community["id"]].forced == [3]
        calls = await get("calls?method=messages.send")
        assert len(calls) == 2 and "access_token" not in calls[0]["params"]

        async with http.post(f"{base}/sandbox/edit", json={**ids, "message_id": 99}) as bad:
            assert bad.status == 400 and not (await bad.json())["ok"]
        await api.http_client.close()
