"""Process tuning (server/runtime.py): the cap on requests in flight, and the garbage collector
after start-up."""

from __future__ import annotations

import asyncio
import gc
from typing import Any

import asyncpg
import pytest

import settings
from server.runtime import IN_FLIGHT, tune_gc
from tests.api.helpers import gid
from tests.factories import make_author
from tests.serving import current_db_url

QUERY = "query Name($id: ID!) { author(id: $id) { displayName } }"


async def test_a_request_over_the_in_flight_cap_is_refused_at_once_and_the_held_one_completes(
    db: str, client: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    if db != "postgres":
        pytest.skip("holding a request in flight needs a table lock that blocks readers")
    # given a cap of one request in flight, and one request held by a real lock on `author`
    # (another session's ACCESS EXCLUSIVE lock, as a long migration would take)
    monkeypatch.setattr(settings, "MAX_IN_FLIGHT", 1)
    author = await make_author(display_name="Held")
    body = {"query": QUERY, "variables": {"id": gid("Author", author.id)}}
    locker = await asyncpg.connect(current_db_url())
    try:
        transaction = locker.transaction()
        await transaction.start()
        await locker.execute("LOCK TABLE author IN ACCESS EXCLUSIVE MODE")
        held = asyncio.create_task(client.post("/graphql", json=body))
        for _ in range(200):
            if IN_FLIGHT.count == 1:
                break
            await asyncio.sleep(0.02)
        assert IN_FLIGHT.count == 1

        # when a second request arrives
        refused = await client.post("/graphql", json=body)

        # then it is refused at once with 503 OVERLOADED and Retry-After, without waiting
        assert refused.status_code == 503
        assert refused.headers["retry-after"] == "1"
        assert refused.json()["errors"][0]["extensions"]["code"] == "OVERLOADED"
        assert not held.done()
        await transaction.rollback()
    finally:
        await locker.close()
    # and the held request completes once the lock is gone, and the next one is served
    answer = await held
    assert answer.status_code == 200
    assert answer.json()["data"] == {"author": {"displayName": "Held"}}
    assert IN_FLIGHT.count == 0
    again = await client.post("/graphql", json=body)
    assert again.status_code == 200


async def test_no_cap_when_the_setting_is_zero(
    db: str, client: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    # given the cap turned off, and the counter as if a thousand requests were executing
    monkeypatch.setattr(settings, "MAX_IN_FLIGHT", 0)
    monkeypatch.setattr(IN_FLIGHT, "count", 1000)
    author = await make_author()
    # when a request arrives, then it is served
    body = {"query": QUERY, "variables": {"id": gid("Author", author.id)}}
    assert (await client.post("/graphql", json=body)).status_code == 200


def test_tune_gc_freezes_start_up_objects_and_sets_the_threshold(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # given the tuning on, with a gen-0 threshold of 5,000
    monkeypatch.setattr(settings, "GC_FREEZE", True)
    monkeypatch.setattr(settings, "GC_GEN0_THRESHOLD", 5000)
    before = gc.get_threshold()
    try:
        # when the server tunes the collector after start-up
        tune_gc()
        # then what start-up allocated is frozen, and gen 0 is collected every 5,000 allocations
        assert gc.get_freeze_count() > 0
        assert gc.get_threshold() == (5000, before[1], before[2])
    finally:
        gc.unfreeze()
        gc.set_threshold(*before)


def test_tune_gc_does_nothing_when_turned_off(monkeypatch: pytest.MonkeyPatch) -> None:
    # given the tuning off
    monkeypatch.setattr(settings, "GC_FREEZE", False)
    monkeypatch.setattr(settings, "GC_GEN0_THRESHOLD", 5000)
    before = gc.get_threshold()
    # when the server starts, then the collector is left as Python sets it
    tune_gc()
    assert gc.get_freeze_count() == 0 and gc.get_threshold() == before
