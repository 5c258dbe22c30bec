"""An offline emulator of the VK API (community bots) for botdesk's tests and demo.

Start it, create a community and a user, point a real ``vkbottle.API`` at it::

    async with VkSandbox(rate_limit=None) as vk:
        community = vk.create_community("Acme")
        ivan = vk.create_user("Ivan", "Petrov", screen_name="ivan")
        api = API(community.token)
        api.API_URL = vk.api_url
        vk.user_writes(community, ivan, "hello")
        await api.messages.send(peer_id=ivan.id, message="hi", random_id=1)

See README.md in the parent directory for the control API and the deviations from VK.
"""

from .errors import MESSAGES, SandboxError, VkApiError
from .models import (
    AudioMessageSpec,
    AudioSpec,
    Community,
    DocSpec,
    LinkSpec,
    PhotoSpec,
    StickerSpec,
    VideoSpec,
    VkMessage,
    VkUser,
    WallSpec,
)
from .server import VkSandbox

__all__ = [
    "MESSAGES",
    "AudioMessageSpec",
    "AudioSpec",
    "Community",
    "DocSpec",
    "LinkSpec",
    "PhotoSpec",
    "SandboxError",
    "StickerSpec",
    "VideoSpec",
    "VkApiError",
    "VkMessage",
    "VkSandbox",
    "VkUser",
    "WallSpec",
]
