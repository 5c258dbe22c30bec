"""The report's texts in both languages, on hand-built metrics: numbers, links, trimming."""

from __future__ import annotations

import re

from hypothesis import given, settings
from hypothesis import strategies as st

from core.reports.summary import View, report_text
from core.reports.wording import CAPTION_LIMIT, MESSAGE_LIMIT
from tests.core.reports.report_fixtures import GROUP, NOW, metrics

NBSP = "\u00a0"


def visible(html: str) -> str:
    """The text without tags and with every kind of space as a plain one."""
    return re.sub(r"<[^>]+>", "", html).replace(NBSP, " ").replace("\u202f", " ")


def test_english_summary_formats_numbers_durations_and_links() -> None:
    text = report_text(metrics(), View.SUMMARY, "en", group_chat_id=GROUP, now=NOW)
    shown = visible(text)
    assert shown.startswith("📊 Report for 2026-03-02")
    assert "New: 1,234 · resolved: 3 · reopened: 1" in shown
    assert "Backlog: 4 open, 2 unassigned" in shown
    # the oldest waiting ticket links to its topic; its customer waited since 14:00
    assert '<a href="https://t.me/c/1234567890/77">#12</a>, 1 h 5 min' in text
    assert (
        "First response: median 1 h 5 min, p90 2 h (business hours: median 30 min, p90 1 h)"
        in shown
    )
    assert "Next response: median 3 min" in shown
    assert "Resolution: median 2 h, p90 1 d 1 h" in shown
    # 7 of 8 first responses in time; no next response decided; 1 of 2 resolutions
    assert "first response 88% · next response — · resolution 50%; breaches: 2" in shown
    assert "CSAT: 4.25 from 4 ratings (1★ 1 · 2★ 0 · 3★ 0 · 4★ 0 · 5★ 3)" in shown
    assert "Rated: 67% of the resolved tickets" in shown
    # the customer's comment is escaped, and links to its topic
    assert (
        '<a href="https://t.me/c/1234567890/200">#100</a> 1★ «Коробка пришла помятой &lt;b&gt;»'
        in text
    )


def test_russian_summary_uses_russian_numbers_and_units() -> None:
    text = report_text(metrics(), View.SUMMARY, "ru", group_chat_id=GROUP, now=NOW)
    shown = visible(text)
    assert shown.startswith("📊 Отчёт за 2026-03-02")
    assert "Новых: 1 234 · решено: 3 · переоткрыто: 1" in shown
    assert "1 ч 5 мин" in shown and "1 д 1 ч" in shown
    assert "первый ответ 88 %" in shown
    assert "4,25" in shown
    assert "Report" not in shown and "median" not in shown and "breaches" not in shown


def test_operator_and_tag_views() -> None:
    cases = (
        ("en", "Оператор 1: assigned 3, replies 1", "Tags"),
        ("ru", "Оператор 1: назначено 3, ответов 1", "Теги"),
    )
    for locale, busiest, tags in cases:
        text = visible(report_text(metrics(), View.OPERATORS, locale, group_chat_id=GROUP, now=NOW))
        lines = text.splitlines()
        assert lines[1].startswith(f"• {busiest}"), lines  # the busiest first
        assert len(lines) == 3
        text = visible(report_text(metrics(), View.TAGS, locale, group_chat_id=GROUP, now=NOW))
        assert tags in text and "Telegram" in text and "VK" in text
        assert text.index("tag1") < text.index("tag0")  # the most tickets first
    empty = report_text(metrics(operators=0), View.OPERATORS, "en", group_chat_id=GROUP, now=NOW)
    assert "Nobody worked on tickets in this period." in empty


def test_long_lists_are_cut_to_one_message_with_and_n_more() -> None:
    many = metrics(comments=300, operators=300, tags=300, comment="x" * 500)
    for view in View:
        for locale in ("en", "ru"):
            text = report_text(many, view, locale, group_chat_id=GROUP, now=NOW)
            assert len(text) <= MESSAGE_LIMIT
            more = re.search(r"(?:… and|… и ещё) (\d+)", text)
            assert more is not None, text[-200:]
            listed = text.count("\n• ")
            # every one of the 300 is either listed or counted in "… and N more"
            shown_of_list = listed - (4 if view is View.TAGS else 0)  # channels, priorities
            assert shown_of_list + int(more.group(1)) == 300
    caption = report_text(metrics(), View.SUMMARY, "en", group_chat_id=GROUP, now=NOW,
                          limit=CAPTION_LIMIT)  # fmt: skip
    assert len(caption) <= CAPTION_LIMIT


@settings(max_examples=50, deadline=None)
@given(
    comment=st.text(max_size=300),
    comments=st.integers(0, 120),
    locale=st.sampled_from(["en", "ru"]),
)
def test_any_comments_fit_and_are_escaped(comment: str, comments: int, locale: str) -> None:
    text = report_text(
        metrics(comments=comments, comment=comment), View.SUMMARY, locale,
        group_chat_id=GROUP, now=NOW,
    )  # fmt: skip
    assert len(text) <= MESSAGE_LIMIT
    # no tag but the report's own
    assert set(re.findall(r"</?([a-z]+)", text)) <= {"b", "a"}
