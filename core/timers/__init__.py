"""Deadlines: storing them, the scheduler that fires them, and the SLA clocks of tickets.

* :mod:`~core.timers.deadlines` — set, move and cancel a deadline (a row named by a
  unique key) inside the caller's transaction;
* :mod:`~core.timers.scheduler` — :class:`~core.timers.scheduler.Scheduler`, the one loop
  that sleeps until the nearest deadline (woken early by ``wake()``) and fires what is
  due, once, even across restarts and with several instances on one PostgreSQL database;
* :mod:`~core.timers.firing` — one batch: claim due rows, run each kind's handler in a
  savepoint, count failures and retry or give up.

May use the core foundation and models only. The business calendar
(:mod:`core.business_calendar`) and the SLA policies (:mod:`core.sla_policies`) are value
types of the configuration and live in the foundation, beside the settings they come from.
"""
