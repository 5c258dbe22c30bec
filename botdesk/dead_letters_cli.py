"""``botdesk dead-letters``: list the updates set aside, replay one after a fix, or drop one.

A replay feeds the stored raw update through the same handling as a live one: the
real dispatcher of a desk built from the settings (Telegram) or the VK event handler,
without polling anything. Whatever the handling queues (a message into a topic, an
answer to the customer) waits in the outbox for the running desk to send it.
"""

from __future__ import annotations

import argparse
import sys
from typing import TYPE_CHECKING, Any, TextIO

from core import db
from core.config import Settings
from core.enums import Channel
from core.intake.dead_letters import StoredLetter, drop, find, mark_replayed, recent, summary
from core.outages import describe, is_outage

if TYPE_CHECKING:
    from aiogram.client.session.middlewares.base import BaseRequestMiddleware

    from botdesk.app import Desk

__all__ = ["dead_letters", "replay"]

EXIT_FAILED = 1
EXIT_USAGE = 2
LISTED = 50
_ERROR = 70  # characters of an error shown in the listing


def _line(letter: StoredLetter) -> str:
    state = "replayed" if letter.replayed else "set aside"
    error = letter.error if len(letter.error) <= _ERROR else letter.error[: _ERROR - 1] + "…"
    when = letter.created_at.strftime("%Y-%m-%d %H:%M:%S UTC")
    return (
        f"#{letter.id}  {when}  {letter.channel}  update {letter.update_id}  [{state}]\n"
        f"    {summary(letter)}\n    {error}"
    )


def _list(letters: list[StoredLetter], out: TextIO) -> int:
    if not letters:
        print("No dead letters: every update was handled.", file=out)
        return 0
    for letter in reversed(letters):  # oldest first, the newest next to the prompt
        print(_line(letter), file=out)
    waiting = sum(not letter.replayed for letter in letters)
    print(
        f"\n{waiting} set aside, {len(letters) - waiting} replayed (the last {LISTED} shown). "
        "After fixing the cause, `botdesk dead-letters replay ID` handles one again; "
        "`botdesk dead-letters drop ID` deletes one.",
        file=out,
    )
    return 0


def late_answers() -> BaseRequestMiddleware:
    """A request middleware for replays: a press's answer is allowed to come too late.

    Telegram accepts ``answerCallbackQuery`` only for a short while after the press, so a
    replayed press cannot stop its spinner any more; what the press did still counts.
    """
    from aiogram.client.session.middlewares.base import BaseRequestMiddleware
    from aiogram.exceptions import TelegramBadRequest
    from aiogram.methods import AnswerCallbackQuery
    from aiogram.methods.base import Response

    class LateAnswers(BaseRequestMiddleware):
        async def __call__(self, make_request: Any, bot: Any, method: Any) -> Response[Any]:
            try:
                response: Response[Any] = await make_request(bot, method)
            except TelegramBadRequest:
                if not isinstance(method, AnswerCallbackQuery):
                    raise
                return Response[bool](ok=True, result=True)
            return response

    return LateAnswers()


async def _close(desk: Desk) -> None:
    if desk.vk is not None:
        await desk.vk.close()
    await desk.dispatcher.storage.close()
    await desk.bot.session.close()


async def replay(settings: Settings, letter: StoredLetter, out: TextIO, err: TextIO) -> int:
    """Handle ``letter``'s update again; 0 and marked replayed on success, 1 on failure."""
    # Only a replay needs the whole desk (and aiogram): listing stays quick.
    from botdesk.app import Desk
    from botdesk.updates import feed_raw

    desk = Desk(settings)
    desk.bot.session.middleware(late_answers())
    try:
        if letter.channel is Channel.VK:
            if desk.vk is None:
                print(
                    f"Dead letter #{letter.id} came from VK, but VK_TOKEN is not set: set "
                    "VK_TOKEN and VK_GROUP_ID as for `botdesk run` and replay it again.",
                    file=err,
                )
                return EXIT_USAGE
            await desk.vk.dispatcher.handle(letter.payload)
        else:
            await feed_raw(desk.bot, desk.dispatcher, letter.payload)
    except Exception as error:
        print(
            f"Replay of dead letter #{letter.id} failed again: {describe(error)}. "
            "It stays set aside; fix the cause and replay it once more.",
            file=err,
        )
        return EXIT_FAILED
    finally:
        await _close(desk)
    await mark_replayed(letter.id)
    print(
        f"Dead letter #{letter.id} replayed: {summary(letter)}. Anything it queued goes out "
        "with the running desk.",
        file=out,
    )
    return 0


def _unknown(letter_id: int, err: TextIO) -> int:
    print(
        f"There is no dead letter #{letter_id} in DATABASE_URL. Run `botdesk dead-letters` "
        "to list them with their ids, and check that DATABASE_URL is the desk's database.",
        file=err,
    )
    return EXIT_USAGE


async def dead_letters(
    settings: Settings, args: argparse.Namespace, out: TextIO = sys.stdout, err: TextIO = sys.stderr
) -> int:
    """The ``dead-letters`` command; returns the exit code."""
    if args.action is not None and args.id is None:
        print(f"`botdesk dead-letters {args.action}` needs the id of a dead letter.", file=err)
        return EXIT_USAGE
    try:
        await db.init_db(settings.database_url)
    except Exception as error:
        if not is_outage(error):
            raise
        print(
            f"The database at DATABASE_URL cannot be reached ({describe(error)}). Check that "
            "the server runs and that DATABASE_URL names it, then run the command again.",
            file=err,
        )
        return EXIT_USAGE
    try:
        if args.action is None:
            return _list(await recent(LISTED), out)
        letter = await find(args.id)
        if letter is None:
            return _unknown(args.id, err)
        if args.action == "drop":
            await drop(letter.id)
            print(f"Dead letter #{letter.id} dropped: {summary(letter)}.", file=out)
            return 0
        return await replay(settings, letter, out, err)
    finally:
        await db.close_db()
