"""An offline emulator of the Telegram Bot API for botdesk's tests, demo and benchmarks.

Start it, create a world, point a real ``aiogram.Bot`` at :attr:`TelegramSandbox.base_url`::

    async with TelegramSandbox(limits=Limits.off()) as sb:
        bot = sb.create_bot("desk_bot")
        alice = sb.create_user("Alice")
        sb.send_text(alice, bot, "/start")

See README.md in this directory for the control API and the deviations from Telegram.
"""

from .actions import AlbumItem
from .clock import Clock, ManualClock, SystemClock
from .demo import DemoWorld, create_demo_world
from .errors import ApiError, SandboxError
from .limits import Limits, Rate
from .models import GENERAL_TOPIC_ID, BotAccount, CallbackRecord, Chat, Topic, User
from .render import render_transcript
from .server import TelegramSandbox
from .views import ButtonView, FileView, MessageView
from .world import Options

__all__ = [
    "GENERAL_TOPIC_ID",
    "AlbumItem",
    "ApiError",
    "BotAccount",
    "ButtonView",
    "CallbackRecord",
    "Chat",
    "Clock",
    "DemoWorld",
    "FileView",
    "Limits",
    "ManualClock",
    "MessageView",
    "Options",
    "Rate",
    "SandboxError",
    "SystemClock",
    "TelegramSandbox",
    "Topic",
    "User",
    "create_demo_world",
    "render_transcript",
]
