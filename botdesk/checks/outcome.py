"""What a start-up check found: a status, a one-line summary and, when needed, advice.

A check never raises for a problem it was written to find; it returns an :class:`Outcome`
whose advice is one paragraph naming the setting and the fix, in the tone of the
configuration errors (:mod:`core.config`).
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from urllib.parse import urlsplit, urlunsplit

# The subject of the VK check: named here, as its module loads only with VK_TOKEN.
VK = "VK community"


class Status(enum.Enum):
    """How a check came out; the value is the mark printed before its line."""

    OK = "✓"
    WARNING = "⚠"
    FAILED = "✗"
    SKIPPED = "–"


@dataclass(frozen=True)
class Outcome:
    """One line of ``botdesk check``: ``<mark> <subject>: <summary>``, plus advice."""

    subject: str
    status: Status
    summary: str
    advice: str = ""

    @property
    def line(self) -> str:
        """The line printed in the list of checks."""
        return f"{self.status.value} {self.subject}: {self.summary}"


def ok(subject: str, summary: str) -> Outcome:
    """A check that passed."""
    return Outcome(subject, Status.OK, summary)


def failed(subject: str, summary: str, advice: str) -> Outcome:
    """A problem that stops botdesk from running until an admin fixes it."""
    return Outcome(subject, Status.FAILED, summary, advice)


def warning(subject: str, summary: str, advice: str) -> Outcome:
    """A problem botdesk can run with, losing the feature the advice names."""
    return Outcome(subject, Status.WARNING, summary, advice)


def skipped(subject: str, summary: str) -> Outcome:
    """A check that did not apply (not configured) or could not run (an earlier failure)."""
    return Outcome(subject, Status.SKIPPED, summary)


@dataclass
class Report:
    """Every outcome in order, and what the desk's start line needs from them."""

    outcomes: list[Outcome] = field(default_factory=list)
    bot_username: str | None = None
    group_title: str | None = None

    def add(self, outcome: Outcome) -> Outcome:
        """Append ``outcome`` and hand it back (so a caller can branch on it)."""
        self.outcomes.append(outcome)
        return outcome

    @property
    def fatal(self) -> list[Outcome]:
        """The failures: any of them means botdesk must not start."""
        return [o for o in self.outcomes if o.status is Status.FAILED]

    @property
    def warnings(self) -> list[Outcome]:
        """Problems botdesk starts with."""
        return [o for o in self.outcomes if o.status is Status.WARNING]

    def render(self) -> str:
        """The list of checks, then the advice for each failure and warning."""
        lines = [o.line for o in self.outcomes]
        for outcome in self.fatal + self.warnings:
            lines += ["", f"{outcome.status.value} {outcome.advice}"]
        if self.fatal:
            count = len(self.fatal)
            noun = "problem" if count == 1 else "problems"
            lines += ["", f"{count} {noun} to fix before botdesk can run."]
        else:
            lines += ["", "Everything botdesk needs is in place."]
        return "\n".join(lines)


def redact(url: str) -> str:
    """``url`` with its password replaced by ``***``, fit to be printed or logged."""
    parts = urlsplit(url)
    if parts.password is None:
        return url
    host = parts.hostname or ""
    if parts.port is not None:
        host = f"{host}:{parts.port}"
    user = f"{parts.username}:***@" if parts.username else ":***@"
    return urlunsplit(parts._replace(netloc=user + host))
