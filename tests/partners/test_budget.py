"""Budgets: every response says what it cost; spending is atomic; exhausted budgets get 429."""

from __future__ import annotations

import asyncio
import datetime
import secrets
from typing import Any

import settings
from models.enums import ApiTier
from models.social import Token, User
from resolvers.admin_keys import create_key, revoke_key
from resolvers.auth import digest
from tests.partners.helpers import codes, used

WORKS = "{ works(first: 5) { totalCount } }"


async def test_every_response_reports_its_cost(db: str, http: Any) -> None:
    # given an anonymous caller / when it runs a query asking for its rate limit too
    response = await http.post(
        "/graphql",
        json={
            "query": "{ works(first: 5) { totalCount }"
            " rateLimit { limit cost remaining used resetAt nodeCount } }"
        },
    )
    # then the body, the extensions and the headers tell the same story
    body = response.json()
    rate = body["data"]["rateLimit"]
    assert rate["limit"] == settings.BUDGET_ANONYMOUS == 1000
    assert (rate["cost"], rate["used"], rate["remaining"], rate["nodeCount"]) == (1, 1, 999, 5)
    cost = body["extensions"]["cost"]
    assert (cost["requested"], cost["remaining"]) == (1, 999)
    reset = datetime.datetime.fromisoformat(cost["resetAt"])
    assert reset == datetime.datetime.fromisoformat(rate["resetAt"])
    in_an_hour = datetime.datetime.now(datetime.UTC) + datetime.timedelta(hours=1)
    assert abs((reset - in_an_hour).total_seconds()) < 5
    headers = response.headers
    assert headers["x-ratelimit-limit"] == "1000"
    assert headers["x-ratelimit-remaining"] == "999"
    assert headers["x-ratelimit-used"] == "1"
    assert int(headers["x-ratelimit-reset"]) == int(reset.timestamp())


async def test_exhausted_budget_is_429_and_rate_limit_stays_free(
    db: str, http: Any, monkeypatch: Any
) -> None:
    # given a budget of 3 points
    monkeypatch.setattr(settings, "BUDGET_ANONYMOUS", 3)
    for _ in range(3):
        assert (await http.post("/graphql", json={"query": WORKS})).status_code == 200
    # when a fourth query comes
    response = await http.post("/graphql", json={"query": WORKS})
    # then 429 RATE_LIMITED with Retry-After, and nothing more is charged
    assert response.status_code == 429
    assert codes(response.json()) == ["RATE_LIMITED"]
    assert 3500 < int(response.headers["retry-after"]) <= 3600
    assert response.headers["x-ratelimit-remaining"] == "0"
    assert await used(http) == 3


async def test_batch_operations_are_each_charged_once(db: str, http: Any) -> None:
    # given a batch of five queries
    batch = [{"query": WORKS}] * 5
    # when it is sent
    response = await http.post("/graphql", json=batch)
    # then each answer reports its own spending, and five points are spent
    assert response.status_code == 200
    assert [b["extensions"]["cost"]["remaining"] for b in response.json()] == [
        999,
        998,
        997,
        996,
        995,
    ]
    assert await used(http) == 5


async def test_concurrent_requests_never_overspend(db: str, http: Any, monkeypatch: Any) -> None:
    # given a budget of 21 points and queries costing 2 (a search weighs 2; 2 requests round to 0)
    monkeypatch.setattr(settings, "BUDGET_ANONYMOUS", 21)
    query = '{ search(text: "graph") { label } works(first: 1) { totalCount } }'
    # when 40 are sent at once
    responses = await asyncio.gather(
        *(http.post("/graphql", json={"query": query}) for _ in range(40))
    )
    # then ten got through (20 points), the rest were refused, and the counter says 20
    statuses = sorted(r.status_code for r in responses)
    assert statuses == [200] * 10 + [429] * 30
    assert all(codes(r.json()) == ["RATE_LIMITED"] for r in responses if r.status_code == 429)
    assert await used(http) == 20


async def test_api_keys_users_and_tiers(db: str, http: Any) -> None:
    # given a partner key, an internal key with its own budget, and a signed-in user
    partner = await create_key("Acme", ApiTier.PARTNER)
    internal = await create_key("Ops", ApiTier.INTERNAL, hourly_budget=777)
    user = await User.create(email=f"{secrets.token_hex(4)}@example.org")
    token = secrets.token_urlsafe(16)
    await Token.create(
        user=user,
        token_hash=digest(token),
        expires_at=datetime.datetime.now(datetime.UTC) + datetime.timedelta(days=1),
    )
    # when each asks for its rate limit / then each has its tier's budget, counted apart
    assert await _limit(http, {"x-api-key": partner}) == settings.BUDGET_PARTNER == 20_000
    assert await _limit(http, {"x-api-key": internal}) == 777
    assert await _limit(http, {"authorization": f"Bearer {token}"}) == settings.BUDGET_USER
    assert await _limit(http, {}) == settings.BUDGET_ANONYMOUS
    await http.post("/graphql", json={"query": WORKS}, headers={"x-api-key": partner})
    assert await used(http, {"x-api-key": partner}) == 1
    assert await used(http, {"x-api-key": internal}) == 0
    # and a revoked key is refused with UNAUTHENTICATED
    await revoke_key(partner[:12])
    response = await http.post("/graphql", json={"query": WORKS}, headers={"x-api-key": partner})
    assert response.status_code == 401
    assert codes(response.json()) == ["UNAUTHENTICATED"]


async def _limit(http: Any, headers: dict[str, str]) -> int:
    response = await http.post(
        "/graphql", json={"query": "{ rateLimit { limit } }"}, headers=headers
    )
    value: int = response.json()["data"]["rateLimit"]["limit"]
    return value


async def test_redis_down_limits_in_process(app: Any, http: Any, monkeypatch: Any) -> None:
    # given Redis stops answering
    from redis.asyncio import Redis

    dead = Redis.from_url("redis://127.0.0.1:1/0", socket_connect_timeout=0.2)
    monkeypatch.setattr(app.state.services, "redis", dead)
    monkeypatch.setattr(settings, "BUDGET_ANONYMOUS", 2)
    # when queries keep coming / then they are still metered and limited, and never a 5xx
    statuses = [(await http.post("/graphql", json={"query": WORKS})).status_code for _ in range(3)]
    assert statuses == [200, 200, 429]
    await dead.aclose()
