"""The worker side: one computation for 50 concurrent requests, lazy expansion with `exclude`,
the year window, strongest-first ranking, and the cron jobs."""

from __future__ import annotations

import asyncio
import dataclasses
from typing import Any

import orjson
import pytest

from importers.refresh import refresh_aggregates
from models.authors import CollaborationPair
from resolvers.ids import from_global_id
from tests.factories import make_author, make_work
from tests.slices.helpers import (
    SLICE_QUERY,
    check_slice,
    gid,
    key_of,
    make_coauthors,
    make_world,
    reference_graph,
    until_done,
)
from workers import keys
from workers.runtime import running_worker
from workers.settings import WorkerSettings, refresh_collaborations, warm_popular_slices
from workers.slices import OutOfLimits, SliceSpec, compute_slice


async def test_fifty_concurrent_requests_compute_the_slice_once(
    gql: Any, redis: Any, worker: Any
) -> None:
    # given a cold slice and a running worker
    world = await make_world(n_works=24)
    variables = {"input": {"center": gid("Author", world.authors[0].id), "radius": 2}}
    # when 50 clients ask for it at the same moment
    bodies = await asyncio.gather(*(gql(SLICE_QUERY, variables) for _ in range(50)))
    # then each got an answer (PENDING or, late comers, READY), and one computation ran
    assert all("errors" not in b for b in bodies)
    assert {b["data"]["graphSlice"]["status"] for b in bodies} <= {"PENDING", "READY"}
    assert (await until_done(gql, variables))["status"] == "READY"
    await asyncio.sleep(0.3)  # let any duplicate job (there must be none) run
    assert int(await redis.get(keys.COMPUTED_KEY)) == 1
    assert worker.jobs_complete <= 2  # a late duplicate, if any, returns "cached" at once
    # and it counts as requested (how many of the 50 found it queued, and so count as polls of
    # a slice being computed rather than requests, depends on timing), and every read of the
    # ready slice counts once more
    digest = from_global_id(bodies[0]["data"]["graphSlice"]["id"]).key
    before = await redis.zscore(keys.POPULAR_KEY, digest)
    assert before >= 1
    for _ in range(5):
        assert (await gql(SLICE_QUERY, variables))["data"]["graphSlice"]["status"] == "READY"
    assert await redis.zscore(keys.POPULAR_KEY, digest) == before + 5


async def test_expanding_a_node_returns_only_new_nodes_and_edges_to_shown_ones(
    gql: Any, worker: Any
) -> None:
    # given the explorer shows an author's slice
    world = await make_world(seed=11)
    graph = await reference_graph()
    center = ("Author", world.authors[2].id)
    first = await until_done(gql, {"input": {"center": gid(*center), "maxNodes": 12}})
    shown = {key_of(n["entityId"]) for n in first["nodes"]}
    # when it expands a co-author, excluding everything it already shows
    node = next(k for k in shown if k[0] == "Author" and k != center)
    exclude = sorted(shown)
    variables = {
        "input": {
            "center": gid(*node),
            "radius": 2,
            "maxNodes": 20,
            "exclude": [gid(*k) for k in exclude],
        },
    }
    second = await until_done(gql, variables)
    # then only new nodes come back, with the edges that tie them to the shown ones, exactly
    assert not ({key_of(n["entityId"]) for n in second["nodes"]} & shown)
    check_slice(second, graph, node, 2, 20, exclude=set(exclude))
    assert any(
        key_of(e["source"]) in shown or key_of(e["target"]) in shown for e in second["edges"]
    )


async def test_year_window_restricts_works_exactly(gql: Any, worker: Any) -> None:
    # given a world whose works span 2014-2023
    world = await make_world(seed=5)
    graph = await reference_graph(2016, 2019)
    center = ("Author", world.authors[0].id)
    variables = {
        "input": {
            "center": gid(*center),
            "radius": 2,
            "maxNodes": 40,
            "yearFrom": 2016,
            "yearTo": 2019,
        },
    }
    # when a slice is limited to 2016-2019, then it is the networkx graph of those years
    sl = await until_done(gql, variables)
    check_slice(sl, graph, center, 2, 40)


async def test_strongest_coauthors_and_most_cited_works_come_first(gql: Any, worker: Any) -> None:
    # given an author with co-authors of different strength and works of different citations
    ada = await make_author()
    others = [await make_author() for _ in range(4)]
    for n, other in enumerate(others):
        for _ in range(n + 1):
            await make_work(authors=[ada, other], cited_by_count=10 * n)
    await refresh_aggregates()
    # when the budget leaves room for two co-authors and two works
    variables = {
        "input": {
            "center": gid("Author", ada.id),
            "maxNodes": 5,
            "edgeKinds": ["COAUTHOR", "AUTHORED"],
        },
    }
    sl = await until_done(gql, variables)
    # then they are the strongest ones, and the rest is counted as hidden
    chosen = {key_of(n["entityId"]): n for n in sl["nodes"]}
    assert {k for k in chosen if k[0] == "Author"} == {
        ("Author", ada.id),
        ("Author", others[3].id),
        ("Author", others[2].id),
    }
    weights = sorted(n["weight"] for k, n in chosen.items() if k[0] == "Work")
    assert weights == [30.0, 30.0]
    assert chosen[("Author", ada.id)]["hiddenNeighbors"] == 2 + 8
    assert sl["truncated"] is True


