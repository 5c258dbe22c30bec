"""Storage rows of botdesk (tortoise-orm models), one module per area.

* :mod:`core.models.relay` — customers, conversations, tickets, messages, operators;
* :mod:`core.models.outbox` — the outbox and the stored cursors;
* :mod:`core.models.workflow` — the operator workflow: events, tags and templates;
* :mod:`core.models.dead_letters` — updates set aside after their handling failed;
* :mod:`core.models.timers` — deadlines the scheduler fires and the SLA clocks of tickets;
* :mod:`core.models.tasks` — follow-up tasks operators owe;
* :mod:`core.models.leases` — what one of several processes holds at a time.

``relay`` is the bottom: the other modules point at its rows and import it, never the
other way round (reverse relations such as ``Message.outbox_items`` are left to tortoise).

Everything is re-exported here: tortoise loads the app from ``core.models``, and the
migrations import enums and ``utcnow`` from it.
"""

from core.models.dead_letters import *  # noqa: F403
from core.models.dead_letters import __all__ as _dead_letters_all
from core.models.leases import *  # noqa: F403
from core.models.leases import __all__ as _leases_all
from core.models.outbox import *  # noqa: F403
from core.models.outbox import __all__ as _outbox_all
from core.models.relay import *  # noqa: F403
from core.models.relay import __all__ as _relay_all
from core.models.tasks import *  # noqa: F403
from core.models.tasks import __all__ as _tasks_all
from core.models.timers import *  # noqa: F403
from core.models.timers import __all__ as _timers_all
from core.models.workflow import *  # noqa: F403
from core.models.workflow import __all__ as _workflow_all

__all__ = [
    *_relay_all,
    *_outbox_all,
    *_workflow_all,
    *_dead_letters_all,
    *_timers_all,
    *_tasks_all,
    *_leases_all,
]
