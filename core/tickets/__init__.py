"""The operator workflow on one ticket: take, assign, status, priority, tags, and around it.

Collisions (two operators on one ticket), CSAT, reopening (and the thank-you rule), card
refresh, bans, templates and the read-side queries of the operator group. Uses
``core.staff`` (operators, permissions, events), ``core.messaging`` to move messages,
``core.outbox``, ``core.models`` and the foundation; never ``core.relay``.
"""
