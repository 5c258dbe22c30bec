"""The digest on hand-built days: each headline figure, its changes, the texts, the chart.

Three days of a desk on UTC (business hours: always; first response due in 60 min):

* Fri 2026-11-20 (in the baseline): customer 3 writes at 10:00, Ivan answers at 10:20,
  resolves at 11:00.
* Mon 2026-11-23 (the day before): customers 1 and 2 write at 10:00. Ivan answers 1 at
  10:10 and resolves it at 10:30; it is rated 4. Nobody answers 2: its first response
  breaches at 11:00.
* Tue 2026-11-24 (the digest's day): customer 4 writes at 09:00, 5 at 09:30, 6 at 14:00.
  Ivan answers 4 at 09:05 and 2 at 09:10, resolves 4 at 10:00 (rated 1, "Too slow");
  Petr answers 5 at 09:50 and resolves it at 11:00 (rated 5). Nobody answers 6.
"""

from __future__ import annotations

from datetime import date
from zoneinfo import ZoneInfo

from core.enums import TicketStatus
from core.reports.digest import Digest, Measure, build_digest
from core.reports.digest_chart import draw_digest_chart
from core.reports.digest_periods import DigestKind, period_of
from core.reports.digest_text import digest_text, split_text
from core.reports.wording import topic_url
from tests.core.reports.desk import MIN, PETR, ReportDesk, utc
from tests.core.timers.sla_desk import GROUP

DAY = date(2026, 11, 24)


async def three_days() -> ReportDesk:
    """The desk after the three days above (its clock on Tuesday 12:00 + 2 h)."""
    desk = ReportDesk(utc(2026, 11, 20, 10))
    await desk.customer_writes(3)
    desk.at(utc(2026, 11, 20, 10, 20))
    await desk.reply(3)
    desk.at(utc(2026, 11, 20, 11))
    await desk.set_status(3, TicketStatus.RESOLVED)

    desk.at(utc(2026, 11, 23, 10))
    await desk.customer_writes(1)
    await desk.customer_writes(2)
    desk.at(utc(2026, 11, 23, 10, 10))
    await desk.reply(1)
    desk.at(utc(2026, 11, 23, 10, 30))
    await desk.set_status(1, TicketStatus.RESOLVED)
    await desk.rate(1, 4)
    desk.at(utc(2026, 11, 23, 11, 30))
    await desk.fire_due()  # customer 2's first response breached at 11:00

    desk.at(utc(2026, 11, 24, 9))
    await desk.customer_writes(4)
    desk.at(utc(2026, 11, 24, 9, 5))
    await desk.reply(4)
    desk.at(utc(2026, 11, 24, 9, 10))
    await desk.reply(2)
    desk.at(utc(2026, 11, 24, 9, 30))
    await desk.customer_writes(5)
    desk.at(utc(2026, 11, 24, 9, 50))
    await desk.reply(5, PETR)
    desk.at(utc(2026, 11, 24, 10))
    await desk.set_status(4, TicketStatus.RESOLVED)
    await desk.rate(4, 1, "Too slow <again>")
    desk.at(utc(2026, 11, 24, 11))
    await desk.set_status(5, TicketStatus.RESOLVED, PETR)
    await desk.rate(5, 5)
    desk.at(utc(2026, 11, 24, 14))
    await desk.customer_writes(6)
    return desk


async def tuesday(desk: ReportDesk) -> Digest:
    period = period_of(DigestKind.DAILY, DAY, ZoneInfo("UTC"))
    return await build_digest(DigestKind.DAILY, period, desk.ctx)


async def test_each_figure_against_the_day_before_and_the_7_day_average(db: str) -> None:
    digest = await tuesday(await three_days())
    found = {f.name: (f.value, f.before, f.average) for f in digest.figures}
    # baseline Nov 17–23: tickets 3, 1 and 2 opened, 3 and 1 resolved, over 7 days
    assert found["New tickets"] == (3, 2, 3 / 7)
    assert found["Resolved"] == (2, 1, 2 / 7)
    assert found["Reopened"] == (0, 0, 0)
    # at Tuesday's end 2 and 6 are open; at Monday's end 2; on the 7 baseline days' ends
    # only Monday's had one open. Unassigned: 6 today; 2 was taken by Ivan since.
    assert found["Open at the end"] == (2, 1, 1 / 7)
    assert found["… of them unassigned"] == (1, 0, 0)
    # first responses today 5 min (4), 20 min (5), 23 h 10 min (2): the median is 20 min;
    # Monday 10 min (1); baseline 20 min (3) and 10 min (1): nearest rank 1 of 2 → 10 min
    assert found["First response, median"] == (20 * MIN, 10 * MIN, 10 * MIN)
    # resolutions today 60 and 90 min → 60; Monday 30; baseline 60 and 30 → 30
    assert found["Resolution, median"] == (60 * MIN, 30 * MIN, 30 * MIN)
    # SLA clocks: today 4 hits (first response and resolution of 4 and 5); Monday 2 hits
    # (ticket 1) and a breach (ticket 2); baseline adds ticket 3's two hits: 4 of 5
    assert found["SLA met"] == (1.0, 2 / 3, 4 / 5)
    assert found["CSAT, average"] == (3.0, 4.0, 4.0)
    measures = {f.name: f.measure for f in digest.figures}
    assert measures["First response, median"] is Measure.DURATION
    assert measures["SLA met"] is Measure.RATE
    # the chart's data: 2 new tickets at 09, 1 at 14; answered at 09 in 5 and 20 min
    assert digest.current.load_by_hour[9] == 2 and digest.current.load_by_hour[14] == 1
    assert digest.first_response_by_hour[9] == 5 * MIN
    assert digest.first_response_by_hour[14] is None


