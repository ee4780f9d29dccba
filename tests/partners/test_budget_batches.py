"""Budget spends made in the same turn of the event loop share one Redis pipeline
(resolvers/budget.py): each is still charged once, atomically and in order, and answered on its
own, whatever the callers, a flushed script cache or a Redis that went away."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

import settings
from resolvers import budget
from resolvers.budget import RateLimited, spend
from resolvers.context import Context, Principal
from tests.partners.conftest import fresh_ip
from workers import keys


def _ctx(redis: Any, ip: str) -> Context:
    return Context(principal=Principal(client_ip=ip), redis=redis)


@pytest.fixture
def batches(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """The size of every pipeline sent (the real one runs)."""
    sizes: list[int] = []
    original = budget._spend_many

    async def recording(redis: Any, spends: list[Any]) -> Any:
        sizes.append(len(spends))
        return await original(redis, spends)

    monkeypatch.setattr(budget, "_spend_many", recording)
    return sizes


async def _outcomes(ctxs: list[Context], cost: int = 1) -> list[str]:
    results = await asyncio.gather(*(spend(c, cost) for c in ctxs), return_exceptions=True)
    return ["refused" if isinstance(r, RateLimited) else "spent" for r in results]


async def test_one_turn_of_spends_is_one_pipeline_each_charged_once(
    redis: Any, batches: list[int], monkeypatch: pytest.MonkeyPatch
) -> None:
    # given two anonymous callers with 3 points each
    monkeypatch.setattr(settings, "BUDGET_ANONYMOUS", 3)
    first, second = fresh_ip(), fresh_ip()
    # when five requests of the first and two of the second spend 1 point in the same turn
    ctxs = [_ctx(redis, first) for _ in range(5)] + [_ctx(redis, second) for _ in range(2)]
    outcomes = await _outcomes(ctxs)
    # then they went in one pipeline, in order: the first caller's first three are spent, its
    # last two refused, the second caller's two spent, each with its own headers
    assert batches == [7]
    assert outcomes == ["spent"] * 3 + ["refused"] * 2 + ["spent"] * 2
    assert [c.response_headers["X-RateLimit-Used"] for c in ctxs] == list("1233312")
    assert "Retry-After" in ctxs[4].response_headers
    assert int(await redis.get(keys.budget_key(f"ip:{first}"))) == 3
    assert int(await redis.get(keys.budget_key(f"ip:{second}"))) == 2


async def test_a_spend_alone_goes_without_a_pipeline(redis: Any, batches: list[int]) -> None:
    # given one request / when it spends / then no pipeline was needed, and it is charged
    ctx = _ctx(redis, fresh_ip())
    charge = await spend(ctx, 2)
    assert (batches, charge.used, charge.spent) == ([], 2, True)


async def test_a_flushed_script_cache_is_loaded_again_within_a_batch(
    redis: Any, batches: list[int]
) -> None:
    # given Redis forgot its scripts (a restart, SCRIPT FLUSH)
    await redis.script_flush()
    ip = fresh_ip()
    # when four requests spend together / then each is still charged once
    outcomes = await _outcomes([_ctx(redis, ip) for _ in range(4)], cost=5)
    assert outcomes == ["spent"] * 4
    assert batches == [4]
    assert int(await redis.get(keys.budget_key(f"ip:{ip}"))) == 20


async def test_redis_gone_mid_batch_falls_back_to_the_process_budget(
    batches: list[int], monkeypatch: pytest.MonkeyPatch
) -> None:
    # given a Redis that does not answer and a budget of 2 points
    from redis.asyncio import Redis

    monkeypatch.setattr(settings, "BUDGET_ANONYMOUS", 2)
    gone = Redis.from_url("redis://127.0.0.1:1/0", socket_connect_timeout=0.5)
    ip = fresh_ip()
    try:
        # when three requests spend together
        outcomes = await _outcomes([_ctx(gone, ip) for _ in range(3)])
    finally:
        await gone.aclose()
    # then each fell back to this process's counter, which still limits: two spent, one refused
    assert batches == [3]
    assert sorted(outcomes) == ["refused", "spent", "spent"]
