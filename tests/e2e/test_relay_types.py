"""Every kind of message crosses the relay as itself, both ways, and albums stay albums.

Dice and polls are copied as themselves in both directions: a customer's poll shows in
the topic as a poll, and an operator's dice or poll reaches the customer like any other
reply (support teams use polls to let a customer pick an option).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sandbox.telegram import AlbumItem, MessageView, TelegramSandbox, Topic, User
from tests.e2e.conftest import blob, from_bot, in_topic, opened, png, until
from tests.fixtures.telegram_sandbox import DeskWorld

Send = Callable[[TelegramSandbox, User, Any, Topic | None], MessageView]

FORMATTED = 'Order <b>#42</b> is <i>late</i>, see <a href="https://example.com/t">tracking</a>'


def _media(kind: str, data: Callable[[], bytes], caption: str | None, **hints: Any) -> Send:
    def send(sb: TelegramSandbox, user: User, to: Any, topic: Topic | None) -> MessageView:
        return sb.send_media(
            user, to, kind, data(), caption=caption, parse_mode="HTML", topic=topic, **hints
        )

    return send


KINDS: dict[str, Send] = {
    "text": lambda sb, u, to, t: sb.send_text(u, to, FORMATTED, parse_mode="HTML", topic=t),
    "photo": _media("photo", png, "a <b>photo</b>"),
    "video": _media("video", blob, "a video", duration=3),
    "animation": _media("animation", blob, "a gif"),
    "document": _media("document", blob, "the invoice", file_name="invoice.pdf"),
    "audio": _media("audio", blob, "a song", title="Song", performer="Band"),
    "voice": _media("voice", blob, None, duration=2),
    "video_note": _media("video_note", blob, None),
    "sticker": _media("sticker", png, None, emoji="👍"),
    "location": lambda sb, u, to, t: sb.send_location(u, to, 55.75, 37.61, topic=t),
    "venue": lambda sb, u, to, t: sb.send_venue(u, to, 55.75, 37.61, "Shop", "Main st 1", topic=t),
    "contact": lambda sb, u, to, t: sb.send_contact(u, to, "+15550100", "Bob", "Smith", topic=t),
    "dice": lambda sb, u, to, t: sb.send_dice(u, to, "🎯", 4, topic=t),
    "poll": lambda sb, u, to, t: sb.send_poll(u, to, "Which day?", ["Mon", "Tue"], topic=t),
}


def signature(message: MessageView) -> tuple[Any, ...]:
    """What must survive the relay: kind, body, formatting, the files and the payload."""
    entities = [(e["type"], e["offset"], e["length"], e.get("url")) for e in message.entities]
    files = [f.file_unique_id for f in message.files]
    extra = {k: v for k, v in message.extra.items() if k != "poll"}
    if "poll" in message.extra:
        poll = message.extra["poll"]
        extra["poll"] = (poll["question"], [o["text"] for o in poll["options"]])
    return message.type, message.body, entities, files, extra


def _mismatches(sent: dict[str, MessageView], got: list[MessageView]) -> list[str]:
    wrong = []
    for (kind, original), copy in zip(sent.items(), got, strict=False):
        if signature(copy) != signature(original):
            wrong.append(f"{kind}: sent {signature(original)}, got {signature(copy)}")
        if copy.forwarded:
            wrong.append(f"{kind}: arrived as a forward")
    if len(got) != len(sent):
        wrong.append(f"{len(sent)} sent, {len(got)} arrived: {[m.type for m in got]}")
    return wrong


async def test_every_kind_from_the_customer_shows_in_the_topic_as_itself(
    relay_desk: DeskWorld,
) -> None:
    world, sb = relay_desk, relay_desk.sandbox
    topic = await opened(world)
    sent = {kind: send(sb, world.customer, world.bot, None) for kind, send in KINDS.items()}
    got = await until(sb, lambda: (m := in_topic(world, topic)[1:])[len(sent) - 1 :] and m)
    assert _mismatches(sent, got) == []
    assert all(m.sender_is_bot for m in got)


async def test_every_kind_from_an_operator_reaches_the_customer_as_itself(
    relay_desk: DeskWorld,
) -> None:
    world, sb = relay_desk, relay_desk.sandbox
    topic = await opened(world)
    sent = {kind: send(sb, world.operator, world.group, topic) for kind, send in KINDS.items()}
    got = await until(sb, lambda: (m := from_bot(world))[len(sent) - 1 :] and m)
    assert _mismatches(sent, got) == []
    # Each reply is marked delivered for the operators.
    await until(sb, lambda: all(m.reactions for m in in_topic(world, topic)[1:]))


ALBUM = [
    AlbumItem("photo", png(), caption="front"),
    AlbumItem("video", blob()),
    AlbumItem("photo", png(), caption="back"),
]


def _album_of(messages: list[MessageView], size: int) -> list[MessageView] | None:
    parts = [m for m in messages if m.media_group_id is not None]
    return parts if len(parts) >= size else None


def _assert_same_album(sent: list[MessageView], got: list[MessageView]) -> None:
    assert len(got) == len(sent)
    assert len({m.media_group_id for m in got}) == 1
    assert [signature(m) for m in got] == [signature(m) for m in sent]


async def test_a_customer_album_shows_as_one_album_in_order(relay_desk: DeskWorld) -> None:
    world, sb = relay_desk, relay_desk.sandbox
    topic = await opened(world)
    sent = sb.send_album(world.customer, world.bot, ALBUM)
    got = await until(sb, lambda: _album_of(in_topic(world, topic), len(sent)))
    _assert_same_album(sent, got)


async def test_an_operator_album_reaches_the_customer_as_one_album(relay_desk: DeskWorld) -> None:
    world, sb = relay_desk, relay_desk.sandbox
    topic = await opened(world)
    sent = sb.send_album(world.operator, world.group, ALBUM, topic=topic)
    got = await until(sb, lambda: _album_of(from_bot(world), len(sent)))
    _assert_same_album(sent, got)


async def test_two_albums_in_a_row_stay_two_albums(relay_desk: DeskWorld) -> None:
    world, sb = relay_desk, relay_desk.sandbox
    topic = await opened(world)
    first = sb.send_album(world.customer, world.bot, ALBUM[:2])
    second = sb.send_album(world.customer, world.bot, [AlbumItem("document", blob())] * 2)
    got = await until(sb, lambda: _album_of(in_topic(world, topic), 4))
    _assert_same_album(first, got[:2])
    _assert_same_album(second, got[2:])
    assert got[0].media_group_id != got[2].media_group_id
