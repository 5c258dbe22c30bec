"""Suite-wide fixtures.

Fixtures live in small plugin modules under ``tests/fixtures`` so that each part of the
suite (storage, sandbox, end-to-end) owns its own and they are registered in one place.
"""

pytest_plugins = [
    "tests.fixtures.database",
    "tests.fixtures.desk",
    "tests.fixtures.redis",
    "tests.fixtures.telegram_sandbox",
    "tests.fixtures.vk_sandbox",
    "tests.fixtures.vk_desk",
]
