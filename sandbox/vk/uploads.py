"""Uploads as VK does them: get an upload URL, POST the file there, then save it.

``photos.getMessagesUploadServer`` -> POST field ``photo`` -> ``{server, photo, hash}``
-> ``photos.saveMessagesPhoto``; ``docs.getMessagesUploadServer`` -> POST field
``file`` -> ``{file}`` -> ``docs.save``. Saved media belong to the community
(owner_id = -community id), so they attach as ``photo-<id>_<n>`` / ``doc-<id>_<n>``.
"""

from __future__ import annotations

import hashlib
import json
import secrets
from dataclasses import dataclass
from typing import Any

from aiohttp import web

from .call import Call, method
from .errors import VkApiError, bad_param
from .media import image_size, ogg_duration
from .world import VkWorld

DOC_KINDS = ("doc", "audio_message", "graffiti")


@dataclass
class Upload:
    """One upload URL and, once used, the file sent to it."""

    community_id: int
    kind: str  # "photo" or one of DOC_KINDS
    data: bytes | None = None
    name: str = "file"
    saved: bool = False


def _uploads(world: VkWorld) -> dict[str, Upload]:
    return world.uploads  # typed view of the world's registry


def _new_upload(call: Call, kind: str) -> str:
    key = secrets.token_hex(12)
    _uploads(call.world)[key] = Upload(call.community.id, kind)
    return f"{call.base_url}/upload/{kind}/{key}"


def _digest(photo: str) -> str:
    return hashlib.md5(photo.encode(), usedforsecurity=False).hexdigest()


@method("photos.getMessagesUploadServer")
async def photos_upload_server(call: Call) -> Any:
    """Where to POST a photo for a message."""
    return {
        "upload_url": _new_upload(call, "photo"),
        "album_id": -3,
        "user_id": 0,
        "group_id": call.community.id,
    }


@method("photos.saveMessagesPhoto")
async def save_messages_photo(call: Call) -> Any:
    """Turn an uploaded photo into a photo object (a list of one, as VK answers)."""
    photo = call.required("photo")
    if call.get("hash") != _digest(photo):
        raise bad_param("hash is invalid")
    try:
        key = json.loads(photo)[0]["photo"]
    except (ValueError, KeyError, IndexError, TypeError):
        raise bad_param("photos_list is invalid") from None
    upload = _uploads(call.world).get(key)
    if upload is None or upload.data is None or upload.community_id != call.community.id:
        raise bad_param("photos_list is invalid")
    if upload.saved:
        raise bad_param("photo is already saved")
    if image_size(upload.data) is None:
        raise VkApiError(129)
    upload.saved = True
    return [call.world.media.photo(-call.community.id, upload.data)["photo"]]


@method("docs.getMessagesUploadServer")
async def docs_upload_server(call: Call) -> Any:
    """Where to POST a document, voice message (``type=audio_message``) or graffiti."""
    kind = call.get("type", "doc") or "doc"
    if kind not in DOC_KINDS:
        raise bad_param("type is invalid")
    return {"upload_url": _new_upload(call, kind)}


@method("docs.save")
async def docs_save(call: Call) -> Any:
    """``{type, <type>: {...}}`` for an uploaded file."""
    upload = _uploads(call.world).get(call.required("file"))
    if upload is None or upload.data is None or upload.community_id != call.community.id:
        raise bad_param("file is invalid")
    if upload.saved:
        raise bad_param("file is already saved")
    upload.saved = True
    owner = -call.community.id
    if upload.kind == "audio_message":
        return call.world.media.audio_message(owner, upload.data, ogg_duration(upload.data))
    title = call.get("title") or upload.name
    saved = call.world.media.doc(owner, title, upload.data)
    if upload.kind == "graffiti":
        return {"type": "graffiti", "graffiti": saved["doc"]}
    return saved


async def handle_upload(world: VkWorld, request: web.Request) -> web.Response:
    """The upload URL: multipart with ``photo`` (photos) or ``file`` (documents)."""
    upload = world.uploads.get(request.match_info["key"])
    if upload is None or upload.kind != request.match_info["kind"]:
        return web.json_response({"error": "invalid upload url"}, status=404)
    field = "photo" if upload.kind == "photo" else "file"
    data, name = None, "file"
    if request.content_type.startswith("multipart/"):
        reader = await request.multipart()
        async for part in reader:
            if getattr(part, "name", None) == field and hasattr(part, "read"):
                data, name = bytes(await part.read()), part.filename or "file"  # type: ignore[union-attr]
                break
    if data is None:
        # VK answers 200 with an empty list/error and lets the save call fail.
        if upload.kind == "photo":
            return web.json_response({"server": 1, "photo": "[]", "hash": _digest("[]")})
        return web.json_response({"error": "no_file", "error_descr": "no file was sent"})
    upload.data, upload.name = data, name
    if upload.kind == "photo":
        photo = json.dumps(
            [{"photo": request.match_info["key"], "sizes": [], "kid": secrets.token_hex(4)}]
        )
        return web.json_response({"server": 848336, "photo": photo, "hash": _digest(photo)})
    return web.json_response({"file": request.match_info["key"]})
