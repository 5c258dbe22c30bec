"""The channel-agnostic desk: imports no aiogram, vkbottle or aiohttp, nothing of ours but itself.

The root holds only the foundation every part uses (config, db, clock, i18n, errors, enums,
entities, ports, context, stopping, metrics, outages, limits, lookup). The parts sit in
layers above it, each allowed to use only what is below (pyproject.toml's import-linter
contracts check it), from the bottom: ``models``; ``outbox`` and ``intake``; ``messaging``;
``staff``; ``tickets``; ``relay``.
"""
