"""What keeps one bad update from stopping the ones behind it: containment and dead letters.

A handler that raises is retried a few times, then its update is set aside in the
dead-letter table, acknowledged, and can be replayed later (``botdesk dead-letters``).
"Intake" rather than a root module: both files are about updates coming in, and nothing
else in ``core`` uses them. Uses only the foundation and ``core.models``.
"""
