"""Hourly point budgets, spent atomically in Redis.

Each caller has one counter: an API key (`key:ID`), a signed-in user (`user:ID`) or an anonymous
IP address (`ip:ADDR`). A window opens with the caller's first charged request and lasts
`BUDGET_WINDOW_SECONDS`; the counter expires with it. One Lua script checks and spends in a single
step, so concurrent requests never overspend: a request is refused when its cost would take the
counter over the limit, and the counter is then left as it was (nothing is charged for a refused,
invalid or too costly request, and each accepted operation is charged exactly once).

Without Redis (not configured, or not answering), budgets are kept in this process instead: the
limits still apply, per process, and a warning is logged. Failing open would let one caller take
the database down while Redis is away; failing closed would take the API down with Redis.
"""

from __future__ import annotations

import asyncio
import datetime
import hashlib
import logging
import math
import time
from dataclasses import dataclass
from typing import Any

from redis.exceptions import NoScriptError, RedisError

import settings
from models.enums import ApiTier
from resolvers.context import Context, Principal
from resolvers.errors import ApiError
from resolvers.telemetry.metrics import record_charge
from workers import keys

log = logging.getLogger("peergraph.budget")

#: KEYS[1] counter; ARGV cost, limit, window ms → {spent (1|0), used, ms until reset}
SPEND_LUA = """
local used = tonumber(redis.call('GET', KEYS[1]) or '0')
local cost = tonumber(ARGV[1])
local limit = tonumber(ARGV[2])
if cost > 0 and used + cost > limit then
  local ttl = redis.call('PTTL', KEYS[1])
  if ttl < 0 then ttl = tonumber(ARGV[3]) end
  return {0, used, ttl}
end
if cost > 0 then
  used = redis.call('INCRBY', KEYS[1], cost)
end
local ttl = redis.call('PTTL', KEYS[1])
if cost > 0 and ttl < 0 then
  redis.call('PEXPIRE', KEYS[1], ARGV[3])
  ttl = tonumber(ARGV[3])
elseif ttl < 0 then
  ttl = tonumber(ARGV[3])
end
return {1, used, ttl}
"""
SPEND_SHA = hashlib.sha1(SPEND_LUA.encode()).hexdigest()


class RateLimited(ApiError):
    code = "RATE_LIMITED"


@dataclass(frozen=True, slots=True)
class Charge:
    """The state of a caller's budget after one operation."""

    limit: int
    cost: int
    used: int
    reset_at: datetime.datetime
    node_count: int = 0
    spent: bool = True

    @property
    def remaining(self) -> int:
        return max(0, self.limit - self.used)

    @property
    def retry_after(self) -> int:
        delta = (self.reset_at - datetime.datetime.now(datetime.UTC)).total_seconds()
        return max(1, math.ceil(delta))

    def extensions(self) -> dict[str, Any]:
        return {
            "requested": self.cost,
            "remaining": self.remaining,
            "resetAt": self.reset_at.isoformat().replace("+00:00", "Z"),
            "limit": self.limit,
            "used": self.used,
            "nodeCount": self.node_count,
        }

    def headers(self) -> dict[str, str]:
        return {
            "X-RateLimit-Limit": str(self.limit),
            "X-RateLimit-Remaining": str(self.remaining),
            "X-RateLimit-Used": str(self.used),
            "X-RateLimit-Reset": str(int(self.reset_at.timestamp())),
        }


def caller(principal: Principal) -> tuple[str, int]:
    """The caller's budget key and hourly limit."""
    key = principal.api_key
    if key is not None:
        tier_default = (
            settings.BUDGET_INTERNAL if key.tier == ApiTier.INTERNAL else settings.BUDGET_PARTNER
        )
        return f"key:{key.id}", key.hourly_budget or tier_default
    if principal.user is not None:
        return f"user:{principal.user.id}", settings.BUDGET_USER
    return f"ip:{principal.client_ip}", settings.BUDGET_ANONYMOUS


class _LocalBudgets:
    """The per-process fallback while Redis is unavailable; same semantics as SPEND_LUA."""

    def __init__(self) -> None:
        self.counters: dict[str, tuple[int, float]] = {}

    def spend(self, key: str, cost: int, limit: int, window_ms: int) -> tuple[int, int, int]:
        now = time.monotonic()
        used, expires = self.counters.get(key, (0, 0.0))
        if expires <= now:
            used, expires = 0, now + window_ms / 1000
            if len(self.counters) > 100_000:
                self.counters = {k: v for k, v in self.counters.items() if v[1] > now}
        ttl = int((expires - now) * 1000)
        if cost > 0 and used + cost > limit:
            return 0, used, ttl
        if cost > 0:
            self.counters[key] = (used + cost, expires)
            used += cost
        return 1, used, ttl


LOCAL = _LocalBudgets()


