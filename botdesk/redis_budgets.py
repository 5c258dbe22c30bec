"""The outbox's flood budgets shared by every process of one desk, kept in Redis.

Each window is a sorted set, one member per message sent and its time as the score: the
sliding window log of :mod:`core.outbox.budgets`, seen by every process. One Lua script
per call makes the check and the spend atomic: it drops the sends older than the window
(``ZREMRANGEBYSCORE``), counts the rest (``ZCARD``) and, when every window and the chat's
pause allow it, adds the cost as members unique to this spend (``ZADD``); otherwise it
adds nothing and answers when the send would fit. Every set expires a window (plus a
second) after its last send and a pause when it ends, so idle chats leave no keys behind.
A restamp (a send answered later than its window's slack allows) moves a spend's members
to a later score, or adds them again where they had left the window, in one script too.

Times are the callers' clocks (seconds since the epoch), so the processes' clocks should
agree (NTP); the budgets' margin absorbs what little they differ by.

While Redis cannot be reached, or fails, every call answers as if no other process had
sent anything: each process keeps to its own ledger, and the desk goes on sending. One
WARNING says so when it starts, one INFO when Redis answers again; meanwhile Redis is
tried again after a backoff, not on every send.
"""

from __future__ import annotations

import itertools
import logging
import time
import uuid
from collections.abc import Sequence
from typing import Any

from redis.asyncio import Redis
from redis.asyncio.retry import Retry
from redis.backoff import NoBackoff
from redis.exceptions import RedisError

from core.config import Settings
from core.outages import OutageLog, Wording
from core.outbox.shared_budgets import Grant, Spend

__all__ = ["RedisBudgets", "default_prefix", "redis_budgets"]

log = logging.getLogger("botdesk")

# how long a call may take before the send goes ahead on the local ledger alone
_TIMEOUT = 1.0
# the first and the longest pause before Redis is tried again during an outage
_RETRY = (0.5, 10.0)

_OUTAGE = Wording(
    "%s: Redis failed (%s); each process keeps to its own budgets until it answers",
    "%s: Redis answers again after %.1f s (%d failed calls); budgets are shared again",
)

# Numbers go to Redis as strings with every digit: Lua's own conversion keeps 14, which
# would round times since the epoch to a tenth of a millisecond.
_TAKE = """
local function num(x) return string.format('%.17g', x) end
local now, token = tonumber(ARGV[1]), ARGV[2]
local ready, blocking = now, {}
local paused = tonumber(redis.call('GET', KEYS[1]))
if paused and paused > now then
  ready = paused
  blocking[#blocking + 1] = 0
end
local windows = {}
for i = 2, #KEYS do
  local at = 3 * i - 3
  local count, per = tonumber(ARGV[at]), tonumber(ARGV[at + 1])
  local cost = math.min(math.max(tonumber(ARGV[at + 2]), 1), count)
  redis.call('ZREMRANGEBYSCORE', KEYS[i], '-inf', num(now - per))
  local held = redis.call('ZCARD', KEYS[i])
  local excess = held + cost - count
  if excess > 0 then
    -- it fits once the `excess` oldest sends have left the window
    local oldest = redis.call('ZRANGE', KEYS[i], excess - 1, excess - 1, 'WITHSCORES')
    ready = math.max(ready, tonumber(oldest[2]) + per)
    blocking[#blocking + 1] = i - 1
  end
  windows[i] = {cost, per, held}
end
if #blocking > 0 then
  return {num(ready), blocking}
end
for i = 2, #KEYS do
  local cost, per, held = windows[i][1], windows[i][2], windows[i][3]
  local stamp = now
  if held > 0 then  -- never before the newest send, as in the local ledger
    local newest = redis.call('ZRANGE', KEYS[i], -1, -1, 'WITHSCORES')
    stamp = math.max(stamp, tonumber(newest[2]))
  end
  for n = 1, cost do
    redis.call('ZADD', KEYS[i], num(stamp), token .. ':' .. n)
  end
  redis.call('PEXPIRE', KEYS[i], string.format('%d', math.ceil(per * 1000) + 1000))
end
return {num(now), {}}
"""

_GIVE_BACK = """
for i = 1, #KEYS do
  for n = 1, tonumber(ARGV[i + 1]) do
    redis.call('ZREM', KEYS[i], ARGV[1] .. ':' .. n)
  end
end
return 0
"""

_RESTAMP = """
local function num(x) return string.format('%.17g', x) end
local at, token = tonumber(ARGV[1]), ARGV[2]
for i = 1, #KEYS do
  local base = 3 * i
  local per, slack, cost = tonumber(ARGV[base]), tonumber(ARGV[base + 1]), tonumber(ARGV[base + 2])
  local stamp = at - slack
  for n = 1, cost do
    local member = token .. ':' .. n
    local score = tonumber(redis.call('ZSCORE', KEYS[i], member))
    if not score or score < stamp then  -- later only; back if it had left the window
      redis.call('ZADD', KEYS[i], num(stamp), member)
    end
  end
  local keep = math.ceil((stamp + per - at) * 1000) + 1000
  if redis.call('PTTL', KEYS[i]) < keep then
    redis.call('PEXPIRE', KEYS[i], string.format('%d', keep))
  end
end
return 0
"""

