"""``botdesk digest`` as a person runs it: the dry run prints and draws, the real one queues."""

from __future__ import annotations

import asyncio
from pathlib import Path

from core.models import OutboxItem
from core.notices.digests import POST_DIGEST
from tests.botdesk.test_cli import botdesk
from tests.core.reports.desk import ReportDesk, utc

GROUP = "-1001234567890"


async def run(*args: str, cwd: Path, **env: str) -> tuple[int, str, str]:
    """``botdesk`` in a thread, so the test's own database connection stays served."""
    result = await asyncio.to_thread(botdesk, *args, cwd=cwd, **env)
    return result.returncode, result.stdout, result.stderr


async def a_monday(db: str) -> None:
    """One customer wrote on Monday 2026-11-23 at 10:00 and Ivan answered at 10:15."""
    desk = ReportDesk(utc(2026, 11, 23, 10))
    await desk.customer_writes(1, "My order is late")
    desk.at(utc(2026, 11, 23, 10, 15))
    await desk.reply(1)


async def test_a_dry_run_prints_the_text_and_writes_the_chart(db: str, tmp_path: Path) -> None:
    await a_monday(db)
    code, out, err = await run(
        "digest", "--dry-run", "--date", "2026-11-23", "--out", "monday.png",
        cwd=tmp_path, DATABASE_URL=db, TIMEZONE="UTC",
    )  # fmt: skip
    assert code == 0, err
    lines = out.splitlines()
    assert lines[0] == "📊 <b>Daily digest</b> · Monday, November 23, 2026"
    assert "New tickets: <b>1</b>  ▲ 1 · ▲ 1" in lines
    assert "First response, median: <b>15 min</b>  — · —" in lines
    assert (tmp_path / "monday.png").read_bytes().startswith(b"\x89PNG\r\n\x1a\n")
    assert "Chart written to monday.png" in err
    # in Russian, with the default file name
    code, out, err = await run(
        "digest", "--dry-run", "--date", "2026-11-23",
        cwd=tmp_path, DATABASE_URL=db, TIMEZONE="UTC", OPERATOR_LANGUAGE="ru",
    )  # fmt: skip
    assert code == 0, err
    assert "Новые обращения: <b>1</b>  ▲ 1 · ▲ 1" in out.splitlines()
    assert (tmp_path / "digest-2026-11-23.png").is_file()
    assert await OutboxItem.filter(operation=POST_DIGEST).count() == 0  # nothing queued


async def test_without_dry_run_the_digest_is_queued_once(db: str, tmp_path: Path) -> None:
    await a_monday(db)
    env = {"DATABASE_URL": db, "TIMEZONE": "UTC", "OPERATOR_GROUP_ID": GROUP}
    code, out, err = await run("digest", "--date", "2026-11-23", cwd=tmp_path, **env)
    assert code == 0, err
    assert "The daily digest of 2026-11-23 is queued for the managers" in out
    code, out, err = await run("digest", "--date", "2026-11-23", cwd=tmp_path, **env)
    assert code == 0, err
    assert "was sent already; add --again to send it again." in out
    code, out, err = await run("digest", "--weekly", "--date", "2026-11-23", cwd=tmp_path, **env)
    assert code == 0, err
    assert "The weekly digest of 2026-11-23..2026-11-29 is queued" in out
    queued = [dict(item.payload) for item in await OutboxItem.filter(operation=POST_DIGEST)]
    assert queued == [
        {"kind": "daily", "first": "2026-11-23"},
        {"kind": "weekly", "first": "2026-11-23"},
    ]


async def test_bad_arguments_exit_2_with_a_clear_message(tmp_path: Path) -> None:
    url = f"sqlite://{tmp_path / 'desk.sqlite3'}"
    code, _, err = await run("digest", "--dry-run", "--date", "2026-02-30", cwd=tmp_path,
                             DATABASE_URL=url)  # fmt: skip
    assert code == 2
    assert "--date '2026-02-30' is not a day; write it as YYYY-MM-DD" in err
    code, _, err = await run("digest", "--date", "2999-01-01", cwd=tmp_path, DATABASE_URL=url)
    assert code == 2 and "is in the future" in err
    code, _, err = await run("digest", "--date", "2026-01-05", cwd=tmp_path, DATABASE_URL=url)
    assert code == 2 and "OPERATOR_GROUP_ID is not set" in err and "--dry-run" in err
    code, _, err = await run("digest", "--when", "monday", cwd=tmp_path, DATABASE_URL=url)
    assert code == 2 and "unrecognized arguments: --when monday" in err
    code, _, err = await run("digest", cwd=tmp_path, DATABASE_URL=url, DIGEST_TIME="9am")
    assert code == 2 and "DIGEST_TIME is '9am', which is not a time of day as HH:MM" in err
