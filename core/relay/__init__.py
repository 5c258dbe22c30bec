"""A customer's message in, an operator's reply out.

``ingest`` stores what a customer writes (and opens or reopens the ticket), ``customers``
keeps their rows, ``replies`` and ``template_posting`` send the operators' answers,
``greetings`` are the texts a customer meets first, and ``operations`` registers every
outbox operation by name for the worker. The top layer: may use ``core.tickets``,
``core.staff``, ``core.messaging``, ``core.outbox``, ``core.models`` and the foundation.
"""
