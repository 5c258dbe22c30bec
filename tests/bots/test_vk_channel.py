"""VkChannel against the VK sandbox, with the real vkbottle API over HTTP."""

from __future__ import annotations

import json
import os
import struct
from collections.abc import AsyncIterator

import pytest
from vkbottle import API

from bots.vk.channel import VkChannel
from bots.vk.errors import vk_errors
from bots.vk.peers import VkPeers
from bots.vk.text import random_id
from core.entities import Attachment, Choice, Content, Delivery, DeliveryEdit
from core.enums import Channel, MessageKind
from core.errors import PermanentError, RecipientUnavailable, RetryLater, TransientError
from sandbox.vk import Community, VkSandbox, VkUser
from tests.fixtures.vk_sandbox import sandbox_api, vk_sandbox  # noqa: F401

GROUP = -100500


def png() -> bytes:
    """A small PNG header plus random bytes (a unique file each time)."""
    return b"\x89PNG\r\n\x1a\n" + struct.pack(">I4sII", 13, b"IHDR", 4, 3) + os.urandom(16)


class Files:
    """The operator side's files, by file id (stands in for TelegramOperatorDesk.download)."""

    def __init__(self) -> None:
        self.data: dict[str, bytes] = {}
        self.fetched: list[str] = []

    def add(self, kind: MessageKind, data: bytes, **extra: object) -> Attachment:
        file_id = f"{kind.value}-{len(self.data)}"
        self.data[file_id] = data
        return Attachment(kind=kind, file_id=file_id, **extra)  # type: ignore[arg-type]

    async def fetch(self, attachment: Attachment) -> bytes:
        self.fetched.append(str(attachment.file_id))
        return self.data[str(attachment.file_id)]


class World:
    def __init__(self, vk: VkSandbox) -> None:
        self.vk = vk
        self.community: Community = vk.create_community("Acme")
        self.user: VkUser = vk.create_user("Ivan", "Petrov", screen_name="ivan", lang="ru")
        self.api: API = sandbox_api(vk, self.community)
        self.files = Files()
        self.channel = VkChannel(self.api, self.files.fetch)
        vk.user_writes(self.community, self.user, "hello")  # allows the community to answer

    def sent(self) -> list:  # type: ignore[type-arg]
        return [m for m in self.vk.chat(self.community, self.user) if m.from_id < 0]

    def delivery(self, *contents: Content, key: str = "deliver:1", **extra: object) -> Delivery:
        return Delivery(
            channel=Channel.VK,
            chat_id=self.user.id,
            source_chat_id=GROUP,
            source_message_ids=tuple(range(1, len(contents) + 1)),
            contents=contents,
            key=key,
            **extra,  # type: ignore[arg-type]
        )


@pytest.fixture
async def world(vk_sandbox: VkSandbox) -> AsyncIterator[World]:  # noqa: F811
    made = World(vk_sandbox)
    yield made
    await made.api.http_client.close()


def text(value: str, html: str | None = None) -> Content:
    return Content(kind=MessageKind.TEXT, text=value, html=html)


async def test_text_is_plain_and_carries_a_stable_random_id(world: World) -> None:
    ids = await world.channel.deliver(world.delivery(text("Hi", "<b>Hi</b> &amp; bye")))
    [sent] = world.sent()
    assert ids == (sent.id,)
    assert sent.text == "Hi & bye"
    assert sent.random_id == random_id("deliver:1", 0)


async def test_a_retry_never_duplicates(world: World) -> None:
    delivery = world.delivery(text("one"), text("two"), key="deliver:9")
    world.vk.drop_next_response("messages.send")  # the first send happens, its answer is lost
    with pytest.raises(TransientError):
        await world.channel.deliver(delivery)
    ids = await world.channel.deliver(delivery)
    assert [m.text for m in world.sent()] == ["one", "two"]
    assert ids == tuple(m.id for m in world.sent())


