"""``botdesk`` as a separate process, driven from an async test (the sandbox keeps serving).

The process sees none of botdesk's settings from the test's environment, only those a
test passes, and runs in a directory of the test's own (its SQLite file lands there).
"""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import sys
from dataclasses import dataclass
from pathlib import Path

from core.config import Settings

ROOT = Path(__file__).resolve().parents[2]


def clean_env(**env: str) -> dict[str, str]:
    """The test's environment without botdesk's settings (the digest off), plus ``env``."""
    kept = {
        k: v
        for k, v in os.environ.items()
        if k.lower() not in Settings.model_fields and k != "BOTDESK_CONFIG"
    }
    # no digest unless a test asks: one falling due mid-test would post into the Reports topic
    return {**kept, "PYTHONPATH": str(ROOT), "DIGEST_TIME": "off", **env}


def closed_port() -> int:
    """A loopback TCP port nothing listens on (it was free a moment ago)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def web_env() -> dict[str, str]:
    """``WEB_HOST``/``WEB_PORT`` for a child ``botdesk run``: loopback, a free port of its own.

    The default (0.0.0.0:8080) is one port for every desk: two desks started by tests
    running side by side (``pytest -n``) would collide there, and the second would refuse
    to start. Every test that starts ``botdesk run`` passes these in its child's env.
    """
    return {"WEB_HOST": "127.0.0.1", "WEB_PORT": str(closed_port())}


@dataclass
class Finished:
    """What a finished command left behind."""

    returncode: int
    stdout: str
    stderr: str

    @property
    def output(self) -> str:
        """Both streams, for assertion messages."""
        return self.stdout + self.stderr


async def botdesk(*args: str, cwd: Path, within: float = 90, **env: str) -> Finished:
    """Run ``python -m botdesk ARGS`` to its end."""
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "botdesk",
        *args,
        cwd=cwd,
        env=clean_env(**env),
        stdin=asyncio.subprocess.DEVNULL,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    out, err = await asyncio.wait_for(process.communicate(), within)
    assert process.returncode is not None
    return Finished(process.returncode, out.decode(), err.decode())


async def read_until(stream: asyncio.StreamReader, marker: str, within: float = 90) -> str:
    """Lines of ``stream`` up to the first that contains ``marker``; fail at its end."""
    seen = ""
    async with asyncio.timeout(within):
        while marker not in seen:
            line = await stream.readline()
            assert line, f"the stream ended before {marker!r}:\n{seen}"
            seen += line.decode()
    return seen


async def stop(process: asyncio.subprocess.Process, within: float = 30) -> Finished:
    """SIGTERM, as docker stop and systemd send it; wait for the exit and the rest."""
    process.send_signal(signal.SIGTERM)
    out, err = await asyncio.wait_for(process.communicate(), within)
    assert process.returncode is not None
    return Finished(process.returncode, out.decode(), err.decode())
