"""Storing automatic persisted queries is a write into Redis: it is charged, bounded per caller
and in total, and a free or refused operation stores nothing (the real app, real Redis)."""

from __future__ import annotations

import hashlib
import uuid
from typing import Any

import pytest

import settings
from tests.partners.helpers import codes, used
from workers.keys import APQ_PREFIX

FREE = "{ rateLimit { used } }"
PAID = "{ works(first: 1) { totalCount } }"


def padded(query: str, size: int) -> str:
    """`query` with a unique comment, `size` bytes in all."""
    text = f"{query} # {uuid.uuid4()} "
    return text + "x" * (size - len(text))


def apq(query: str) -> dict[str, Any]:
    digest = hashlib.sha256(query.encode()).hexdigest()
    return {"query": query, "extensions": {"persistedQuery": {"version": 1, "sha256Hash": digest}}}


async def stored(redis: Any) -> int:
    return len([k async for k in redis.scan_iter(f"{APQ_PREFIX}*")])


async def test_a_free_operation_stores_nothing(db: str, http: Any, redis: Any) -> None:
    # given documents that select only rateLimit or __typename (free), padded to 100 KB
    for query in (FREE, "{ __typename }"):
        for _ in range(5):
            # when each is registered as a persisted query
            response = await http.post("/graphql", json=apq(padded(query, 100_000)))
            assert response.status_code == 200, response.text
    # then they ran, were not charged, and nothing went into Redis
    assert await used(http) == 0
    assert await stored(redis) == 0


async def test_a_caller_without_budget_stores_nothing(
    db: str, http: Any, redis: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    # given a spent budget
    monkeypatch.setattr(settings, "BUDGET_ANONYMOUS", 2)
    for _ in range(2):
        await http.post("/graphql", json={"query": PAID})
    # when a paid and a free document are registered
    paid = await http.post("/graphql", json=apq(padded(PAID, 5_000)))
    free = await http.post("/graphql", json=apq(padded(FREE, 5_000)))
    # then the paid one is RATE_LIMITED, the free one runs, and neither is stored
    assert paid.status_code == 429 and codes(paid.json()) == ["RATE_LIMITED"]
    assert free.status_code == 200
    assert await stored(redis) == 0


async def test_storing_is_charged_by_size(db: str, http: Any) -> None:
    # given a 25 KB document (a query of 1 point)
    query = padded(PAID, 25_000)
    # when it is registered, then run again by hash alone
    first = await http.post("/graphql", json=apq(query))
    again = await http.post("/graphql", json={"extensions": apq(query)["extensions"]})
    # then the registration paid 1 point plus 1 per started 10 KB, the rerun 1 point
    assert first.json()["extensions"]["cost"]["requested"] == 1 + 3
    assert again.json()["extensions"]["cost"]["requested"] == 1


async def test_a_caller_stores_at_most_its_allowance(
    db: str, http: Any, redis: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    # given an allowance of 2,000 bytes per caller
    monkeypatch.setattr(settings, "APQ_BYTES_PER_CALLER", 2_000)
    documents = [padded(PAID, 900) for _ in range(3)]
    # when a caller registers three documents of 900 bytes
    answers = [await http.post("/graphql", json=apq(d)) for d in documents]
    # then all three ran, two were stored, and the third says it was not
    assert [a.json()["data"] for a in answers] == [{"works": {"totalCount": 0}}] * 3
    assert await stored(redis) == 2
    assert answers[2].json()["extensions"]["persistedQuery"]["stored"] is False
    miss = await http.post("/graphql", json={"extensions": apq(documents[2])["extensions"]})
    assert codes(miss.json()) == ["PERSISTED_QUERY_NOT_FOUND"]


async def test_all_callers_together_store_at_most_the_total(
    db: str, app: Any, redis: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    import httpx

    # given a total of 4,000 bytes (2,000 per TTL period) and a generous caller allowance
    monkeypatch.setattr(settings, "APQ_MAX_TOTAL_BYTES", 4_000)
    # when five callers each register a 900-byte document
    for n in range(5):
        transport = httpx.ASGITransport(app=app, client=(f"192.0.2.{n + 1}", 40000))
        async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
            response = await client.post("/graphql", json=apq(padded(PAID, 900)))
            assert response.status_code == 200
    # then only two were stored
    assert await stored(redis) == 2
