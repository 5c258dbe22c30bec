"""Deadlines and time: the business calendar now; the scheduler, SLA clocks, tasks later.

May use the core foundation and models only.

* :mod:`core.timers.calendar` — :class:`BusinessCalendar`: when the desk is open (weekly
  hours in its time zone, public holidays, moved days off and workdays), and pure
  arithmetic in business time: add business seconds, count them between two instants,
  find the next opening.
"""
