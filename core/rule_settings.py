"""botdesk.toml's ``[[rules]]``: checked and compiled into :class:`~core.rule_types.Rule`.

Each rule is a table with a ``name``, a ``when`` table (conditions, all must hold) and a
``then`` table (actions)::

    [[rules]]
    name = "refunds"
    when.keywords = ["возврат", "refund"]
    then.priority = "high"
    then.tags = ["billing"]

No ``[[rules]]`` at all means :data:`DEFAULT_RULES`; ``rules = []`` turns rules off.
Anything malformed raises :class:`~core.config.ConfigError` naming the rule and the key
(``rules[2] ("refunds").when.keywords``) and saying how to fix it; the CLI prints it and
exits 2 before anything starts.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any, Protocol

from core.config import DEMO_HINT, ConfigError
from core.enums import Channel, TicketPriority
from core.limits import max_length
from core.models import Event, Tag, Template
from core.rule_types import (
    Actions,
    Conditions,
    CustomerKind,
    Hours,
    OperatorRef,
    Rule,
    keyword_pattern,
    words_of,
)

#: the words of the default rule "urgent-words", which raises a ticket to high: stems, so
#: that "срочная", "не работают" and "возврата" count as well as "срочно", "не работает"
URGENT_WORDS = (
    "срочн",
    "urgent",
    "не работа",
    "doesn't work",
    "does not work",
    "возврат",
    "refund",
)
#: the rule that applies when botdesk.toml has no [[rules]]
DEFAULT_RULES: tuple[Rule, ...] = (
    Rule(
        name="urgent-words",
        when=Conditions(keywords=URGENT_WORDS, keyword_re=keyword_pattern(URGENT_WORDS)),
        then=Actions(priority=TicketPriority.HIGH),
    ),
)

RULE_KEYS = ("name", "when", "then")
WHEN_KEYS = ("keywords", "regex", "channel", "language", "hours", "customer", "tag")
THEN_KEYS = ("priority", "tags", "assign", "assign_team", "reply", "note")
#: a name must fit the event log's actor label after "rule:" (core.staff.events.rule_actor)
NAME_MAX = max_length(Event, "actor_label") - len("rule:")
NOTE_MAX = 2000
_NAME = re.compile(r"^[\w][\w .-]*$")
_TAG = re.compile(rf"^[\w-]{{1,{max_length(Tag, 'name')}}}$")
_TEMPLATE = re.compile(rf"^[\w-]{{1,{max_length(Template, 'name')}}}$")
_LANGUAGE = re.compile(r"^[a-z]{2,3}$")
_USERNAME = re.compile(r"^@?([A-Za-z][A-Za-z0-9_]{3,31})$")


class _Bad(Exception):
    """One key of one rule is wrong: ``key`` (under the rule) and how to fix it."""

    def __init__(self, key: str, problem: str) -> None:
        super().__init__(problem)
        self.key, self.problem = key, problem


class RulesSource(Protocol):
    """What :func:`rules_from_settings` reads (``core.config.Settings`` has it)."""

    rules: Any


def rules_from_settings(settings: RulesSource) -> tuple[Rule, ...]:
    """The checked, compiled rules of ``settings`` (the default set when none are given)."""
    raw = settings.rules
    if raw is None:
        return DEFAULT_RULES
    if not isinstance(raw, list):
        raise ConfigError(
            "Configuration error: rules must be an array of tables, each written as a "
            '[[rules]] block with name, when and then (see README, "Automation rules"); '
            f"write rules = [] to turn the rules off. {DEMO_HINT}"
        )
    rules: list[Rule] = []
    for index, item in enumerate(raw, start=1):
        name = item.get("name") if isinstance(item, dict) else None
        shown = name.strip() if isinstance(name, str) else ""
        label = f'rules[{index}] ("{shown}")' if 0 < len(shown) <= NAME_MAX else f"rules[{index}]"
        try:
            rule = _rule(item)
            if any(rule.name == other.name for other in rules):
                raise _Bad("name", "is used by an earlier rule; give every rule its own name")
        except _Bad as bad:
            raise ConfigError(
                f"Configuration error: {label}.{bad.key}: {bad.problem}. Fix this rule in "
                f'botdesk.toml (see README, "Automation rules"). {DEMO_HINT}'
            ) from None
        rules.append(rule)
    return tuple(rules)


def _rule(item: object) -> Rule:
    if not isinstance(item, dict):
        raise _Bad("name", "is missing: each [[rules]] block is a table with name, when, then")
    _known(item, RULE_KEYS, "")
    name = item.get("name")
    if not isinstance(name, str) or not _NAME.match(name.strip()) or len(name) > NAME_MAX:
        raise _Bad(
            "name",
            f"must be a text of letters, digits, spaces, '.', '_' or '-' (at most {NAME_MAX}), "
            'e.g. name = "refunds"',
        )
    when, then = _table(item, "when", required=False), _table(item, "then", required=True)
    _known(when, WHEN_KEYS, "when.")
    _known(then, THEN_KEYS, "then.")
    if not then:
        raise _Bad("then", f"has no action; give at least one of: {', '.join(THEN_KEYS)}")
    return Rule(name=name.strip(), when=_conditions(when), then=_actions(then))


def _table(item: dict[str, Any], key: str, *, required: bool) -> dict[str, Any]:
    value = item.get(key)
    if value is None and not required:
        return {}
    if not isinstance(value, dict):
        example = 'then.priority = "high"' if key == "then" else 'when.keywords = ["refund"]'
        raise _Bad(key, f"must be a table of {key} keys, e.g. {example}")
    return value


def _known(table: dict[str, Any], keys: tuple[str, ...], prefix: str) -> None:
    for key in table:
        if key not in keys:
            raise _Bad(
                f"{prefix}{key}", f"is not a key botdesk knows; use one of: {', '.join(keys)}"
            )


def _texts(value: object, key: str, example: str) -> list[str]:
    """A list of non-empty texts (one text alone is read as a list of one)."""
    items = [value] if isinstance(value, str) else value
    if not isinstance(items, list) or not items:
        raise _Bad(key, f"must be a non-empty list of texts, e.g. {key.split('.')[-1]} = {example}")
    for position, text in enumerate(items, start=1):
        if not isinstance(text, str) or not text.strip():
            raise _Bad(f"{key}[{position}]", f"must be a non-empty text, as in {example}")
    return [text.strip() for text in items]


def _choice(value: object, key: str, choices: list[str]) -> str:
    if not isinstance(value, str) or value.strip().lower() not in choices:
        raise _Bad(key, f"is {value!r}; use one of: {', '.join(choices)}")
    return value.strip().lower()


def _checked(items: list[str], key: str, valid: Callable[[str], bool], hint: str) -> list[str]:
    for position, item in enumerate(items, start=1):
        if not valid(item):
            raise _Bad(f"{key}[{position}]" if len(items) > 1 else key, f"is {item!r}; {hint}")
    return items


def _conditions(when: dict[str, Any]) -> Conditions:
    keywords: tuple[str, ...] = ()
    if "keywords" in when:
        keywords = tuple(_texts(when["keywords"], "when.keywords", '["refund", "возврат"]'))
        _checked(
            list(keywords), "when.keywords", lambda k: bool(words_of(k)), "a keyword needs a word"
        )
    patterns: list[re.Pattern[str]] = []
    if "regex" in when:
        texts = _texts(when["regex"], "when.regex", r'["order\\s*#?\\d+"]')
        for position, text in enumerate(texts, start=1):
            try:
                patterns.append(re.compile(text, re.IGNORECASE))
            except re.error as exc:
                raise _Bad(
                    f"when.regex[{position}]",
                    f"is not a valid regular expression ({exc}); in TOML write a regular "
                    "expression in single quotes, e.g. 'order\\s*#?\\d+'",
                ) from None
    languages: list[str] = []
    if "language" in when:
        languages = [c.lower() for c in _texts(when["language"], "when.language", '["ru"]')]
        hint = 'use two-letter codes such as "ru"'
        _checked(languages, "when.language", lambda c: bool(_LANGUAGE.match(c)), hint)
    return Conditions(
        keywords=keywords,
        regex=tuple(patterns),
        channel=Channel(_choice(when["channel"], "when.channel", list(Channel)))
        if "channel" in when
        else None,
        language=tuple(languages),
        hours=Hours(_choice(when["hours"], "when.hours", list(Hours))) if "hours" in when else None,
        customer=CustomerKind(_choice(when["customer"], "when.customer", list(CustomerKind)))
        if "customer" in when
        else None,
        tag=_tag(when["tag"], "when.tag") if "tag" in when else None,
        keyword_re=keyword_pattern(keywords),
    )


def _tag(value: object, key: str) -> str:
    clean = value.strip().removeprefix("#").lower() if isinstance(value, str) else ""
    if not _TAG.match(clean):
        raise _Bad(key, f"is {value!r}; a tag is one word of letters, digits, _ or -")
    return clean


def _operator(value: object, key: str) -> OperatorRef:
    if isinstance(value, int) and not isinstance(value, bool) and value > 0:
        return OperatorRef(telegram_id=value)
    if isinstance(value, str) and value.strip().isdigit():
        return OperatorRef(telegram_id=int(value.strip()))
    found = _USERNAME.match(value.strip()) if isinstance(value, str) else None
    if found is None:
        raise _Bad(key, f"is {value!r}; name an operator by Telegram id or @username")
    return OperatorRef(username=found.group(1).lower())


def _actions(then: dict[str, Any]) -> Actions:
    if "assign" in then and "assign_team" in then:
        raise _Bad("then.assign_team", "cannot stand beside then.assign; keep one of them")
    team: list[OperatorRef] = []
    if "assign_team" in then:
        value = then["assign_team"]
        if not isinstance(value, list) or not value:
            raise _Bad("then.assign_team", 'must be a non-empty list, e.g. ["@anna", 12345]')
        team = [_operator(v, f"then.assign_team[{i}]") for i, v in enumerate(value, start=1)]
    reply = None
    if "reply" in then:
        reply = then["reply"].strip() if isinstance(then["reply"], str) else None
        if reply is None or not _TEMPLATE.match(reply):
            raise _Bad(
                "then.reply", f'is {then["reply"]!r}; name a template, e.g. reply = "refund"'
            )
    note = None
    if "note" in then:
        note = then["note"].strip() if isinstance(then["note"], str) else ""
        if not note or len(note) > NOTE_MAX:
            raise _Bad("then.note", f"must be a text of 1 to {NOTE_MAX} characters")
    tags: list[str] = []
    if "tags" in then:
        texts = _texts(then["tags"], "then.tags", '["billing"]')
        tags = [_tag(t, f"then.tags[{i}]") for i, t in enumerate(texts, start=1)]
    return Actions(
        priority=TicketPriority(_choice(then["priority"], "then.priority", list(TicketPriority)))
        if "priority" in then
        else None,
        tags=tuple(dict.fromkeys(tags)),
        assign=_operator(then["assign"], "then.assign") if "assign" in then else None,
        assign_team=tuple(team),
        reply=reply,
        note=note,
    )
