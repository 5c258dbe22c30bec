"""The stage of the end-to-end benchmarks: a Telegram sandbox, an operator forum, customers,
and botdesk apps run against them in child processes.

The sandbox lives in the benchmark's own process. What it posts is watched by wrapping
``World.post`` of this one sandbox instance (no change to the sandbox itself): every
customer message carries a marker ``L0000123``, so the moment a marker first appears in
the operator group is the moment operators can see that message, whether it came as a
copy or as one line of a merged message.
"""

from __future__ import annotations

import asyncio
import json
import re
import signal
import sys
from collections import Counter
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from pathlib import Path
from time import perf_counter
from typing import Any

from botdesk.web import free_port
from sandbox.telegram import ApiError, TelegramSandbox, User

ROOT = Path(__file__).resolve().parents[2]
CHILD = Path(__file__).with_name("desk_child.py")
MARK = re.compile(r"L(\d{7})")
UNLIMITED = "1000000/1"


class PostLog:
    """When each marked customer message first showed in the group, and what else was sent."""

    def __init__(self, sb: TelegramSandbox, group_id: int) -> None:
        self.group_id = group_id
        self.seen: dict[int, float] = {}
        self.copies: Counter[int] = Counter()
        self.group_posts = 0  # desk messages in the group that carry customer lines
        self.merged_posts = 0  # … of them carrying more than one line
        self.answers = 0  # desk messages in private chats
        self.rejected = 0  # 429 answers of the sandbox's flood control
        world = sb.world
        post, spend = world.post, world.flood.spend

        def observed_post(*args: Any, **kwargs: Any) -> Any:
            message = post(*args, **kwargs)
            self._saw(message, perf_counter())
            return message

        def observed_spend(*args: Any, **kwargs: Any) -> None:
            try:
                spend(*args, **kwargs)
            except ApiError:
                self.rejected += 1
                raise

        world.post = observed_post  # type: ignore[method-assign]
        world.flood.spend = observed_spend  # type: ignore[method-assign]

    def _saw(self, message: Any, moment: float) -> None:
        if not message.sender.is_bot:
            return
        if message.chat.id != self.group_id:
            self.answers += 1
            return
        marks = [int(mark) for mark in MARK.findall(message.text or "")]
        if not marks:
            return
        self.group_posts += 1
        self.merged_posts += len(marks) > 1
        for seq in marks:
            self.copies[seq] += 1
            self.seen.setdefault(seq, moment)


class DeskProcess:
    """One ``run_app`` in a child process; :meth:`stop` returns its peak RSS in KiB."""

    def __init__(self, values: dict[str, Any], log_path: Path) -> None:
        self.values = values
        self.log_path = log_path
        self.process: asyncio.subprocess.Process | None = None
        self.peak_rss_kib: int | None = None
        self.summary: dict[str, Any] = {}
        self._log = log_path.open("ab")

    async def start(self) -> None:
        self.process = await asyncio.create_subprocess_exec(
            sys.executable,
            str(CHILD),
            json.dumps(self.values),
            cwd=ROOT,
            stdout=asyncio.subprocess.PIPE,
            stderr=self._log,
        )

    @property
    def exited(self) -> bool:
        return self.process is None or self.process.returncode is not None

    async def stop(self) -> None:
        process = self.process
        if process is None:
            return
        try:
            if process.returncode is None:
                process.send_signal(signal.SIGTERM)
            out, _ = await asyncio.wait_for(process.communicate(), timeout=30)
        except TimeoutError:
            process.kill()
            await process.wait()
            raise
        finally:
            self._log.close()
        for line in out.decode().splitlines()[::-1]:
            if line.startswith("{"):
                self.summary = json.loads(line)
                self.peak_rss_kib = int(self.summary["peak_rss_kib"])
                break

    def log_tail(self) -> str:
        return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-20:])


