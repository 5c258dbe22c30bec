"""Waiting that a stop request cuts short: the long-poll loops of both messengers use it."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable
from contextlib import suppress
from typing import TypeVar

__all__ = ["sleep_or_stop", "unless_stopped"]

T = TypeVar("T")


async def sleep_or_stop(seconds: float, stop: asyncio.Event) -> None:
    """Sleep ``seconds``, or less if ``stop`` is set meanwhile."""
    with suppress(TimeoutError):
        await asyncio.wait_for(stop.wait(), timeout=seconds)


async def unless_stopped(call: Awaitable[T], stop: asyncio.Event) -> T | None:
    """``call``'s result (or its exception); None, with ``call`` cancelled, once ``stop`` is set."""
    fetch = asyncio.ensure_future(call)
    stopping = asyncio.ensure_future(stop.wait())
    await asyncio.wait({fetch, stopping}, return_when=asyncio.FIRST_COMPLETED)
    stopping.cancel()
    if not fetch.done():
        fetch.cancel()
        with suppress(asyncio.CancelledError):
            await fetch
        return None
    return fetch.result()
