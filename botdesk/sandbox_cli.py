"""``botdesk sandbox``: keep the Telegram emulator running with a ready-made world."""

from __future__ import annotations

import asyncio
import json
import shlex
import sys
from pathlib import Path

from sandbox.telegram import Limits, TelegramSandbox, create_demo_world


def botdesk_command() -> str:
    """How to start this very botdesk from a shell, wherever it is installed.

    A bare ``botdesk`` is usually not on the PATH (it lives in ``.venv/bin``), so a pasted
    ``botdesk run`` would fail with "command not found": name the running console
    script by its absolute path, or the running interpreter with ``-m botdesk``.
    """
    script = Path(sys.argv[0])
    if script.name == "botdesk" and script.is_file():
        return shlex.quote(str(script.absolute()))
    return f"{shlex.quote(sys.executable)} -m botdesk"


async def serve(host: str, port: int, limits: bool) -> int:
    """Start the sandbox, print how to use it, and serve until interrupted."""
    sb = TelegramSandbox(limits=None if limits else Limits.off())
    await sb.start(host, port)
    try:
        world = create_demo_world(sb)
        summary = world.summary(sb.base_url)
        print(f"Telegram sandbox listening on {sb.base_url}")
        print(f"Flood limits: {'Telegram defaults' if limits else 'off'}")
        print(json.dumps(summary, ensure_ascii=False, indent=2))
        print(
            "\nRun botdesk against it in another shell:\n"
            f"  TELEGRAM_API_BASE={sb.base_url} BOT_TOKEN={world.bot.token} "
            f"OPERATOR_GROUP_ID={world.group.id} {botdesk_command()} run\n"
            f"\nControl API: {sb.base_url}/sandbox (see sandbox/README.md). Ctrl-C stops it.",
            flush=True,
        )
        await asyncio.Event().wait()
    finally:
        await sb.stop()
    return 0
