"""``users.get``, ``groups.getById`` and ``groups.getLongPollServer``."""

from __future__ import annotations

from typing import Any

from .call import Call, method
from .errors import VkApiError, bad_param
from .serialize import group_json, user_json


@method("users.get")
async def users_get(call: Call) -> Any:
    """People by id or screen name; unknown ones are skipped, all unknown is error 113."""
    wanted = [part.strip() for part in (call.get("user_ids") or "").split(",") if part.strip()]
    if call.get("user_id"):
        wanted.append(str(call.get("user_id")))
    fields = {f.strip() for f in (call.get("fields") or "").split(",")}
    by_name = {u.screen_name: u for u in call.world.users.values()}
    found = []
    for ref in wanted:
        user = call.world.users.get(int(ref)) if ref.lstrip("-").isdigit() else by_name.get(ref)
        if user is not None:
            found.append(user_json(user, fields, call.world.avatar_url))
    if wanted and not found:
        raise VkApiError(113)
    return found


@method("groups.getById")
async def groups_get_by_id(call: Call) -> Any:
    """The token's community by default, or the ones listed in ``group_id(s)``."""
    refs = [r for r in (call.get("group_ids") or call.get("group_id") or "").split(",") if r]
    if not refs:
        return {"groups": [group_json(call.community)], "profiles": []}
    groups = []
    for ref in refs:
        key = ref.removeprefix("club")
        community = call.world.communities.get(int(key)) if key.isdigit() else None
        if community is None:
            raise bad_param("group_ids is undefined")
        groups.append(group_json(community))
    return {"groups": groups, "profiles": []}


@method("groups.getLongPollServer")
async def get_long_poll_server(call: Call) -> Any:
    """``{key, server, ts}`` of the Bots Long Poll of the token's own community."""
    group_id = call.int("group_id")
    if group_id is None:
        raise bad_param("group_id is a required parameter")
    if group_id != call.community.id:
        raise VkApiError(15, "no access to call this method")
    poll = call.world.longpolls[group_id]
    return {**poll.new_key(), "server": f"{call.base_url}/longpoll/{group_id}"}
