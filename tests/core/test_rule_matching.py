"""Matching a customer's text against rule keywords: any case, any ending, word by word."""

from __future__ import annotations

import re

from hypothesis import given, settings
from hypothesis import strategies as st

from core.enums import Channel
from core.rule_types import (
    Actions,
    Conditions,
    CustomerKind,
    Facts,
    Hours,
    Rule,
    keyword_pattern,
    matches,
    matches_message,
    needs_ticket,
)

RUSSIAN = "абвгдежзийклмнопрстуфхцчшщъыьэюя"
ENDINGS = st.text(alphabet=RUSSIAN, max_size=4)
PUNCTUATION = st.sampled_from(["", ".", "!", "?", ",", "…", ")"])


def rule(**when: object) -> Rule:
    keywords = tuple(when.pop("keywords", ()))  # type: ignore[call-overload]
    conditions = Conditions(keywords=keywords, keyword_re=keyword_pattern(keywords), **when)  # type: ignore[arg-type]
    return Rule("r", conditions, Actions(note="x"))


def said(text: str, **facts: object) -> Facts:
    values: dict[str, object] = {"channel": Channel.TELEGRAM, "language": "ru", "open_hours": True}
    return Facts(text, **{**values, **facts})  # type: ignore[arg-type]


def mixed_case(word: str, flips: list[bool]) -> str:
    return "".join(
        c.upper() if flip else c for c, flip in zip(word, flips + [False] * len(word), strict=False)
    )


@settings(deadline=None)
@given(
    stem=st.sampled_from(["возврат", "срочн", "оплат", "refund", "urgent"]),
    ending=ENDINGS,
    flips=st.lists(st.booleans(), max_size=12),
    before=st.sampled_from(["", "Хочу ", "please, ", "Мне нужен\n"]),
    after=PUNCTUATION,
)
def test_a_stem_matches_its_word_forms_in_any_case(
    stem: str, ending: str, flips: list[bool], before: str, after: str
) -> None:
    word = mixed_case(stem + ending, flips)
    assert matches(rule(keywords=[stem]), said(f"{before}{word}{after} спасибо"))


@settings(deadline=None)
@given(prefix=st.text(alphabet=RUSSIAN + "abcxyz", min_size=1, max_size=4), ending=ENDINGS)
def test_a_stem_inside_another_word_is_not_a_match(prefix: str, ending: str) -> None:
    assert not matches(rule(keywords=["возврат"]), said(f"сделали {prefix}возврат{ending}"))


@settings(deadline=None)
@given(first=ENDINGS, second=ENDINGS, gap=st.sampled_from([" ", "  ", ", ", " - ", "\n"]))
def test_a_multi_word_keyword_matches_word_by_word_with_endings(
    first: str, second: str, gap: str
) -> None:
    assert matches(rule(keywords=["не работа"]), said(f"Сайт НЕ{first}{gap}работа{second}"))


def test_the_spelled_out_form_needs_its_stem_to_cover_other_forms() -> None:
    assert matches(rule(keywords=["не работает"]), said("Приложение не работает!"))
    assert not matches(rule(keywords=["не работает"]), said("Кнопки не работают"))
    assert matches(rule(keywords=["не работа"]), said("Кнопки не работают"))
    assert not matches(rule(keywords=["не работа"]), said("работает не всегда"))


def test_yo_and_ye_are_one_letter_and_apostrophes_are_any() -> None:
    assert matches(rule(keywords=["ещё"]), said("Еще раз пишу"))
    assert matches(rule(keywords=["doesn't work"]), said("It DOESN’T WORK at all"))


def test_a_regex_matches_in_any_case_and_any_keyword_or_pattern_will_do() -> None:
    r = Rule("r", Conditions(regex=(re.compile(r"order\s*#?\d+", re.I),)), Actions(note="x"))
    assert matches(r, said("Where is ORDER #1234?"))
    assert not matches(r, said("Where is my order?"))
    assert matches(rule(keywords=["refund", "возврат"]), said("Оформите возврат"))


def test_channel_language_and_hours_must_all_hold() -> None:
    r = rule(channel=Channel.VK, language=("ru",), hours=Hours.OUTSIDE)
    assert matches(r, said("hi", channel=Channel.VK, language="ru-RU", open_hours=False))
    assert not matches(r, said("hi", channel=Channel.TELEGRAM, language="ru", open_hours=False))
    assert not matches(r, said("hi", channel=Channel.VK, language="en", open_hours=False))
    assert not matches(r, said("hi", channel=Channel.VK, language="ru", open_hours=True))


def test_customer_and_tag_are_read_only_when_a_rule_asks() -> None:
    plain, returning = rule(), rule(customer=CustomerKind.RETURNING, tag="vip")
    assert not needs_ticket(plain) and needs_ticket(returning)
    assert matches_message(returning, said("hi"))
    assert matches(returning, said("hi", returning=True, tags=("vip",)))
    assert not matches(returning, said("hi", returning=False, tags=("vip",)))
    assert not matches(returning, said("hi", returning=True, tags=()))
