"""Who works the desk and what they did: operators, roles and permissions, the event log.

Split out of ``tickets`` so that package stays a readable size: nearly every ticket use
case asks "may this operator do it?" and records "who did what", so these sit one layer
below it. Uses ``core.messaging`` (transactions), ``core.models`` and the foundation.
"""
