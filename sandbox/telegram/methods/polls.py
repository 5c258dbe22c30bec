"""sendPoll: a native regular poll or quiz, checked as the Bot API describes it."""

from __future__ import annotations

import secrets
from typing import Any

from ..errors import bad_request
from .base import Call, method
from .compose import send, sent, target

MAX_QUESTION = 300
MAX_OPTIONS = 12
MAX_OPTION_TEXT = 100


def _question(call: Call) -> str:
    question = call.p.str("question") or ""
    if not question.strip():
        raise bad_request("poll question must be non-empty")
    if len(question) > MAX_QUESTION:
        raise bad_request(f"poll question length must not exceed {MAX_QUESTION}")
    return question


def _options(call: Call) -> list[dict[str, Any]]:
    given = call.p.json("options")
    if not isinstance(given, list) or not given:
        raise bad_request("poll must have at least 1 option")
    if len(given) > MAX_OPTIONS:
        raise bad_request(f"poll can't have more than {MAX_OPTIONS} options")
    options = []
    for number, item in enumerate(given):
        # InputPollOption objects; a bare string is what older clients send
        text = item.get("text") if isinstance(item, dict) else item
        if not isinstance(text, str) or not text.strip():
            raise bad_request("poll options must be non-empty")
        if len(text) > MAX_OPTION_TEXT:
            raise bad_request(f"poll options length must not exceed {MAX_OPTION_TEXT}")
        options.append({"persistent_id": str(number), "text": text, "voter_count": 0})
    return options


def _correct(call: Call, count: int) -> list[int]:
    """The right answers of a quiz (``correct_option_ids``, or the older single id)."""
    ids = call.p.json("correct_option_ids")
    if ids is None and call.p.has("correct_option_id"):
        ids = [call.p.int("correct_option_id")]
    if not isinstance(ids, list) or not ids:
        raise bad_request("correct option ids must be specified for a quiz")
    if not all(isinstance(i, int) and 0 <= i < count for i in ids):
        raise bad_request("wrong correct option id specified")
    return sorted(set(ids))


@method("sendPoll")
async def send_poll(call: Call) -> dict[str, Any]:
    """sendPoll: anonymous and regular unless told otherwise; nobody has voted yet."""
    to = target(call)
    p = call.p
    kind = p.str("type") or "regular"
    if kind not in ("regular", "quiz"):
        raise bad_request("wrong poll type specified")
    options = _options(call)
    poll: dict[str, Any] = {
        "id": str(secrets.randbelow(10**18)),
        "question": _question(call),
        "options": options,
        "total_voter_count": 0,
        "is_closed": p.bool("is_closed"),
        "is_anonymous": p.bool("is_anonymous") if p.has("is_anonymous") else True,
        "type": kind,
        "allows_multiple_answers": p.bool("allows_multiple_answers"),
        "allows_revoting": (
            p.bool("allows_revoting") if p.has("allows_revoting") else kind == "regular"
        ),
        "members_only": p.bool("members_only"),
    }
    if kind == "quiz":
        poll["correct_option_ids"] = _correct(call, len(options))
        if p.has("explanation"):
            poll["explanation"] = p.str("explanation")
    for key in ("open_period", "close_date"):
        if p.has(key):
            poll[key] = p.int(key)
    return sent(send(call, to, "poll", {"poll": poll}))
