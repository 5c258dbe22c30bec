"""Plain-text transcripts of chats, for demo output, logs and failing tests."""

from __future__ import annotations

import time
from collections.abc import Iterable

from .views import MessageView

_SERVICE_TEXT = {
    "forum_topic_created": "created topic “{name}”",
    "forum_topic_edited": "edited topic {edits}",
    "forum_topic_closed": "closed the topic",
    "forum_topic_reopened": "reopened the topic",
    "pinned_message": "pinned a message",
}


def render_message(view: MessageView) -> str:
    """One message as one or more transcript lines."""
    stamp = time.strftime("%H:%M:%S", time.gmtime(view.date))
    who = f"{view.sender_name}{' [bot]' if view.sender_is_bot else ''}"
    head = f"#{view.message_id} {stamp} {who}"
    if view.thread_id is not None:
        head = f"{head} (topic {view.thread_id})"
    if view.service is not None:
        template = _SERVICE_TEXT.get(view.type, view.type)
        edits = ", ".join(f"{k}={v!r}" for k, v in view.service.items())
        return f"{head} * {template.format(edits=edits, **view.service)}"
    parts = []
    if view.reply_to is not None:
        parts.append(f"↪#{view.reply_to}")
    if view.forwarded:
        parts.append("[forwarded]")
    for f in view.files:
        label = f.file_name or f.file_id[:12]
        parts.append(f"[{f.kind}: {label}, {f.size} B]")
    for kind, value in view.extra.items():
        parts.append(f"[{kind}: {_short(value)}]")
    if view.body:
        parts.append(view.body)
    line = f"{head}: {' '.join(parts)}"
    flags = []
    if view.edited:
        flags.append("(edited)")
    if view.pinned:
        flags.append("(pinned)")
    if view.reactions:
        flags.append(" ".join(f"{emoji}×{n}" for emoji, n in view.reactions.items()))
    if flags:
        line = f"{line} {' '.join(flags)}"
    # Indent continuation lines so that each message stays one visual block.
    first, *rest = line.split("\n")
    lines = [first, *(f"    {part}" if part else "" for part in rest)]
    for row in view.buttons:
        lines.append("    " + " ".join(f"[ {b.text} ]" for b in row))
    return "\n".join(lines)


def _short(value: object) -> str:
    if isinstance(value, dict):
        for key in ("question", "title", "phone_number", "value"):
            if key in value:
                return str(value[key])
        if "latitude" in value:
            return f"{value['latitude']}, {value['longitude']}"
    return str(value)


def render_transcript(title: str, views: Iterable[MessageView]) -> str:
    """A titled transcript of ``views``."""
    lines = [f"=== {title} ==="]
    lines.extend(render_message(v) for v in views)
    if len(lines) == 1:
        lines.append("(no messages)")
    return "\n".join(lines) + "\n"