async def test_cron_warms_popular_slices_and_refreshes_aggregates_idempotently(
    gql: Any, redis: Any, worker: Any
) -> None:
    # given a popular slice that went stale with a data version bump
    ada, bob = await make_coauthors()
    variables = {"input": {"center": gid("Author", ada.id)}}
    await until_done(gql, variables)
    await keys.bump_data_version(redis)
    ctx = {"redis": worker.pool}
    # when the warm-up cron runs twice
    first, second = await warm_popular_slices(ctx), await warm_popular_slices(ctx)
    # then it enqueued the slice once, and the slice is READY without a client asking twice
    assert (first, second) == (1, 0)
    key = keys.slice_key(keys.spec_digest(SliceSpec.of(("Author", ada.id)).to_dict()), 1)
    for _ in range(100):
        if await redis.exists(key):
            break
        await asyncio.sleep(0.05)
    assert (await gql(SLICE_QUERY, variables))["data"]["graphSlice"]["status"] == "READY"
    # and the aggregate refresh can run any number of times with the same result
    await CollaborationPair.all().delete()
    await refresh_collaborations(ctx)
    rows = await CollaborationPair.all().values_list("low_id", "high_id", "shared_works")
    await refresh_collaborations(ctx)
    again = await CollaborationPair.all().values_list("low_id", "high_id", "shared_works")
    low, high = sorted([ada.id, bob.id])
    assert rows == again == [(low, high, 1)]


async def test_a_job_with_input_outside_the_limits_fails_without_computing(
    db: str, redis: Any
) -> None:
    # given a job whose spec the API would refuse (enqueued by other code, or read back from Redis)
    author = await make_author()
    spec = SliceSpec.of(("Author", author.id)).to_dict() | {"radius": 5, "maxNodes": 900}
    key = keys.slice_key(keys.spec_digest(spec), 0)
    # when the worker runs it
    outcome = await compute_slice(
        {"redis": redis, "job_try": 1}, key, keys.spec_json(spec).decode()
    )
    # then it is FAILED at once, naming the limit, and nothing was computed
    assert outcome == "failed"
    stored = orjson.loads(await redis.get(key))
    assert stored["status"] == "FAILED"
    assert "`radius` must be between 1 and 2" in stored["error"]
    assert await redis.get(keys.COMPUTED_KEY) is None


def test_a_spec_outside_the_limits_cannot_be_built() -> None:
    # given / when / then: every limit holds for specs made in code too, naming the field
    cases: list[tuple[dict[str, Any], str]] = [
        ({"radius": 3}, "radius"),
        ({"max_nodes": 201}, "maxNodes"),
        ({"max_nodes": 0}, "maxNodes"),
        ({"exclude": tuple(("Work", i) for i in range(501))}, "exclude"),
        ({"year_from": 2021, "year_to": 2020}, "yearFrom"),
        ({"edge_kinds": ()}, "edgeKinds"),
        ({"edge_kinds": ("FOLLOWS",)}, "edgeKinds"),
    ]
    for bad, field in cases:
        with pytest.raises(OutOfLimits) as raised:
            SliceSpec.of(("Author", 1), **bad)
        assert raised.value.argument == field


def _digest(author_id: int) -> str:
    return keys.spec_digest(SliceSpec.of(("Author", author_id)).to_dict())


async def test_polls_of_a_slice_being_computed_do_not_count_as_requests(
    gql: Any, redis: Any
) -> None:
    # given no worker, so the slice stays queued
    ada = await make_author()
    variables = {"input": {"center": gid("Author", ada.id)}}
    # when a client requests it and then polls it four times
    for _ in range(5):
        assert (await gql(SLICE_QUERY, variables))["data"]["graphSlice"]["status"] == "PENDING"
    # then its popularity is one request, not five
    assert await redis.zscore(keys.POPULAR_KEY, _digest(ada.id)) == 1


async def test_the_cron_jobs_run_through_arqs_scheduler_and_warm_only_the_most_requested(
    gql: Any, redis: Any, redis_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    # given three slices asked for 3, 2 and 1 times once READY, all made stale by a data
    # version bump, a warm-up of the top 2, and collaborations that went missing
    monkeypatch.setattr(keys, "WARM_TOP_N", 2)
    authors = [await make_author() for _ in range(3)]
    for author in authors:
        await make_work(authors=[author, await make_author()])
    await refresh_aggregates()
    async with running_worker(redis_url, cron_jobs=None, poll_delay=0.05):
        for author, reads in zip(authors, (3, 2, 1), strict=True):
            variables = {"input": {"center": gid("Author", author.id)}}
            await until_done(gql, variables)  # the request that starts it, and the READY read
            for _ in range(reads - 1):
                await gql(SLICE_QUERY, variables)
    scores = [await redis.zscore(keys.POPULAR_KEY, _digest(a.id)) for a in authors]
    assert scores == [4, 3, 2]
    version = await keys.bump_data_version(redis)
    expected = await CollaborationPair.all().count()
    await CollaborationPair.all().delete()
    # when a worker starts with WorkerSettings' own cron jobs, scheduled by arq to run now
    crons = [dataclasses.replace(c, run_at_startup=True) for c in WorkerSettings.cron_jobs]
    wanted = [keys.slice_key(_digest(a.id), version) for a in authors]
    async with running_worker(redis_url, cron_jobs=crons, poll_delay=0.05):
        for _ in range(200):
            if await redis.exists(*wanted[:2]) == 2 and await CollaborationPair.all().count():
                break
            await asyncio.sleep(0.05)
    # then the two most requested slices are READY at the new version, the third is not
    # warmed, and the collaboration aggregate is back
    assert [await redis.exists(k) for k in wanted] == [1, 1, 0]
    assert await CollaborationPair.all().count() == expected == 3  # one pair per work
