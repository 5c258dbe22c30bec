"""``botdesk check`` on the services around Telegram: the database, Redis and VK."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from botdesk.checks import storage
from botdesk.checks.outcome import Status, redact
from core import db
from core.config import Settings
from sandbox.telegram import BotAccount, TelegramSandbox
from sandbox.vk import VkSandbox
from tests.botdesk.checking import Check, setup
from tests.botdesk.processes import Finished, closed_port


async def test_unreachable_postgresql_is_fatal_and_hides_the_password(
    telegram_sandbox: TelegramSandbox, desk_bot_account: BotAccount, tmp_path: Path, check: Check
) -> None:
    group = setup(telegram_sandbox, desk_bot_account)
    url = f"postgres://desk:s3cret@127.0.0.1:{closed_port()}/botdesk"
    result = await check(desk_bot_account, group, database_url=url)
    assert result.returncode == 2
    shown = url.replace("s3cret", "***")
    assert f"✗ Database: {shown} is unreachable" in result.stdout
    assert f"DATABASE_URL is {shown}, and botdesk cannot use that database" in result.stdout
    assert "Start the server or correct DATABASE_URL" in result.stdout
    assert "s3cret" not in result.stdout


async def test_an_unmigrated_database_points_to_botdesk_migrate(
    telegram_sandbox: TelegramSandbox,
    desk_bot_account: BotAccount,
    tmp_path: Path,
    sqlite_url: str,
    check: Check,
) -> None:
    group = setup(telegram_sandbox, desk_bot_account)
    result = await check(desk_bot_account, group)
    assert result.returncode == 2
    assert f"✗ Database: {sqlite_url} does not exist yet" in result.stdout
    assert "Run `botdesk migrate` to create it" in result.stdout
    assert not (tmp_path / "data").exists()  # looking changed nothing


@pytest.mark.postgres
async def test_pending_migrations_on_postgresql_are_listed(
    telegram_sandbox: TelegramSandbox,
    desk_bot_account: BotAccount,
    check: Check,
    postgres_database_url: str,
) -> None:
    group = setup(telegram_sandbox, desk_bot_account)
    env = {"database_url": postgres_database_url}
    result = await check(desk_bot_account, group, **env)
    assert result.returncode == 2
    assert "botdesk.0001_initial" in result.stdout
    assert "Run `botdesk migrate`" in result.stdout
    await db.migrate(postgres_database_url)
    again = await check(desk_bot_account, group, **env)
    assert again.returncode == 0, again.output
    assert "✓ Database: " in again.stdout and "schema up to date" in again.stdout


async def test_unreachable_redis_is_fatal_and_says_it_may_be_left_unset(
    telegram_sandbox: TelegramSandbox, desk_bot_account: BotAccount, migrated: str, check: Check
) -> None:
    group = setup(telegram_sandbox, desk_bot_account)
    url = f"redis://127.0.0.1:{closed_port()}/0"
    result = await check(desk_bot_account, group, redis_url=url)
    assert result.returncode == 2
    assert f"✗ Redis: {url} does not answer" in result.stdout
    assert f"REDIS_URL is {url}, and Redis does not answer there" in result.stdout
    assert "leave REDIS_URL unset to run a single instance without Redis" in result.stdout


async def test_vk_token_and_community_are_checked(
    telegram_sandbox: TelegramSandbox,
    desk_bot_account: BotAccount,
    migrated: str,
    check: Check,
    vk_sandbox: VkSandbox,
) -> None:
    group = setup(telegram_sandbox, desk_bot_account)
    acme, other = vk_sandbox.create_community("Acme"), vk_sandbox.create_community("Other")
    base = vk_sandbox.api_url.removesuffix("/method/")

    async def vk(token: str, group_id: int) -> Finished:
        env = {"vk_token": token, "vk_group_id": group_id, "vk_api_base": base}
        return await check(desk_bot_account, group, **env)

    good = await vk(acme.token, acme.id)
    assert good.returncode == 0, good.output
    assert f'✓ VK community: "Acme" ({acme.id}), token accepted' in good.stdout
    wrong = await vk("z" * 40, acme.id)
    assert wrong.returncode == 2
    assert "✗ VK community: VK_TOKEN is rejected (error 5)" in wrong.stdout
    assert "Manage → API usage → Access tokens" in wrong.stdout
    foreign = await vk(other.token, acme.id)
    assert foreign.returncode == 2
    assert (
        f'VK_GROUP_ID is {acme.id}, but VK_TOKEN is the token of the community {other.id} ("Other")'
    ) in foreign.stdout


def test_a_printed_url_never_shows_its_password() -> None:
    assert redact("postgres://u:pw@db:5432/x") == "postgres://u:***@db:5432/x"
    assert redact("redis://:pw@cache/0") == "redis://:***@cache/0"
    assert redact("sqlite://data/botdesk.sqlite3") == "sqlite://data/botdesk.sqlite3"


async def test_a_migration_slower_than_the_reachability_timeout_still_runs(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The timeout asks whether the database answers at all; an index over a big table
    (or another process's migration this one waits for) may take minutes."""
    url = f"sqlite://{tmp_path / 'desk.sqlite3'}"
    migrate = db.migrate

    async def slow_migrate(database_url: str) -> list[str]:
        await asyncio.sleep(3.0)  # longer than the timeout below
        return await migrate(database_url)

    monkeypatch.setattr(storage, "TIMEOUT", 2.0)
    monkeypatch.setattr(db, "migrate", slow_migrate)
    outcome = await storage.check_database(Settings(database_url=url), migrate=True)
    assert outcome.status is Status.OK, outcome
    assert await db.pending_migrations(url) == []