class Stage:
    """An operator forum with the desk bot as admin, customers, and desks to run."""

    def __init__(self, sb: TelegramSandbox, workdir: Path) -> None:
        self.sb = sb
        self.workdir = workdir
        self.bot = sb.create_bot("bench_desk_bot", "Desk")
        self.group = sb.create_group("Support", owner=sb.create_user("Olga"))
        sb.add_bot(self.group, self.bot, admin=True, can_manage_topics=True)
        self.probe = self.customers(1)[0]
        self.log = PostLog(sb, self.group.id)
        self.database_url = f"sqlite://{workdir / 'desk.sqlite3'}"
        self.sent: dict[int, float] = {}
        self._seq = 0
        self._desks = 0

    def customers(self, count: int) -> list[User]:
        """``count`` new customers, each with a private chat with the desk bot."""
        made = []
        for _ in range(count):
            user = self.sb.create_user("Customer", last_name="Bench")
            self.sb.private_chat(self.bot, user)
            made.append(user)
        return made

    def settings(self, *, group_rate: str | None = None) -> dict[str, Any]:
        """The desk's settings: its outbox budgets unlimited unless ``group_rate`` is given."""
        return {
            "bot_token": self.bot.token,
            "operator_group_id": self.group.id,
            "telegram_api_base": self.sb.base_url,
            "database_url": self.database_url,
            "company_name": "Acme",
            "web_host": "127.0.0.1",
            "web_port": free_port(),
            "rate_group": group_rate or UNLIMITED,
            "rate_bot": "30/1" if group_rate else UNLIMITED,
            "rate_private_chat": "1/1" if group_rate else UNLIMITED,
        }

    @asynccontextmanager
    async def desk(self, values: dict[str, Any]) -> AsyncIterator[DeskProcess]:
        """Run a desk until the block ends; it is ready (answers /help) when the block starts."""
        self._desks += 1
        desk = DeskProcess(values, self.workdir / f"desk-{self._desks}.log")
        await desk.start()
        try:
            before = self.log.answers
            self.sb.send_text(self.probe, self.bot, "/help")
            await self.sb.wait_for(lambda: self.log.answers > before or desk.exited, 60)
            if desk.exited:
                raise RuntimeError(f"the desk exited early:\n{desk.log_tail()}")
            yield desk
        finally:
            await desk.stop()

    def send(self, user: User) -> int:
        """A customer writes a marked plain text; returns its marker number."""
        seq = self._seq
        self._seq += 1
        self.sb.send_text(user, self.bot, f"L{seq:07d} where is my order?")
        self.sent[seq] = perf_counter()
        return seq

    async def offer(self, people: Sequence[User], rate: float, count: int) -> list[int]:
        """Send ``count`` messages at a steady ``rate`` per second, round-robin over ``people``."""
        seqs = []
        started = perf_counter()
        for i in range(count):
            delay = started + i / rate - perf_counter()
            if delay > 0:
                await asyncio.sleep(delay)
            seqs.append(self.send(people[i % len(people)]))
        return seqs

    async def shown(self, seqs: Sequence[int], timeout: float) -> bool:  # noqa: ASYNC109
        """Wait until every message of ``seqs`` is visible in the group; False on timeout."""
        missing = set(seqs)

        def done() -> bool:
            missing.difference_update([seq for seq in missing if seq in self.log.seen])
            return not missing

        try:
            await self.sb.wait_for(done, timeout)
        except TimeoutError:
            return False
        return True

    def latencies(self, seqs: Sequence[int]) -> list[float]:
        """Seconds from the sandbox accepting each message to it being visible (seen ones)."""
        seen = self.log.seen
        return [seen[seq] - self.sent[seq] for seq in seqs if seq in seen]

    def duplicates(self, seqs: Sequence[int]) -> int:
        """Messages shown more than once (the outbox delivers at least once)."""
        return sum(1 for seq in seqs if self.log.copies[seq] > 1)
