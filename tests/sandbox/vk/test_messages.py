"""messages.* through the real vkbottle API: send, de-duplication, edit, read, errors."""

from __future__ import annotations

import json

import pytest
from aiohttp import ClientConnectionError
from vkbottle import API, VKAPIError

from sandbox.vk import Community, VkSandbox, VkUser

KEYBOARD = json.dumps(
    {
        "inline": True,
        "buttons": [
            [{"action": {"type": "callback", "label": "Close", "payload": '{"cmd":"close"}'}}]
        ],
    }
)


async def test_send_stores_message_in_chat(
    vk_sandbox: VkSandbox, community: Community, ivan: VkUser, api: API
) -> None:
    incoming = vk_sandbox.user_writes(community, ivan, "hello")
    message_id = await api.messages.send(
        peer_id=ivan.id, message="hi", random_id=7, reply_to=incoming.id, keyboard=KEYBOARD
    )
    chat = vk_sandbox.chat(community, ivan)
    assert [(m.from_id, m.text) for m in chat] == [(ivan.id, "hello"), (-community.id, "hi")]
    sent = chat[1]
    assert sent.id == message_id
    assert (sent.reply_to, sent.random_id, sent.conversation_message_id) == (incoming.id, 7, 2)
    assert sent.keyboard is not None and sent.keyboard["inline"] is True


async def test_repeated_random_id_returns_original(
    vk_sandbox: VkSandbox, community: Community, ivan: VkUser, api: API
) -> None:
    vk_sandbox.user_writes(community, ivan, "hello")
    first = await api.messages.send(peer_id=ivan.id, message="once", random_id=42)
    again = await api.messages.send(peer_id=ivan.id, message="once", random_id=42)
    assert again == first
    assert [m.text for m in vk_sandbox.chat(community, ivan)] == ["hello", "once"]
    # random_id 0 means "no de-duplication" on VK
    await api.messages.send(peer_id=ivan.id, sticker_id=9, random_id=0)
    await api.messages.send(peer_id=ivan.id, sticker_id=9, random_id=0)
    stickers = vk_sandbox.chat(community, ivan)[2:]
    assert [m.attachments[0]["sticker"]["sticker_id"] for m in stickers] == [9, 9]


async def test_dropped_response_then_retry_does_not_duplicate(
    vk_sandbox: VkSandbox, community: Community, ivan: VkUser, api: API
) -> None:
    vk_sandbox.user_writes(community, ivan, "hello")
    vk_sandbox.drop_next_response("messages.send")
    with pytest.raises(ClientConnectionError):
        await api.messages.send(peer_id=ivan.id, message="answer", random_id=99)
    assert [m.text for m in vk_sandbox.chat(community, ivan)] == ["hello", "answer"]
    retried = await api.messages.send(peer_id=ivan.id, message="answer", random_id=99)
    chat = vk_sandbox.chat(community, ivan)
    assert [m.text for m in chat] == ["hello", "answer"]
    assert retried == chat[1].id
    assert len(vk_sandbox.calls("messages.send")) == 2


async def test_edit_and_get_by_id(
    vk_sandbox: VkSandbox, community: Community, ivan: VkUser, api: API
) -> None:
    vk_sandbox.user_writes(community, ivan, "hello")
    message_id = await api.messages.send(peer_id=ivan.id, message="draft", random_id=1)
    assert await api.messages.edit(peer_id=ivan.id, message_id=message_id, message="final") == 1
    edited = vk_sandbox.chat(community, ivan)[-1]
    assert (edited.text, edited.edited) == ("final", True)
    found = await api.messages.get_by_id(message_ids=[message_id])
    assert found.count == 1
    item = found.items[0]
    assert (item.text, item.from_id, item.out, item.peer_id) == (
        "final",
        -community.id,
        True,
        ivan.id,
    )
    by_cmid = await api.messages.edit(
        peer_id=ivan.id, conversation_message_id=edited.conversation_message_id, message="v3"
    )
    assert by_cmid == 1
    assert vk_sandbox.chat(community, ivan)[-1].text == "v3"


async def test_cannot_edit_the_users_message(
    vk_sandbox: VkSandbox, community: Community, ivan: VkUser, api: API
) -> None:
    incoming = vk_sandbox.user_writes(community, ivan, "hello")
    with pytest.raises(VKAPIError[15]):
        await api.messages.edit(peer_id=ivan.id, message_id=incoming.id, message="x")


async def test_parameter_errors(
    vk_sandbox: VkSandbox, community: Community, ivan: VkUser, api: API
) -> None:
    vk_sandbox.user_writes(community, ivan, "hello")
    with pytest.raises(VKAPIError[100], match="random_id is a required parameter"):
        await api.request("messages.send", {"peer_id": ivan.id, "message": "x"})
    with pytest.raises(VKAPIError[100], match="message is empty or invalid"):
        await api.messages.send(peer_id=ivan.id, random_id=3)
    with pytest.raises(VKAPIError[911]):
        await api.messages.send(peer_id=ivan.id, message="x", random_id=4, keyboard="{}")
    with pytest.raises(VKAPIError[100], match="attachment"):
        await api.messages.send(peer_id=ivan.id, attachment="photo1_2", random_id=5)
    assert [m.text for m in vk_sandbox.chat(community, ivan)] == ["hello"]


