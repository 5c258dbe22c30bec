"""When the managers' digest goes out: ``DIGEST_TIME`` and ``DIGEST_WEEKLY``.

* ``DIGEST_TIME`` — the desk-time moment (``HH:MM``, 24-hour) the daily digest of the day
  before is sent, ``09:00`` by default; ``off`` sends no digest at all (daily nor weekly).
* ``DIGEST_WEEKLY`` — on by default: on Mondays at ``DIGEST_TIME`` a second digest covers
  the previous ISO week (Monday to Sunday).

:class:`DigestSchedule` is the checked form the desk reads from ``ctx.digest``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import time
from typing import Protocol

#: what DIGEST_TIME says to send nothing
OFF_WORDS = frozenset({"off", "no", "false", "none", "disabled"})
_TIME_RE = re.compile(r"^(\d{1,2}):(\d{2})$")
DIGEST_TIME_EXAMPLE = 'e.g. DIGEST_TIME=09:00 or DIGEST_TIME=18:30, or "off" for no digest'


def parse_digest_time(text: str) -> time | None:
    """``"09:00"`` → ``time(9, 0)``; ``"off"`` → None; else ``ValueError`` saying why."""
    value = text.strip().lower()
    if value in OFF_WORDS:
        return None
    found = _TIME_RE.match(value)
    if found is None:
        raise ValueError(f"is {text!r}, which is not a time of day as HH:MM")
    hour, minute = int(found.group(1)), int(found.group(2))
    if hour > 23 or minute > 59:
        raise ValueError(f"is {text!r}, which is not a time of day (00:00 to 23:59)")
    return time(hour, minute)


@dataclass(frozen=True, slots=True)
class DigestSchedule:
    """The daily digest's desk-time moment (None: no digests) and whether weeklies go."""

    at: time | None = time(9, 0)
    weekly: bool = True

    @property
    def daily(self) -> bool:
        """Whether any digest is sent (``DIGEST_TIME`` is not ``off``)."""
        return self.at is not None


class DigestSource(Protocol):
    """The settings a :class:`DigestSchedule` is read from."""

    digest_time: str
    digest_weekly: bool


def digest_from_settings(settings: DigestSource) -> DigestSchedule:
    """The digest schedule of checked settings."""
    return DigestSchedule(at=parse_digest_time(settings.digest_time), weekly=settings.digest_weekly)
