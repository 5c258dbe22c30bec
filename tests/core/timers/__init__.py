"""Tests of core.timers: business calendar, SLA policies."""
