"""Start-up checks: can botdesk run with these settings, and if not, what must change?

``botdesk check`` prints them all; ``botdesk run`` runs the same ones at its start and
refuses to start (exit 2, one paragraph per problem) when one fails. Each check is a small
async function returning an :class:`Outcome`; the SDK clients are built exactly as
``botdesk run`` builds them, so the check exercises the same configuration.

Modules: ``outcome`` (the result types), ``telegram`` (token, group, rights),
``storage`` (database, Redis), ``vk`` (the VK community, loaded only with ``VK_TOKEN``),
``preflight`` (running them all, the start line).
"""

from botdesk.checks.outcome import Outcome, Report, Status
from botdesk.checks.preflight import (
    StartupCheckFailed,
    check_command,
    preflight,
    run_checks,
    start_line,
)

__all__ = [
    "Outcome",
    "Report",
    "StartupCheckFailed",
    "Status",
    "check_command",
    "preflight",
    "run_checks",
    "start_line",
]
