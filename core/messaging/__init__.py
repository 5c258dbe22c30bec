"""The operations that move messages: mirroring, delivery, topics, the send journal.

Named for what it does rather than for who uses it: both the relay (a customer's message
in, an operator's reply out) and the ticket workflow (cards, notices) move messages
through these, so they sit below both and neither has to import the other. Here too:
``usecase`` (what every use case shares: transactions with retries, notices), ``views``
and ``titles`` (rows turned into the entities that ports render). Uses ``core.outbox``,
``core.models`` and the foundation.
"""
