"""Checking botdesk.toml's [[rules]]: each bad key is named with its rule and a fix."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

import pytest

from core.config import ConfigError
from core.enums import Channel, TicketPriority
from core.rule_settings import DEFAULT_RULES, URGENT_WORDS, rules_from_settings
from core.rule_types import CustomerKind, Facts, Hours, OperatorRef, matches


def rules(raw: Any) -> tuple[Any, ...]:
    return rules_from_settings(SimpleNamespace(rules=raw))


def error(raw: Any) -> str:
    with pytest.raises(ConfigError) as caught:
        rules(raw)
    return str(caught.value)


def one(when: dict[str, Any] | None = None, **then: Any) -> list[dict[str, Any]]:
    rule: dict[str, Any] = {"name": "refunds", "then": then or {"priority": "high"}}
    if when is not None:
        rule["when"] = when
    return [rule]


def test_no_rules_table_means_the_default_set() -> None:
    assert rules(None) == DEFAULT_RULES
    [urgent] = DEFAULT_RULES
    assert urgent.name == "urgent-words"
    assert urgent.then.priority is TicketPriority.HIGH
    assert set(URGENT_WORDS) == {
        "срочн",
        "urgent",
        "не работа",
        "doesn't work",
        "does not work",
        "возврат",
        "refund",
    }


@pytest.mark.parametrize(
    "text",
    ["СРОЧНО нужна помощь", "This is urgent!", "Приложение не работает", "It doesn't work",
     "Хочу оформить возврат", "refund please", "Срочная проблема", "Кнопки не работают",
     "It does not work at all", "Где мой возврат средств?", "Refunds?"],
)  # fmt: skip
def test_the_default_rule_matches_each_of_its_words(text: str) -> None:
    [urgent] = DEFAULT_RULES
    assert matches(urgent, Facts(text, Channel.TELEGRAM, "ru", open_hours=True))


def test_an_empty_list_turns_rules_off() -> None:
    assert rules([]) == ()


def test_a_full_rule_is_read_into_its_types() -> None:
    [rule] = rules(
        [
            {
                "name": "refunds",
                "when": {
                    "keywords": ["возврат", "Refund"],
                    "regex": [r"order\s*#?\d+"],
                    "channel": "VK",
                    "language": ["ru", "EN"],
                    "hours": "outside",
                    "customer": "returning",
                    "tag": "#VIP",
                },
                "then": {
                    "priority": "urgent",
                    "tags": ["billing", "#Refund", "billing"],
                    "assign_team": ["@Anna_Ops", 12345, "777"],
                    "reply": "refund-policy",
                    "note": "  Check the payment system first  ",
                },
            }
        ]
    )
    when, then = rule.when, rule.then
    assert when.keywords == ("возврат", "Refund")
    assert when.regex[0].search("ORDER #12")
    assert (when.channel, when.language) == (Channel.VK, ("ru", "en"))
    assert (when.hours, when.customer, when.tag) == (Hours.OUTSIDE, CustomerKind.RETURNING, "vip")
    assert then.priority is TicketPriority.URGENT
    assert then.tags == ("billing", "refund")
    assert then.assign_team == (
        OperatorRef(username="anna_ops"),
        OperatorRef(telegram_id=12345),
        OperatorRef(telegram_id=777),
    )
    assert (then.reply, then.note) == ("refund-policy", "Check the payment system first")


def test_a_single_text_is_a_list_of_one() -> None:
    [rule] = rules(one({"keywords": "refund", "language": "ru"}, tags="billing"))
    assert (rule.when.keywords, rule.when.language, rule.then.tags) == (
        ("refund",),
        ("ru",),
        ("billing",),
    )


@pytest.mark.parametrize(
    ("raw", "key", "says"),
    [
        ({"rules": 1}, "rules must be an array of tables", "[[rules]]"),
        ([1], "rules[1].name", "is missing"),
        ([{"when": {}, "then": {"priority": "high"}}], "rules[1].name", 'name = "refunds"'),
        ([{"name": "", "then": {"priority": "high"}}], "rules[1].name", "letters, digits"),
        ([{"name": "x" * 80, "then": {"priority": "high"}}], "rules[1].name", "at most 75"),
        ([{"name": "a", "if": {}, "then": {"note": "x"}}], 'rules[1] ("a").if', "name, when"),
        ([{"name": "a"}], 'rules[1] ("a").then', "must be a table"),
        ([{"name": "a", "then": {}}], 'rules[1] ("a").then', "has no action"),
        ([{"name": "a", "when": [], "then": {"note": "x"}}], 'rules[1] ("a").when', "table"),
        (one({"keyword": ["x"]}), "when.keyword", "keywords, regex, channel"),
        (one({"keywords": []}), "when.keywords", "non-empty list"),
        (one({"keywords": ["ok", 5]}), "when.keywords[2]", "non-empty text"),
        (one({"keywords": ["!!!"]}), "when.keywords", "needs a word"),
        (one({"regex": ["fine", "(unclosed"]}), "when.regex[2]", "not a valid regular"),
        (one({"channel": "whatsapp"}), "when.channel", "telegram, vk"),
        (one({"language": ["russian"]}), "when.language", "two-letter"),
        (one({"hours": "night"}), "when.hours", "inside, outside"),
        (one({"customer": "vip"}), "when.customer", "new, returning"),
        (one({"tag": "two words"}), "when.tag", "one word"),
        (one(priority="asap"), "then.priority", "low, normal, high, urgent"),
        (one(tags=["ok", "not ok"]), "then.tags[2]", "one word"),
        (one(assign="anna smith"), "then.assign", "Telegram id or @username"),
        (one(assign=True), "then.assign", "Telegram id or @username"),
        (one(assign_team=[]), "then.assign_team", "non-empty list"),
        (one(assign_team=["@anna", -5]), "then.assign_team[2]", "Telegram id"),
        (one(assign="@anna", assign_team=["@bob"]), "then.assign_team", "keep one"),
        (one(reply="no spaces allowed"), "then.reply", "name a template"),
        (one(note=""), "then.note", "1 to 2000"),
        (one(note="x" * 2001), "then.note", "1 to 2000"),
        (one(ask="x"), "then.ask", "priority, tags, assign"),
    ],
)  # fmt: skip
def test_every_bad_key_is_named_with_its_rule_and_a_fix(raw: Any, key: str, says: str) -> None:
    text = error(raw)
    key = key if key.startswith("rules") else f'rules[1] ("refunds").{key}'
    assert text.startswith(f"Configuration error: {key}")
    assert says in text


def test_two_rules_of_one_name_are_refused_at_the_second() -> None:
    raw = [*one(), {"name": "other", "then": {"note": "x"}}, *one(tags=["x"])]
    text = error(raw)
    assert text.startswith('Configuration error: rules[3] ("refunds").name: is used by an earlier')