async def test_the_english_and_russian_texts_show_changes_and_low_ratings(db: str) -> None:
    digest = await tuesday(await three_days())
    link = topic_url(GROUP, 10004)
    english = digest_text(digest, "en", GROUP)
    lines = english.splitlines()
    assert lines[0] == "📊 <b>Daily digest</b> · Tuesday, November 24, 2026"
    assert "New tickets: <b>3</b>  ▲ 1 · ▲ 2.6" in lines  # 3 − 3/7 = 2.57
    assert "Resolved: <b>2</b>  ▲ 1 · ▲ 1.7" in lines
    assert "Reopened: <b>0</b>  = · =" in lines
    assert "Open at the end: <b>2</b>  ▲ 1 · ▲ 1.9" in lines
    assert "First response, median: <b>20 min</b>  ▲ 10 min · ▲ 10 min" in lines
    assert "Resolution, median: <b>1 h</b>  ▲ 30 min · ▲ 30 min" in lines
    assert "SLA met: <b>100%</b>  ▲ 33.3 pp · ▲ 20 pp" in lines
    assert "CSAT, average: <b>3.0</b>  ▼ 1.0 · ▼ 1.0" in lines
    assert "⚠️ <b>Low ratings: 1</b>" in lines
    assert f'★1 <a href="{link}">#4</a> — “Too slow &lt;again&gt;”' in lines
    assert "Ivan Agent: 1 resolved · 2 replies · first response 5 min · CSAT 1.0" in lines
    assert "Petr Agent: 1 resolved · 1 replies · first response 20 min · CSAT 5.0" in lines

    russian = digest_text(digest, "ru", GROUP).splitlines()
    assert russian[0] == "📊 <b>Сводка за день</b> · вторник, 24 ноября 2026\u202fг."
    assert "Новые обращения: <b>3</b>  ▲ 1 · ▲ 2,6" in russian
    assert "Первый ответ, медиана: <b>20 мин</b>  ▲ 10 мин · ▲ 10 мин" in russian
    assert "Решение, медиана: <b>1 ч</b>  ▲ 30 мин · ▲ 30 мин" in russian
    assert "SLA выполнен: <b>100%</b>  ▲ 33,3 п.п. · ▲ 20 п.п." in russian
    assert "⚠️ <b>Низкие оценки: 1</b>" in russian
    assert f'★1 <a href="{link}">#4</a> — “Too slow &lt;again&gt;”' in russian
    assert "Ivan Agent: решено 1 · ответов 2 · первый ответ 5 мин · CSAT 1,0" in russian


async def test_a_quiet_day_says_so_and_the_chart_is_a_png_with_cyrillic(db: str) -> None:
    desk = ReportDesk(utc(2026, 11, 30, 10))
    period = period_of(DigestKind.DAILY, DAY, ZoneInfo("UTC"))
    digest = await build_digest(DigestKind.DAILY, period, desk.ctx)
    lines = digest_text(digest, "en", GROUP).splitlines()
    assert "New tickets: <b>0</b>  = · =" in lines
    assert "First response, median: <b>—</b>  — · —" in lines
    assert "⚠️ No low ratings." in lines and "👤 No operator activity." in lines
    png = draw_digest_chart(digest, "ru")
    assert png.startswith(b"\x89PNG\r\n\x1a\n") and len(png) > 10_000


async def test_a_weekly_digest_compares_with_the_week_before_and_4_weeks(db: str) -> None:
    desk = await three_days()
    week = period_of(DigestKind.WEEKLY, DAY, ZoneInfo("UTC"))  # Mon 23 – Sun 29 Nov
    digest = await build_digest(DigestKind.WEEKLY, week, desk.ctx)
    found = {f.name: (f.value, f.before, f.average) for f in digest.figures}
    # this week: 1, 2, 4, 5, 6; the week before: 3; the 4 weeks before: 3 alone
    assert found["New tickets"] == (5, 1, 1 / 4)
    assert found["Resolved"] == (3, 1, 1 / 4)
    text = digest_text(digest, "en", GROUP).splitlines()
    assert text[0] == "📊 <b>Weekly digest</b> · Nov 23\u2009–\u200929, 2026"
    assert text[1] == "<i>Change against the week before · against the 4-week average</i>"


def test_a_long_text_is_split_at_line_ends_within_the_limit() -> None:
    text = "\n".join(f"line {i} " + "x" * 50 for i in range(200))
    parts = split_text(text, 1000)
    assert all(len(part) <= 1000 for part in parts)
    assert "\n".join(parts) == text
    assert split_text("a" * 2500, 1000) == ["a" * 1000, "a" * 1000, "a" * 500]
