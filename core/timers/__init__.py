"""Deadlines: the scheduler that fires them and the SLA clocks of tickets.

May use the core foundation and models only. The business calendar
(:mod:`core.business_calendar`) and the SLA policies (:mod:`core.sla_policies`) are value
types of the configuration and live in the foundation, beside the settings they come from.
"""