async def test_long_text_is_split_and_reply_goes_on_the_first_part(world: World) -> None:
    [hello] = world.vk.chat(world.community, world.user)
    long = "\n".join(["x" * 3000] * 2)
    ids = await world.channel.deliver(world.delivery(text(long), reply_to_message_id=hello.id))
    first, second = world.sent()
    assert ids == (first.id,)
    assert first.reply_to == hello.id and second.reply_to is None
    assert len(first.text) == len(second.text) == 3000
    assert first.random_id != second.random_id


async def test_photo_album_is_one_message(world: World) -> None:
    pictures = [png(), png(), png()]
    contents = tuple(
        Content(
            kind=MessageKind.PHOTO,
            text="top" if n == 0 else None,
            attachments=(world.files.add(MessageKind.PHOTO, data),),
        )
        for n, data in enumerate(pictures)
    )
    before = len(world.vk.calls())
    ids = await world.channel.deliver(world.delivery(*contents))
    [album] = world.sent()
    assert ids == (album.id,)
    assert album.text == "top"
    assert [a["type"] for a in album.attachments] == ["photo"] * 3
    assert [world.vk.file_bytes(a) for a in album.attachments] == pictures
    # Three requests of the community's 20 a second instead of seven: the upload servers
    # and the saves each go in one execute (the calls inside are listed after it).
    requests = [m for m, _ in world.vk.calls()[before:] if not m.startswith("photos.")]
    assert requests == ["execute", "execute", "messages.send"]


async def test_an_album_whose_upload_fails_inside_execute_fails_as_that_error(
    world: World,
) -> None:
    contents = tuple(
        Content(kind=MessageKind.PHOTO, attachments=(world.files.add(MessageKind.PHOTO, png()),))
        for _ in range(2)
    )
    world.vk.fail_next("photos.saveMessagesPhoto", 10)
    with pytest.raises(TransientError, match="VK error 10"):
        await world.channel.deliver(world.delivery(*contents))
    assert world.sent() == []
    await world.channel.deliver(world.delivery(*contents))  # the outbox's retry
    assert len(world.sent()) == 1


async def test_document_voice_and_sticker(world: World) -> None:
    doc = world.files.add(MessageKind.DOCUMENT, b"%PDF-1.4 x", file_name="invoice.pdf")
    voice = world.files.add(MessageKind.VOICE, b"OggS voice")
    sticker = world.files.add(MessageKind.STICKER, png(), details={"emoji": "😀"})
    moving = Attachment(
        kind=MessageKind.STICKER, file_id="x", details={"emoji": "🔥", "is_animated": True}
    )
    ids = await world.channel.deliver(
        world.delivery(
            Content(kind=MessageKind.DOCUMENT, text="the invoice", attachments=(doc,)),
            Content(kind=MessageKind.VOICE, attachments=(voice,)),
            Content(kind=MessageKind.STICKER, attachments=(sticker,)),
            Content(kind=MessageKind.STICKER, attachments=(moving,)),
        )
    )
    sent = world.sent()
    assert ids == tuple(m.id for m in sent)
    assert [m.attachments[0]["type"] if m.attachments else None for m in sent] == [
        "doc",
        "audio_message",
        "photo",
        None,
    ]
    assert sent[0].text == "the invoice"
    assert world.vk.file_bytes(sent[0].attachments[0]) == b"%PDF-1.4 x"
    assert sent[0].attachments[0]["doc"]["title"] == "invoice.pdf"
    assert sent[3].text == "🔥"
    assert len(set(m.random_id for m in sent)) == 4


async def test_location_and_contact(world: World) -> None:
    place = Attachment(
        kind=MessageKind.VENUE,
        details={
            "latitude": 55.75,
            "longitude": 37.62,
            "title": "Office",
            "address": "Tverskaya 1",
        },
    )
    contact = Attachment(
        kind=MessageKind.CONTACT, details={"first_name": "Olga", "phone_number": "+7 900"}
    )
    await world.channel.deliver(
        world.delivery(
            Content(kind=MessageKind.VENUE, attachments=(place,)),
            Content(kind=MessageKind.CONTACT, attachments=(contact,)),
        )
    )
    venue, person = world.sent()
    assert venue.text == "Office — Tverskaya 1"
    assert person.text == "👤 Olga +7 900"
    sends = world.vk.calls("messages.send")
    assert sends[-2][1]["lat"] == "55.75" and sends[-2][1]["long"] == "37.62"


