"""Tests of the customer-channel adapters (Telegram, VK) against the sandbox emulators."""
