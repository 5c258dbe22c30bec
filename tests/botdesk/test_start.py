"""``botdesk run`` at its start: the same checks as ``botdesk check``, one start line.

And ``botdesk sandbox``: the command line it prints works when pasted into a shell.
"""

from __future__ import annotations

import asyncio
import os
import re
import signal
import sys
from importlib.metadata import version
from pathlib import Path

import pytest

from sandbox.telegram import BotAccount, Chat, TelegramSandbox
from tests.botdesk.checking import setup
from tests.botdesk.processes import (
    ROOT,
    botdesk,
    clean_env,
    closed_port,
    read_until,
    stop,
    web_env,
)


def desk_env(sb: TelegramSandbox, account: BotAccount, group: Chat) -> dict[str, str]:
    """The settings of a desk on ``group`` in the sandbox, its web server on a free port."""
    return {
        "TELEGRAM_API_BASE": sb.base_url,
        "BOT_TOKEN": account.token,
        "OPERATOR_GROUP_ID": str(group.id),
        **web_env(),
    }


async def test_run_refuses_a_group_without_topics_before_touching_it(
    telegram_sandbox: TelegramSandbox, desk_bot_account: BotAccount, tmp_path: Path
) -> None:
    group = setup(telegram_sandbox, desk_bot_account, forum=False)
    result = await botdesk(
        "run", cwd=tmp_path, **desk_env(telegram_sandbox, desk_bot_account, group)
    )
    assert result.returncode == 2, result.output
    assert "Traceback" not in result.output
    assert (
        f'\nStart-up check failed: OPERATOR_GROUP_ID is {group.id}, the group "Support desk", '
        "which has Topics turned off"
    ) in result.stderr
    # nothing announced "connected" in a group where customers' messages could not go
    assert telegram_sandbox.messages(group, general=True) == []


async def test_run_with_postgresql_unreachable_exits_2_with_the_paragraph(
    telegram_sandbox: TelegramSandbox, desk_bot_account: BotAccount, tmp_path: Path
) -> None:
    group = setup(telegram_sandbox, desk_bot_account, forum=True)
    url = f"postgres://postgres@127.0.0.1:{closed_port()}/botdesk"
    env = desk_env(telegram_sandbox, desk_bot_account, group)
    result = await botdesk("run", cwd=tmp_path, DATABASE_URL=url, **env)
    assert result.returncode == 2, result.output
    assert "Traceback" not in result.output
    assert f"Start-up check failed: DATABASE_URL is {url}, and botdesk cannot use" in (
        result.stderr
    )


async def test_run_warns_of_a_missing_right_then_starts_with_one_line(
    telegram_sandbox: TelegramSandbox, desk_bot_account: BotAccount, tmp_path: Path
) -> None:
    group = setup(telegram_sandbox, desk_bot_account, forum=True, can_delete_messages=False)
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "botdesk",
        "run",
        cwd=tmp_path,
        env=clean_env(**desk_env(telegram_sandbox, desk_bot_account, group)),
        stdin=asyncio.subprocess.DEVNULL,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    assert process.stderr is not None
    try:
        log = await read_until(process.stderr, " started: ")
    finally:
        finished = await stop(process)
    assert finished.returncode == 0, log + finished.output
    warning = next(line for line in log.splitlines() if " WARNING " in line)
    assert 'The bot @desk_bot is an administrator of "Support desk" without Delete messages' in (
        warning
    )
    started = [line for line in log.splitlines() if " started: " in line]
    assert len(started) == 1
    assert (
        f"INFO botdesk: botdesk {version('botdesk')} started: @desk_bot, "
        'group "Support desk", long polling; web on '
    ) in started[0]
    assert "Traceback" not in log + finished.output


def _path_without_botdesk() -> str:
    # Where botdesk is installed must not be on the PATH: a pasted bare `botdesk run`
    # would then work here and fail for a person whose virtualenv is not activated.
    venv_bin = str(Path(sys.executable).parent)
    return os.pathsep.join(p for p in os.environ.get("PATH", "").split(os.pathsep) if p != venv_bin)


@pytest.mark.parametrize("started_as", ["script", "module"])
async def test_the_command_botdesk_sandbox_prints_works_when_pasted(
    tmp_path: Path, started_as: str
) -> None:
    # `make sandbox` runs the console script by a relative path; `python -m botdesk` too
    script = Path(sys.executable).parent / "botdesk"
    if started_as == "script" and not script.is_file():
        pytest.skip(f"no console script at {script}: botdesk is not installed in this Python")
    how = [str(script.relative_to(ROOT))] if started_as == "script" else [sys.executable, "-m"]
    # the pasted line names no web port: the default one may be taken by a parallel test
    env = clean_env(PATH=_path_without_botdesk(), **web_env())
    sandbox = await asyncio.create_subprocess_exec(
        *how,
        *(["botdesk"] if started_as == "module" else []),
        "sandbox",
        cwd=ROOT,
        env=env,
        stdin=asyncio.subprocess.DEVNULL,
        stdout=asyncio.subprocess.PIPE,
    )
    assert sandbox.stdout is not None
    try:
        printed = await read_until(sandbox.stdout, "Ctrl-C stops it.")
        command = re.search(r"^\s+(TELEGRAM_API_BASE=.* run)$", printed, re.MULTILINE)
        assert command, printed
        # bash runs a single pasted command in its own place (exec), so the SIGTERM
        # below reaches botdesk itself, and exit code 0 says it stopped gracefully.
        desk = await asyncio.create_subprocess_exec(
            "bash",
            "-c",
            command.group(1),
            cwd=tmp_path,
            env=env,
            stdin=asyncio.subprocess.DEVNULL,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
        )
        assert desk.stderr is not None
        try:
            log = await read_until(desk.stderr, " started: ")
        finally:
            finished = await stop(desk)
        assert finished.returncode == 0, log + finished.output
        assert 'started: @botdesk_demo_bot, group "Support desk", long polling' in log
    finally:
        sandbox.send_signal(signal.SIGINT)
        await asyncio.wait_for(sandbox.wait(), 30)
