"""Telling people: SLA warnings and breach notices, and the managers' place.

``sla`` turns an :class:`~core.entities.SlaAlarm` (a clock that just reached its warning
or due time) into a notice in the ticket's topic that mentions the right operators, an
escalation line for the managers and a refresh of the card and topic title. ``managers``
is the managers' place itself (``MANAGERS_CHAT_ID`` or a "📊 Reports" topic the desk
keeps in the operator group), reusable by anything that reports to managers.
``wording`` holds the words and time formats that notices and cards share.

Everything here queues outbox items in the caller's transaction and sends nothing
itself. May use ``core.tickets`` (card refresh), ``core.staff``, ``core.messaging``,
``core.outbox`` and the foundation; nothing in ``core`` but the composition root's
wiring uses it.
"""