async def _spend_one(redis: Any, key: str, cost: int, limit: int, window_ms: int) -> list[int]:
    args = (cost, limit, window_ms)
    try:
        result = await redis.evalsha(SPEND_SHA, 1, key, *args)
    except NoScriptError:
        result = await redis.eval(SPEND_LUA, 1, key, *args)
    return [int(v) for v in result]


Spend = tuple[str, int, int, int]  # key, cost, limit, window ms
Waiting = list[tuple[Spend, "asyncio.Future[list[int]]"]]
#: Spends waiting to be sent, by Redis client: those made in the same turn of the event loop
_BATCHES: dict[int, Waiting] = {}


class _LeaderGone(Exception):
    """The request sending a batch was cancelled before it could: each spend goes alone."""


async def _spend_redis(redis: Any, key: str, cost: int, limit: int, window_ms: int) -> list[int]:
    """SPEND_LUA for one caller. Requests that reach here in the same turn of the event loop
    (concurrent requests read together) share one pipeline, one write and one read: each spend
    is still its own script, run atomically and in order, with its own answer."""
    spend: Spend = (key, cost, limit, window_ms)
    batch = _BATCHES.get(id(redis))
    if batch is not None:  # a leader is collecting this turn's spends: join it
        future: asyncio.Future[list[int]] = asyncio.get_running_loop().create_future()
        batch.append((spend, future))
        try:
            return await future
        except _LeaderGone:
            return await _spend_one(redis, *spend)
    followers: Waiting = []
    _BATCHES[id(redis)] = followers
    try:
        await asyncio.sleep(0)  # let the requests that are ready now reach here too
    except BaseException:
        _settle(followers, None, _LeaderGone())
        raise
    finally:
        del _BATCHES[id(redis)]
    if not followers:
        return await _spend_one(redis, *spend)
    try:
        results = await _spend_many(redis, [spend, *(s for s, _f in followers)])
    except Exception as error:
        _settle(followers, None, error)
        raise
    except BaseException:
        _settle(followers, None, _LeaderGone())
        raise
    _settle(followers, results[1:], None)
    first = results[0]
    if isinstance(first, Exception):
        raise first
    return first


def _settle(
    followers: Waiting, results: list[list[int] | Exception] | None, error: Exception | None
) -> None:
    for i, (_spend, future) in enumerate(followers):
        if future.done():
            continue
        outcome = error if results is None else results[i]
        if isinstance(outcome, Exception):
            future.set_exception(outcome)
        elif outcome is not None:
            future.set_result(outcome)


async def _spend_many(redis: Any, spends: list[Spend]) -> list[list[int] | Exception]:
    """The spends in one pipeline (no MULTI: each script is atomic on its own), in order."""
    pipe = redis.pipeline(transaction=False)
    for key, *args in spends:
        pipe.evalsha(SPEND_SHA, 1, key, *args)
    found = await pipe.execute(raise_on_error=False)
    out: list[list[int] | Exception] = []
    for spend, result in zip(spends, found, strict=True):
        if isinstance(result, NoScriptError):  # Redis restarted or flushed its scripts
            try:
                out.append(await _spend_one(redis, *spend))
            except Exception as error:
                out.append(error)
        elif isinstance(result, Exception):
            out.append(result)
        else:
            out.append([int(v) for v in result])
    return out


async def spend(ctx: Context, cost: int, node_count: int = 0) -> Charge:
    """Spend `cost` points of the caller's budget (0 only reads it). Sets the rate-limit headers
    and `extensions.cost`; raises `RATE_LIMITED` when the budget cannot cover the cost."""
    name, limit = caller(ctx.principal)
    key = keys.budget_key(name)
    window_ms = settings.BUDGET_WINDOW_SECONDS * 1000
    result: list[int] | tuple[int, int, int] | None = None
    if ctx.redis is not None:
        try:
            result = await _spend_redis(ctx.redis, key, cost, limit, window_ms)
        except (RedisError, OSError) as error:
            log.warning("budget: Redis unavailable (%s); limiting in this process", error)
    if result is None:
        result = LOCAL.spend(key, cost, limit, window_ms)
    spent, used, ttl_ms = result
    now = datetime.datetime.now(datetime.UTC).replace(microsecond=0)
    reset_at = now + datetime.timedelta(seconds=math.ceil(ttl_ms / 1000))
    charge = Charge(limit, cost, used, reset_at, node_count, bool(spent))
    record_charge(ctx.principal.kind, cost, charge.spent)
    ctx.response_headers.update(charge.headers())
    if not charge.spent:
        ctx.response_headers["Retry-After"] = str(charge.retry_after)
        raise RateLimited(
            f"The query costs {cost} points and {charge.remaining} of {limit} remain in this"
            f" window; retry after {charge.reset_at.isoformat().replace('+00:00', 'Z')}",
            cost=cost,
            limit=limit,
            remaining=charge.remaining,
            resetAt=charge.extensions()["resetAt"],
            retryAfter=charge.retry_after,
        )
    ctx.response_extensions["cost"] = charge.extensions()
    return charge
