"""Automation rules as the desk uses them: typed, compiled, and matched against a message.

A :class:`Rule` is built once at start from botdesk.toml's ``[[rules]]`` by
:func:`core.rule_settings.rules_from_settings`; here live the value types and the pure
matching, tested without a database. What a message is matched against is a
:class:`Facts` (its text, channel, language, the hour and the ticket's state).

Keywords are matched word by word, case-insensitively and with endings allowed: a
keyword's word matches any word that *starts* with it, so a stem covers the word forms of
Russian (``возврат`` matches ``возврата``, ``возвратом``) and ``не работа`` matches
``не работают``. ``ё`` and ``е`` are one letter here, as most people type them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from enum import StrEnum

from core.enums import Channel, TicketPriority

_WORD = re.compile(r"\w+")


class Hours(StrEnum):
    """``when.hours``: the message came inside or outside the business calendar."""

    INSIDE = "inside"
    OUTSIDE = "outside"


class CustomerKind(StrEnum):
    """``when.customer``: the customer's first ticket, or a later one."""

    NEW = "new"
    RETURNING = "returning"


def fold(text: str) -> str:
    """``text`` as keywords compare it: case-folded, with ``ё`` read as ``е``."""
    return text.casefold().replace("ё", "е")


def words_of(text: str) -> list[str]:
    """The words of ``text`` as keywords compare them (punctuation and spaces dropped)."""
    return _WORD.findall(fold(text))


def keyword_pattern(keywords: tuple[str, ...]) -> re.Pattern[str] | None:
    """One pattern that finds any of ``keywords`` in folded text (None: no keywords).

    Each word of a keyword matches a word that starts with it; the words of a multi-word
    keyword follow each other, with anything but a word between them.
    """
    alternatives = []
    for keyword in keywords:
        words = words_of(keyword)
        if words:
            alternatives.append(r"\W+".join(rf"{re.escape(word)}\w*" for word in words))
    if not alternatives:
        return None
    return re.compile(rf"(?<!\w)(?:{'|'.join(alternatives)})")


@dataclass(frozen=True, slots=True)
class Conditions:
    """``when``: all that is given must hold; a list holds when any of its items does."""

    keywords: tuple[str, ...] = ()
    regex: tuple[re.Pattern[str], ...] = ()
    channel: Channel | None = None
    language: tuple[str, ...] = ()
    hours: Hours | None = None
    customer: CustomerKind | None = None
    tag: str | None = None
    # compiled from ``keywords`` (kept apart so the rule prints its keywords as written)
    keyword_re: re.Pattern[str] | None = field(default=None, compare=False, repr=False)


@dataclass(frozen=True, slots=True)
class OperatorRef:
    """An operator named in a rule: a Telegram user id, or a username without the ``@``."""

    telegram_id: int | None = None
    username: str | None = None

    def __str__(self) -> str:
        return str(self.telegram_id) if self.telegram_id is not None else f"@{self.username}"


@dataclass(frozen=True, slots=True)
class Actions:
    """``then``: what a matching rule does, each part optional (at least one is given)."""

    priority: TicketPriority | None = None
    tags: tuple[str, ...] = ()
    assign: OperatorRef | None = None
    assign_team: tuple[OperatorRef, ...] = ()
    reply: str | None = None
    note: str | None = None


@dataclass(frozen=True, slots=True)
class Rule:
    """One automation rule: its unique ``name``, what it needs and what it does."""

    name: str
    when: Conditions
    then: Actions


@dataclass(frozen=True, slots=True)
class Facts:
    """What a customer's message is matched against.

    ``returning`` and ``tags`` are read from the database only when a rule asks for them
    (None: not read yet; :func:`needs_ticket` says when they are needed).
    """

    text: str
    channel: Channel
    language: str
    open_hours: bool
    returning: bool | None = None
    tags: tuple[str, ...] | None = None


def language_code(code: str | None) -> str:
    """A language code as rules compare it: ``ru-RU`` → ``ru``; empty for none."""
    return (code or "").replace("_", "-").split("-", 1)[0].lower()


def matches_message(rule: Rule, facts: Facts) -> bool:
    """Do the conditions that need no database (text, channel, language, hours) hold?"""
    when = rule.when
    if when.channel is not None and facts.channel != when.channel:
        return False
    if when.language and language_code(facts.language) not in when.language:
        return False
    if when.hours is not None and facts.open_hours != (when.hours is Hours.INSIDE):
        return False
    if when.keyword_re is not None and not when.keyword_re.search(fold(facts.text)):
        return False
    return not when.regex or any(pattern.search(facts.text) for pattern in when.regex)


def needs_ticket(rule: Rule) -> bool:
    """Does ``rule`` ask about the ticket's tags or the customer's earlier tickets?"""
    return rule.when.customer is not None or rule.when.tag is not None


def matches(rule: Rule, facts: Facts) -> bool:
    """Do all of ``rule``'s conditions hold for ``facts``? (``facts`` complete if needed.)"""
    if not matches_message(rule, facts):
        return False
    when = rule.when
    if when.customer is not None:
        if facts.returning is None:
            raise ValueError("the rule asks whether the customer is new: read it first")
        if facts.returning != (when.customer is CustomerKind.RETURNING):
            return False
    if when.tag is not None:
        if facts.tags is None:
            raise ValueError("the rule asks for a tag: read the ticket's tags first")
        return when.tag in facts.tags
    return True
