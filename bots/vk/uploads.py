"""Uploading operators' files to VK so they can be attached to a message.

Operators' files live on Telegram; the injected ``fetch`` downloads one, and the
three-step VK upload turns the bytes into an attachment string (``photo1_2_key``):

* photos: ``photos.getMessagesUploadServer`` → POST ``photo`` → ``photos.saveMessagesPhoto``;
* files and voice notes: ``docs.getMessagesUploadServer(type=doc|audio_message)`` →
  POST ``file`` → ``docs.save``.

An upload that is repeated on retry only leaves an unused file on VK's side; the
message itself is deduplicated by its ``random_id``.
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable, Sequence
from typing import Any

import aiohttp
from vkbottle import API

from bots.vk.errors import by_code, vk_call, vk_errors
from core.entities import Attachment
from core.enums import MessageKind
from core.errors import PermanentError, TransientError

__all__ = ["Fetch", "VkDownloader", "VkUploader"]

Fetch = Callable[[Attachment], Awaitable[bytes]]

_DEFAULT_NAMES = {
    MessageKind.PHOTO: "photo.jpg",
    MessageKind.STICKER: "sticker.webp",
    MessageKind.VOICE: "voice.ogg",
    MessageKind.VIDEO: "video.mp4",
    MessageKind.ANIMATION: "animation.mp4",
    MessageKind.AUDIO: "audio.mp3",
    MessageKind.VIDEO_NOTE: "video_note.mp4",
}


def file_name_of(attachment: Attachment) -> str:
    """The name the file gets on VK (documents keep theirs)."""
    return attachment.file_name or _DEFAULT_NAMES.get(attachment.kind, "file")


def script_call(method: str, params: dict[str, Any]) -> str:
    """One API call as VKScript (JSON literals are valid VKScript)."""
    return f"API.{method}({json.dumps(params, ensure_ascii=False)})"


def _attachment_string(vk_type: str, item: dict[str, Any]) -> str:
    key = item.get("access_key")
    return f"{vk_type}{item['owner_id']}_{item['id']}" + (f"_{key}" if key else "")


class VkUploader:
    """Turns operators' files into VK attachment strings for one peer."""

    def __init__(self, api: API, fetch: Fetch) -> None:
        self.api = api
        self.fetch = fetch

    async def _call(self, method: str, params: dict[str, Any]) -> Any:
        return await vk_call(self.api, method, params)

    async def _post(self, url: str, field: str, name: str, data: bytes) -> dict[str, Any]:
        form = aiohttp.FormData()
        form.add_field(field, data, filename=name, content_type="application/octet-stream")
        async with vk_errors():
            raw = await self.api.http_client.request_text(
                url,
                method="POST",
                data=form,  # type: ignore[arg-type]  # aiohttp takes a form as well
            )
        try:
            answer = json.loads(raw)
        except ValueError:
            raise TransientError(f"the VK upload server answered {raw[:80]!r}") from None
        if not isinstance(answer, dict) or answer.get("error"):
            raise PermanentError(f"VK refused the upload: {answer!r}"[:300])
        return answer

    async def photo(self, peer_id: int, attachment: Attachment) -> str:
        """Upload a photo (or a static sticker shown as one) for ``peer_id``."""
        data = await self.fetch(attachment)
        server = await self._call("photos.getMessagesUploadServer", {"peer_id": peer_id})
        posted = await self._post(server["upload_url"], "photo", file_name_of(attachment), data)
        saved = await self._call(
            "photos.saveMessagesPhoto",
            {
                "server": posted.get("server"),
                "photo": posted.get("photo"),
                "hash": posted.get("hash"),
            },
        )
        return _attachment_string("photo", saved[0])

    async def photos(self, peer_id: int, attachments: Sequence[Attachment]) -> list[str]:
        """Upload an album's photos with two ``execute`` calls in all.

        One photo at a time costs two API calls each (upload server, save) of the
        community's 20 a second; ``execute`` runs up to 25 calls as one request.
        """
        if len(attachments) == 1:
            return [await self.photo(peer_id, attachments[0])]
        files = [await self.fetch(attachment) for attachment in attachments]
        server = script_call("photos.getMessagesUploadServer", {"peer_id": peer_id})
        servers = await self._execute([server] * len(attachments))
        posted = [
            await self._post(found["upload_url"], "photo", file_name_of(attachment), data)
            for found, attachment, data in zip(servers, attachments, files, strict=True)
        ]
        saves = [
            script_call(
                "photos.saveMessagesPhoto",
                {"server": p.get("server"), "photo": p.get("photo"), "hash": p.get("hash")},
            )
            for p in posted
        ]
        return [_attachment_string("photo", saved[0]) for saved in await self._execute(saves)]

    async def _execute(self, calls: Sequence[str]) -> list[Any]:
        """Run the calls (at most 25) as one ``execute``; any failed call fails them all."""
        async with vk_errors():
            response = await self.api.request("execute", {"code": f"return [{','.join(calls)}];"})
        failed = response.get("execute_errors") or []
        results = response.get("response")
        if failed or not isinstance(results, list) or False in results:
            first = failed[0] if failed else {}
            raise by_code(int(first.get("error_code", 0)), str(first.get("error_msg", results)))
        return results

    async def document(self, peer_id: int, attachment: Attachment, *, voice: bool = False) -> str:
        """Upload a file as a VK document, or as a voice message when ``voice``."""
        data = await self.fetch(attachment)
        kind = "audio_message" if voice else "doc"
        server = await self._call(
            "docs.getMessagesUploadServer", {"type": kind, "peer_id": peer_id}
        )
        name = file_name_of(attachment)
        posted = await self._post(server["upload_url"], "file", name, data)
        if "file" not in posted:
            raise PermanentError(f"VK refused the upload: {posted!r}"[:300])
        saved = await self._call("docs.save", {"file": posted["file"], "title": name})
        vk_type = str(saved.get("type") or kind)
        return _attachment_string(vk_type, saved.get(vk_type) or saved)


class VkDownloader:
    """Downloads customers' VK files by the ``url`` their attachment details keep.

    The operator desk injects :meth:`fetch` to show VK photos, documents, voice
    messages and stickers in the topic. VK's file links expire after a while; an
    expired or missing one is a permanent error (the topic says so). Call
    :meth:`close` on shutdown.
    """

    def __init__(self, session: aiohttp.ClientSession | None = None) -> None:
        self._session = session

    async def fetch(self, attachment: Attachment) -> bytes:
        """The bytes of a VK attachment."""
        url = attachment.details.get("url")
        if not url:
            raise PermanentError(f"this VK {attachment.kind.value} has no downloadable file")
        if self._session is None or self._session.closed:
            self._session = aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=120))
        async with vk_errors(), self._session.get(str(url)) as response:
            if response.status >= 500:
                raise TransientError(f"VK file server answered {response.status}")
            if response.status >= 400:
                raise PermanentError(f"the VK file is gone ({response.status})")
            return await response.read()

    async def close(self) -> None:
        """Close the HTTP session."""
        if self._session is not None:
            await self._session.close()