async def test_edit_changes_the_text(world: World) -> None:
    [first] = await world.channel.deliver(world.delivery(text("tpyo")))
    await world.channel.edit(
        DeliveryEdit(Channel.VK, world.user.id, first, text("typo", "<i>typo</i>"))
    )
    [sent] = world.sent()
    assert sent.text == "typo" and sent.edited


async def test_send_text_and_errors(world: World) -> None:
    message_id = await world.channel.send_text(world.user.id, "<b>Welcome</b>", key="greet:1")
    assert world.sent()[-1].id == message_id and world.sent()[-1].text == "Welcome"
    world.vk.fail_next("messages.send", 6)
    with pytest.raises(RetryLater):
        await world.channel.send_text(world.user.id, "x", key="k")
    world.vk.disallow_messages(world.community, world.user)
    with pytest.raises(RecipientUnavailable):
        await world.channel.send_text(world.user.id, "x", key="k")


async def test_choices_are_callback_buttons(world: World) -> None:
    choices = [Choice("⭐", "rate:1"), Choice("⭐⭐", "rate:2")]
    message_id = await world.channel.send_choices(world.user.id, "Rate us", choices, key="csat:1")
    sent = world.sent()[-1]
    assert sent.id == message_id and sent.text == "Rate us"
    assert sent.keyboard is not None and sent.keyboard["inline"] is True
    actions = [button["action"] for button in sent.keyboard["buttons"][0]]
    assert [a["type"] for a in actions] == ["callback", "callback"]
    assert json.loads(actions[1]["payload"]) == {"choice": "rate:2"}


async def test_choices_fall_back_to_text_buttons(world: World) -> None:
    peers = VkPeers(world.api)
    channel = VkChannel(world.api, world.files.fetch, peers=peers)
    peers.remember_client(world.user.id, {"button_actions": ["text"], "lang_id": 0})
    await channel.send_choices(world.user.id, "Rate us", [Choice("1", "rate:1")], key="csat:2")
    button = world.sent()[-1].keyboard["buttons"][0][0]["action"]  # type: ignore[index]
    assert button["type"] == "text"
    assert json.loads(button["payload"]) == {"choice": "rate:1"}


async def test_react_puts_the_communitys_reaction_on_the_customers_message(world: World) -> None:
    thanks = world.vk.user_writes(world.community, world.user, "спасибо")
    await world.channel.react(world.user.id, thanks.id, "👍", key="ack:1")
    assert world.vk.reactions(world.community, thanks) == {-world.community.id: 4}
    await world.channel.react(world.user.id, thanks.id, "🙏", key="ack:2")  # replaces it
    assert world.vk.reactions(world.community, thanks) == {-world.community.id: 14}
    await world.channel.react(world.user.id, thanks.id, "🦄", key="ack:3")  # no such reaction
    assert world.vk.reactions(world.community, thanks) == {-world.community.id: 4}
    [call] = world.vk.calls("messages.sendReaction")[-1:]
    assert call[1] == {
        "peer_id": str(world.user.id),
        "cmid": str(thanks.conversation_message_id),
        "reaction_id": "4",
    }
    found = await world.api.request("messages.getById", {"message_ids": thanks.id})
    [counter] = found["response"]["items"][0]["reactions"]
    assert counter == {"reaction_id": 4, "count": 1, "user_ids": [-world.community.id]}


async def test_react_errors(world: World) -> None:
    with pytest.raises(PermanentError, match="no message 999"):
        await world.channel.react(world.user.id, 999, "👍", key="ack:1")
    [hello] = world.vk.chat(world.community, world.user)
    params = {"peer_id": world.user.id, "cmid": hello.conversation_message_id, "reaction_id": 17}
    with pytest.raises(PermanentError, match="VK error 1009: Unknown reaction passed"):
        async with vk_errors():
            await world.api.request("messages.sendReaction", params)
    assert world.vk.reactions(world.community, hello) == {}