async def test_permission_errors(
    vk_sandbox: VkSandbox, community: Community, ivan: VkUser, api: API
) -> None:
    with pytest.raises(VKAPIError[901], match="without permission"):
        await api.messages.send(peer_id=ivan.id, message="cold call", random_id=1)
    vk_sandbox.allow_messages(community, ivan)
    await api.messages.send(peer_id=ivan.id, message="welcome", random_id=2)
    vk_sandbox.disallow_messages(community, ivan)
    with pytest.raises(VKAPIError[901]) as caught:
        await api.messages.send(peer_id=ivan.id, message="still there?", random_id=3)
    assert caught.value.request_params["method"] == "messages.send"
    vk_sandbox.allow_messages(community, ivan)
    vk_sandbox.set_privacy(ivan)
    with pytest.raises(VKAPIError[902]):
        await api.messages.send(peer_id=ivan.id, message="privacy", random_id=4)
    assert [m.text for m in vk_sandbox.chat(community, ivan)] == ["welcome"]


async def test_token_method_and_forced_errors(
    vk_sandbox: VkSandbox, community: Community, ivan: VkUser, api: API
) -> None:
    stranger = API("vk1.a.not-a-token")
    stranger.API_URL = vk_sandbox.api_url
    with pytest.raises(VKAPIError[5], match="User authorization failed"):
        await stranger.users.get(user_ids=[ivan.id])
    await stranger.http_client.close()
    with pytest.raises(VKAPIError[3]):
        await api.request("messages.teleport", {})
    vk_sandbox.user_writes(community, ivan, "hello")
    vk_sandbox.fail_next("messages.send", 9)
    vk_sandbox.fail_next("messages.send", 10)
    with pytest.raises(VKAPIError[9], match="Flood control"):
        await api.messages.send(peer_id=ivan.id, message="a", random_id=1)
    with pytest.raises(VKAPIError[10], match="Internal server error"):
        await api.messages.send(peer_id=ivan.id, message="a", random_id=1)
    await api.messages.send(peer_id=ivan.id, message="a", random_id=1)
    assert [m.text for m in vk_sandbox.chat(community, ivan)] == ["hello", "a"]


async def test_users_and_groups(
    vk_sandbox: VkSandbox, community: Community, ivan: VkUser, api: API
) -> None:
    users = await api.users.get(user_ids=[ivan.id, "ivan"], fields=["screen_name", "photo_100"])
    assert [(u.id, u.first_name, u.last_name, u.screen_name) for u in users] == [
        (ivan.id, "Ivan", "Petrov", "ivan")
    ] * 2
    assert vk_sandbox.file_bytes(users[0].photo_100).startswith(b"\x89PNG")
    with pytest.raises(VKAPIError[113]):
        await api.users.get(user_ids=[1])
    groups = (await api.request("groups.getById", {}))["response"]["groups"]
    assert [(g["id"], g["name"]) for g in groups] == [(community.id, "Acme")]


async def test_message_event_answer(
    vk_sandbox: VkSandbox, community: Community, ivan: VkUser, api: API
) -> None:
    vk_sandbox.user_writes(community, ivan, "hello")
    await api.messages.send(peer_id=ivan.id, message="menu", random_id=1, keyboard=KEYBOARD)
    menu = vk_sandbox.chat(community, ivan)[-1]
    event_id = vk_sandbox.press_button(community, ivan, menu, {"cmd": "close"})
    snackbar = json.dumps({"type": "show_snackbar", "text": "Closed"})
    answer = await api.messages.send_message_event_answer(
        event_id=event_id, user_id=ivan.id, peer_id=ivan.id, event_data=snackbar
    )
    assert answer == 1
    assert vk_sandbox.event_answers(community) == [
        {
            "event_id": event_id,
            "user_id": ivan.id,
            "peer_id": ivan.id,
            "event_data": {"type": "show_snackbar", "text": "Closed"},
        }
    ]
    with pytest.raises(VKAPIError[100]):
        await api.messages.send_message_event_answer(
            event_id="nope", user_id=ivan.id, peer_id=ivan.id
        )


async def test_unanswered_conversations_and_their_history(
    vk_sandbox: VkSandbox, community: Community, ivan: VkUser, api: API
) -> None:
    anna = vk_sandbox.create_user("Anna", "Reader")
    vk_sandbox.user_writes(community, ivan, "first")
    vk_sandbox.user_writes(community, anna, "answered already")
    await api.messages.send(peer_id=anna.id, message="done", random_id=1)
    vk_sandbox.user_writes(community, ivan, "second")
    raw = await api.request("messages.getConversations", {"filter": "unanswered", "count": 200})
    listed = raw["response"]
    assert listed["count"] == 1
    [item] = listed["items"]
    assert item["conversation"]["peer"] == {"id": ivan.id, "type": "user", "local_id": ivan.id}
    assert item["last_message"]["text"] == "second"
    every = await api.request("messages.getConversations", {"filter": "all"})
    assert [i["conversation"]["peer"]["id"] for i in every["response"]["items"]] == [
        ivan.id,
        anna.id,
    ]
    newest_first = await api.request("messages.getHistory", {"peer_id": ivan.id, "count": 1})
    assert newest_first["response"]["count"] == 2
    assert [m["text"] for m in newest_first["response"]["items"]] == ["second"]
    oldest_first = await api.request("messages.getHistory", {"peer_id": anna.id, "rev": 1})
    assert [m["text"] for m in oldest_first["response"]["items"]] == ["answered already", "done"]
    with pytest.raises(VKAPIError):
        await api.request("messages.getHistory", {"peer_id": ivan.id, "count": 201})