_PAUSE = """
local until_, now = tonumber(ARGV[1]), tonumber(ARGV[2])
local ttl = math.ceil((until_ - now) * 1000)
local current = tonumber(redis.call('GET', KEYS[1]))
if ttl <= 0 or (current and current >= until_) then
  return 0
end
redis.call('SET', KEYS[1], ARGV[1], 'PX', string.format('%d', ttl))
return 1
"""


def default_prefix(group_id: int) -> str:
    """Where one desk's budgets live: by its operator group. The braces keep every key
    of the desk in one Redis Cluster slot, which a script touching several needs."""
    return f"botdesk:{{{group_id}}}:budget:"


class RedisBudgets:
    """:class:`~core.outbox.shared_budgets.SharedBudgets` in Redis (owns its client)."""

    def __init__(self, redis: Redis, *, prefix: str, retry: tuple[float, float] = _RETRY) -> None:
        self.redis = redis
        self.prefix = prefix
        self._take = redis.register_script(_TAKE)
        self._give_back = redis.register_script(_GIVE_BACK)
        self._restamp = redis.register_script(_RESTAMP)
        self._pause = redis.register_script(_PAUSE)
        self._retry = retry
        self._retry_at = 0.0  # monotonic time before which an outage is not retried
        self.outage = OutageLog("shared flood budgets", log, wording=_OUTAGE)
        # unique among every process: this object's own id and a count of its spends
        self._id = uuid.uuid4().hex[:12]
        self._spends = itertools.count(1)

    def window_key(self, name: str) -> str:
        """The sorted set of the window ``name``."""
        return f"{self.prefix}window:{name}"

    def pause_key(self, budget_key: str) -> str:
        """The key that pauses ``budget_key`` while it exists."""
        return f"{self.prefix}pause:{budget_key}"

    async def take(self, spends: Sequence[Spend], now: float, *, pause: str | None) -> Grant:
        """Spend every window's cost at ``now`` for all processes, or say when it fits."""
        token = f"{self._id}:{next(self._spends)}"
        keys = [self.pause_key(pause or ""), *(self.window_key(s.name) for s in spends)]
        args: list[Any] = [repr(now), token]
        for spend in spends:
            args += [spend.rate.count, repr(spend.rate.per_seconds), spend.cost]
        answer = await self._call(self._take, keys, args)
        if answer is None:
            return Grant(now)  # Redis is out: the local ledger alone decides
        ready, blocking = float(answer[0]), answer[1]
        if not blocking:
            return Grant(now, token=token)
        names = [f"pause:{pause}", *(spend.name for spend in spends)]
        return Grant(ready, tuple(names[int(index)] for index in blocking))

    async def give_back(self, spends: Sequence[Spend], token: str) -> None:
        """Remove the members a grant added (its send never happened)."""
        keys = [self.window_key(spend.name) for spend in spends]
        costs = [min(max(spend.cost, 1), spend.rate.count) for spend in spends]
        await self._call(self._give_back, keys, [token, *costs])

    async def restamp(self, spends: Sequence[Spend], token: str, at: float) -> None:
        """Move a grant's members to ``at`` less each window's slack, where that is later."""
        keys = [self.window_key(spend.name) for spend in spends]
        args: list[Any] = [repr(at), token]
        for spend in spends:
            cost = min(max(spend.cost, 1), spend.rate.count)
            args += [repr(spend.rate.per_seconds), repr(spend.slack), cost]
        await self._call(self._restamp, keys, args)

    async def pause(self, budget_key: str, until: float, now: float) -> None:
        """Pause ``budget_key`` until ``until`` for every process (a later pause wins)."""
        await self._call(self._pause, [self.pause_key(budget_key)], [repr(until), repr(now)])

    async def close(self) -> None:
        """Close the Redis client."""
        await self.redis.aclose()

    async def _call(self, script: Any, keys: list[str], args: list[Any]) -> Any:
        """Run ``script``; None when Redis is out (or was out a moment ago)."""
        if self.outage.ongoing and time.monotonic() < self._retry_at:
            return None
        try:
            answer = await script(keys=keys, args=args)
        except (RedisError, OSError) as exc:
            self.outage.failed(exc)
            self._retry_at = time.monotonic() + self.outage.backoff(*self._retry)
            return None
        self.outage.recovered()
        return answer


def redis_budgets(settings: Settings, prefix: str | None = None) -> RedisBudgets | None:
    """The shared budgets of a desk with Redis configured (None without it)."""
    if not settings.redis_url:
        return None
    assert settings.operator_group_id is not None
    client = Redis.from_url(
        settings.redis_url,
        socket_connect_timeout=_TIMEOUT,
        socket_timeout=_TIMEOUT,
        # one quick retry on a fresh connection (the pooled one may predate a restart),
        # never a long backoff: the worker's loop waits for the answer
        retry=Retry(NoBackoff(), 1),
    )
    return RedisBudgets(client, prefix=prefix or default_prefix(settings.operator_group_id))
