"""Suite-wide fixtures.

Fixtures live in small plugin modules under ``tests/fixtures`` so that each part of the
suite (storage, sandbox, end-to-end) owns its own and they are registered in one place.
"""

from hypothesis import settings

# Shared, noisy machines: a property test checks what holds, never how fast one example ran.
settings.register_profile("botdesk", deadline=None)
settings.load_profile("botdesk")

pytest_plugins = [
    "tests.fixtures.database",
    "tests.fixtures.desk",
    "tests.fixtures.redis",
    "tests.fixtures.telegram_sandbox",
    "tests.fixtures.vk_sandbox",
    "tests.fixtures.vk_desk",
]
