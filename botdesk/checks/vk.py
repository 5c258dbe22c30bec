"""The VK check: ``VK_TOKEN`` is accepted and belongs to the community ``VK_GROUP_ID``.

Imported only when ``VK_TOKEN`` is set, like the rest of the VK side: a Telegram-only
desk never loads vkbottle.
"""

from __future__ import annotations

import asyncio
from typing import Any

import aiohttp
from vkbottle import VKAPIError

from botdesk.checks.outcome import VK, Outcome, failed, ok
from botdesk.vk import build_vk_api
from core.config import Settings
from core.errors import TransientError

TIMEOUT = 10.0
# VK's code for "User authorization failed": a wrong, revoked or foreign token.
AUTHORIZATION_FAILED = 5
_NEW_TOKEN = (
    "In the community open Manage → API usage → Access tokens, create a token with access "
    "to messages, photos and documents, and put it into VK_TOKEN."
)


def _groups(response: Any) -> list[dict[str, Any]]:
    # API 5.199 answers {groups: [...], profiles: [...]}; older versions a bare list.
    groups = response.get("groups", []) if isinstance(response, dict) else response
    return [g for g in groups or [] if isinstance(g, dict)]


async def check_vk(settings: Settings) -> Outcome:
    """``groups.getById`` with the token, through the API client ``botdesk run`` builds."""
    assert settings.vk_group_id is not None
    where = settings.vk_api_base or "https://api.vk.com"
    api = build_vk_api(settings)
    try:
        async with asyncio.timeout(TIMEOUT):
            answer = await api.request("groups.getById", {})
    except VKAPIError as exc:
        code = int(getattr(exc, "code", 0) or 0)
        if code == AUTHORIZATION_FAILED:
            return failed(
                VK,
                "VK_TOKEN is rejected (error 5)",
                f"VK_TOKEN is rejected by VK (error 5: {exc.error_msg}): the token is wrong, "
                f"was revoked, or is not a community token. {_NEW_TOKEN}",
            )
        return failed(
            VK,
            f"groups.getById failed (error {code})",
            f"VK answered groups.getById with error {code} ({exc.error_msg}). Check VK_TOKEN "
            f"and VK_GROUP_ID. {_NEW_TOKEN}",
        )
    except (aiohttp.ClientError, TimeoutError, OSError, TransientError) as exc:
        return failed(
            VK,
            f"VK is unreachable at {where}",
            f"VK does not answer at {where} ({type(exc).__name__}: {exc}). Check the "
            "machine's network and firewall, or correct VK_API_BASE (unset it to use "
            "api.vk.com).",
        )
    finally:
        await api.http_client.close()
    groups = _groups(answer.get("response"))
    if not groups or groups[0].get("id") != settings.vk_group_id:
        found = groups[0] if groups else {}
        return failed(
            VK,
            f"VK_TOKEN is not the token of community {settings.vk_group_id}",
            f"VK_GROUP_ID is {settings.vk_group_id}, but VK_TOKEN is the token of the "
            f'community {found.get("id", "?")} ("{found.get("name", "?")}"). Set '
            f"VK_GROUP_ID={found.get('id', '?')}, or put the token of community "
            f"{settings.vk_group_id} into VK_TOKEN.",
        )
    return ok(VK, f'"{groups[0].get("name")}" ({settings.vk_group_id}), token accepted')
