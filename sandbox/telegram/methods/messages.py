"""Sending plain messages, locations, venues, contacts, and chat actions."""

from __future__ import annotations

import random
from typing import Any

from ..errors import bad_request
from .base import Call, method
from .compose import send, sent, target, text_content

CHAT_ACTIONS = {
    "typing",
    "upload_photo",
    "record_video",
    "upload_video",
    "record_voice",
    "upload_voice",
    "upload_document",
    "choose_sticker",
    "find_location",
    "record_video_note",
    "upload_video_note",
}


@method("sendMessage")
async def send_message(call: Call) -> dict[str, Any]:
    """sendMessage: text with parse_mode or entities."""
    to = target(call)
    content = text_content(call.p)
    return sent(send(call, to, "text", content))


def _location(call: Call) -> dict[str, Any]:
    p = call.p
    latitude, longitude = p.json("latitude"), p.json("longitude")
    if latitude is None or longitude is None:
        raise bad_request("wrong latitude or longitude specified")
    location: dict[str, Any] = {"latitude": float(latitude), "longitude": float(longitude)}
    for key in ("horizontal_accuracy", "live_period", "heading", "proximity_alert_radius"):
        if p.has(key):
            location[key] = p.json(key)
    return location


@method("sendLocation")
async def send_location(call: Call) -> dict[str, Any]:
    """sendLocation."""
    to = target(call)
    return sent(send(call, to, "location", {"location": _location(call)}))


@method("sendVenue")
async def send_venue(call: Call) -> dict[str, Any]:
    """sendVenue: a location with a title and an address."""
    to = target(call)
    location = _location(call)
    venue = {
        "location": location,
        "title": call.p.req_str("title"),
        "address": call.p.req_str("address"),
    }
    for key in ("foursquare_id", "foursquare_type", "google_place_id", "google_place_type"):
        if call.p.has(key):
            venue[key] = call.p.str(key)
    return sent(send(call, to, "venue", {"venue": venue, "location": location}))


@method("sendContact")
async def send_contact(call: Call) -> dict[str, Any]:
    """sendContact."""
    to = target(call)
    p = call.p
    contact = {"phone_number": p.req_str("phone_number"), "first_name": p.req_str("first_name")}
    for key in ("last_name", "vcard"):
        if p.has(key):
            contact[key] = p.str(key)
    return sent(send(call, to, "contact", {"contact": contact}))


@method("sendDice")
async def send_dice(call: Call) -> dict[str, Any]:
    """sendDice: a random value for the chosen emoji."""
    to = target(call)
    emoji = call.p.str("emoji") or "🎲"
    top = {"🎯": 6, "🎲": 6, "🎳": 6, "🏀": 5, "⚽": 5, "🎰": 64}.get(emoji)
    if top is None:
        raise bad_request("DICE_EMOJI_INVALID")
    dice = {"emoji": emoji, "value": random.randint(1, top)}
    return sent(send(call, to, "dice", {"dice": dice}))


@method("sendChatAction")
async def send_chat_action(call: Call) -> bool:
    """sendChatAction: validated and acknowledged; clients would show it briefly."""
    call.world.chat_for_bot(call.bot, call.p.chat_id(), sending=True)
    if call.p.str("action") not in CHAT_ACTIONS:
        raise bad_request("wrong parameter action in request")
    return True
