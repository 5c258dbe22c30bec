"""``/log`` lines: every event kind reads as a sentence in the operators' language."""

from __future__ import annotations

from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from core.enums import EventKind
from core.i18n import Translator
from operators_group.event_lines import describe

EN, RU = Translator("en"), Translator("ru")
PEOPLE = {900: "Ivan", 901: "Olga <admin>"}


def test_status_and_priority_use_the_cards_names() -> None:
    status = {"old": "open", "new": "resolved"}
    assert describe(EventKind.STATUS, status, {}, EN) == "status: open → resolved"
    assert describe(EventKind.STATUS, status, {}, RU) == "статус: в работе → решено"
    priority = {"old": "normal", "new": "urgent"}
    assert describe(EventKind.PRIORITY, priority, {}, EN) == "priority: normal → urgent"


def test_people_are_named_and_escaped() -> None:
    assigned = {"operator": 901, "previous": 900}
    assert describe(EventKind.ASSIGNED, assigned, PEOPLE, EN) == (
        "assigned to Olga &lt;admin&gt; (was Ivan)"
    )
    assert describe(EventKind.ASSIGNED, {"operator": 900, "previous": None}, PEOPLE, RU) == (
        "назначено на Ivan"
    )
    # someone who has left the team since: still readable
    assert describe(EventKind.UNASSIGNED, {"operator": 5}, {}, EN) == "unassigned from operator 5"
    role = {"operator": 900, "old": "agent", "new": "senior"}
    assert describe(EventKind.ROLE, role, PEOPLE, EN) == "role of Ivan: agent → senior"


def test_customer_events() -> None:
    assert describe(EventKind.OPENED, {"first": True}, {}, EN) == (
        "ticket opened: the customer's first"
    )
    assert describe(EventKind.OPENED, {"first": False}, {}, EN) == "ticket opened"
    assert describe(EventKind.RATED, {"score": 4, "old": None}, {}, EN) == "rated ★★★★☆"
    assert describe(EventKind.RATED, {"score": 5, "old": 2}, {}, EN) == (
        "rating changed: ★★☆☆☆ → ★★★★★"
    )
    assert describe(EventKind.REOPENED, {"by": "customer", "rating": 2}, {}, RU) == (
        "снова открыто комментарием к низкой оценке (★★☆☆☆)"
    )
    comment = {"comment": "<b>slow</b> " * 20, "message_id": 3}
    line = describe(EventKind.COMMENTED, comment, {}, EN)
    assert line.startswith("comment on the rating: «&lt;b&gt;slow") and line.endswith("…»")
    assert describe(EventKind.TAG_ADDED, {"tag": "delivery"}, {}, EN) == "tag #delivery added"
    assert describe(EventKind.TEMPLATE_USED, {"name": "shipped", "language": "ru"}, {}, RU) == (
        "отправлен шаблон shipped"
    )


def test_unexpected_data_still_reads() -> None:
    # an unknown status, a score out of range: the plain form, never a crash
    assert describe(EventKind.STATUS, {"old": "open", "new": "lost"}, {}, EN) == (
        "status changed (old: open, new: lost)"
    )
    assert describe(EventKind.RATED, {"score": 12345}, {}, EN) == "rated (score: 12345)"


values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=30),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=5), inner),
    max_leaves=5,
)


@given(
    kind=st.sampled_from(EventKind),
    data=st.dictionaries(
        st.sampled_from(["old", "new", "operator", "previous", "score", "tag", "comment", "x<"]),
        values,
        max_size=4,
    ),
    locale=st.sampled_from(["en", "ru"]),
)
def test_any_stored_data_renders_as_escaped_text(
    kind: EventKind, data: dict[str, Any], locale: str
) -> None:
    line = describe(kind, data, PEOPLE, Translator(locale))
    assert line and "<" not in line and ">" not in line  # all of it escaped, never raw HTML


def test_sla_events_name_their_clock() -> None:
    hit = {"clock": "first_response", "cycle": 1, "due_at": "2026-12-04T10:00:00+00:00"}
    assert describe(EventKind.SLA_HIT, hit, {}, EN) == "SLA met: first response"
    breached = {"clock": "next_response", "cycle": 2}
    assert describe(EventKind.SLA_BREACHED, breached, {}, EN) == "SLA breached: next response"
    assert describe(EventKind.SLA_WARNED, {"clock": "resolution"}, {}, RU) == (
        "предупреждение SLA: решение"
    )
    recomputed = {"old": "normal", "new": "urgent", "clocks": []}
    assert describe(EventKind.SLA_RECOMPUTED, recomputed, {}, EN) == (
        "SLA due times recomputed for priority urgent"
    )


def test_automatic_actors_are_named() -> None:
    from datetime import UTC, datetime
    from zoneinfo import ZoneInfo

    from core.staff.events import DESK, rule_actor
    from core.tickets.queries import LogRow
    from operators_group.listing import Renderer

    at = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
    status = {"old": "new", "new": "open"}
    by_rule = LogRow(EventKind.STATUS, None, at, status, label=rule_actor("refunds <vip>"))
    by_desk = LogRow(EventKind.STATUS, None, at, status, label=DESK)
    ru = Renderer(-100, ZoneInfo("UTC"), RU)
    assert ru.event(by_rule).endswith("— правило refunds &lt;vip&gt;")
    assert Renderer(-100, ZoneInfo("UTC"), EN).event(by_desk).endswith("— desk")
