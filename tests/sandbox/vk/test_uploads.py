"""Uploads with vkbottle's own uploaders, then sending and reading the bytes back."""

from __future__ import annotations

import pytest
from vkbottle import API, VKAPIError
from vkbottle.tools import DocMessagesUploader, PhotoMessageUploader, VoiceMessageUploader

from sandbox.vk import Community, VkSandbox, VkUser

JPEG_HEADER = bytes.fromhex("ffd8ffe000104a46494600010100000100010000")
OGG = b"OggS" + bytes(2) + (48000 * 4).to_bytes(8, "little") + b"opus voice"


async def test_photo_doc_and_voice_round_trip(
    vk_sandbox: VkSandbox, community: Community, ivan: VkUser, api: API
) -> None:
    vk_sandbox.user_writes(community, ivan, "send me the files")
    png = vk_sandbox.photo().data
    photo = await PhotoMessageUploader(api).upload(png, peer_id=ivan.id)
    doc = await DocMessagesUploader(api).upload(
        b"%PDF-1.7 data", peer_id=ivan.id, title="report.pdf"
    )
    voice = await VoiceMessageUploader(api).upload(OGG, peer_id=ivan.id, title="voice.ogg")
    assert photo.startswith(f"photo-{community.id}_")
    assert doc.startswith(f"doc-{community.id}_")
    assert voice.startswith(f"audio_message-{community.id}_")

    await api.messages.send(
        peer_id=ivan.id, message="here", attachment=",".join([photo, doc, voice]), random_id=1
    )
    sent = vk_sandbox.chat(community, ivan)[-1]
    assert [a["type"] for a in sent.attachments] == ["photo", "doc", "audio_message"]
    photo_att, doc_att, voice_att = sent.attachments
    assert vk_sandbox.file_bytes(photo_att) == png
    assert vk_sandbox.file_bytes(doc_att) == b"%PDF-1.7 data"
    assert doc_att["doc"]["title"] == "report.pdf" and doc_att["doc"]["ext"] == "pdf"
    assert vk_sandbox.file_bytes(voice_att) == OGG
    assert voice_att["audio_message"]["duration"] == 4


async def test_saved_objects_parse_as_vkbottle_models(
    vk_sandbox: VkSandbox, community: Community, ivan: VkUser, api: API
) -> None:
    server = await api.photos.get_messages_upload_server(peer_id=ivan.id)
    uploaded = await PhotoMessageUploader(api).upload_files(
        server.upload_url, {"photo": PhotoMessageUploader(api).get_bytes_io(JPEG_HEADER)}
    )
    saved = await api.photos.save_messages_photo(**uploaded)
    assert saved[0].owner_id == -community.id and saved[0].sizes
    with pytest.raises(VKAPIError[100]):  # an upload is saved once
        await api.photos.save_messages_photo(**uploaded)
    bad = await PhotoMessageUploader(api).upload_files(
        (await api.photos.get_messages_upload_server()).upload_url,
        {"photo": PhotoMessageUploader(api).get_bytes_io(b"not an image")},
    )
    with pytest.raises(VKAPIError[129]):
        await api.photos.save_messages_photo(**bad)


async def test_inbound_attachments_are_downloadable_over_http(
    vk_sandbox: VkSandbox, community: Community, ivan: VkUser, api: API
) -> None:
    specs = [
        vk_sandbox.photo(),
        vk_sandbox.doc("notes.txt", b"plain notes"),
        vk_sandbox.audio_message(b"OggS voice", duration=3),
        vk_sandbox.sticker(77),
        vk_sandbox.audio("Artist", "Song", 61),
        vk_sandbox.video("Clip", 10),
        vk_sandbox.link("https://example.com", "Example"),
        vk_sandbox.wall("post text"),
    ]
    message = vk_sandbox.user_writes(community, ivan, "", attachments=specs)
    kinds = [a["type"] for a in message.attachments]
    assert kinds == ["photo", "doc", "audio_message", "sticker", "audio", "video", "link", "wall"]
    fetched = await api.messages.get_by_id(message_ids=[message.id])
    assert [a.type.value for a in fetched.items[0].attachments] == kinds
    doc_url = message.attachments[1]["doc"]["url"]
    voice_url = message.attachments[2]["audio_message"]["link_ogg"]
    assert await api.http_client.request_content(doc_url) == b"plain notes"
    assert await api.http_client.request_content(voice_url) == b"OggS voice"
    # the community may send the user's own photo back by its attachment string
    photo = message.attachments[0]["photo"]
    ref = f"photo{photo['owner_id']}_{photo['id']}_{photo['access_key']}"
    await api.messages.send(peer_id=ivan.id, attachment=ref, random_id=1)
    assert vk_sandbox.chat(community, ivan)[-1].attachments[0]["photo"]["id"] == photo["id"]
