"""Deadlines and time: the business calendar, SLA policies; the scheduler and clocks later."""
