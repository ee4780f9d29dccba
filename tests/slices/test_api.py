"""Graph slices through the API: every center kind and edge kind, the author's radius-1 slice,
node(id), Author.graphSlice, input limits, and the read-through cache."""

from __future__ import annotations

import asyncio
import itertools
from typing import Any

import pytest
from tortoise import connections

from importers.refresh import refresh_aggregates
from resolvers.ids import from_global_id
from tests.factories import make_author, make_institution, make_topic, make_work
from tests.slices.helpers import (
    SLICE_FIELDS,
    SLICE_QUERY,
    check_slice,
    gid,
    key_of,
    make_coauthors,
    make_world,
    reference_graph,
    restrict,
    until_done,
)
from workers import keys

EDGE_KINDS = ["AUTHORED", "COAUTHOR", "CITES", "HAS_TOPIC", "AFFILIATED"]


async def test_author_radius_one_holds_works_coauthors_topics_institutions(
    gql: Any, worker: Any
) -> None:
    # given an author with two works, a co-author on both, a topic and an institution
    ada, bob = await make_author(display_name="Ada"), await make_author(display_name="Bob")
    topic, uni = await make_topic(display_name="Graphs"), await make_institution()
    w1 = await make_work(authors=[ada, bob], topics=[topic], institutions=[uni], year=2020)
    w2 = await make_work(authors=[ada, bob], year=2022, cited_by_count=12)
    await refresh_aggregates()
    # when the explorer asks for her radius-1 slice
    first = await gql(SLICE_QUERY, {"input": {"center": gid("Author", ada.id)}})
    sl = await until_done(gql, {"input": {"center": gid("Author", ada.id)}})
    # then it was PENDING with a retry hint, and is READY with all four kinds of neighbour
    assert first["data"]["graphSlice"]["status"] == "PENDING"
    assert first["data"]["graphSlice"]["retryAfterMs"] > 0
    assert sl["status"] == "READY" and sl["error"] is None
    nodes = {n["entityId"]: n for n in sl["nodes"]}
    expected = {
        gid("Author", ada.id): "AUTHOR",
        gid("Author", bob.id): "AUTHOR",
        gid("Work", w1.id): "WORK",
        gid("Work", w2.id): "WORK",
        gid("Topic", topic.id): "TOPIC",
        gid("Institution", uni.id): "INSTITUTION",
    }
    assert {k: n["kind"] for k, n in nodes.items()} == expected
    assert nodes[gid("Author", ada.id)]["hop"] == 0
    assert nodes[gid("Author", bob.id)]["weight"] == 2  # shared works
    assert nodes[gid("Author", bob.id)]["label"] == "Bob"
    kinds = {(e["source"], e["target"]): e["kind"] for e in sl["edges"]}
    assert kinds[(gid("Author", ada.id), gid("Work", w2.id))] == "AUTHORED"
    assert kinds[(gid("Author", ada.id), gid("Institution", uni.id))] == "AFFILIATED"
    assert kinds[(gid("Work", w1.id), gid("Topic", topic.id))] == "HAS_TOPIC"
    assert sl["truncated"] is False and sl["computedAt"] and sl["expiresAt"]


async def test_every_center_kind_and_edge_kind_matches_networkx(gql: Any, worker: Any) -> None:
    # given a small world and the same graph built by networkx from the base tables
    world = await make_world()
    graph = await reference_graph()
    centers = [
        ("Author", world.authors[1].id),
        ("Work", world.works[20].id),
        ("Topic", world.topics[0].id),
        ("Institution", world.institutions[0].id),
    ]
    # when a radius-2 slice with a tight budget is asked for around a center of every kind
    asks = {c: {"input": {"center": gid(*c), "radius": 2, "maxNodes": 15}} for c in centers}
    for variables in asks.values():
        await gql(SLICE_QUERY, variables)
    # then nodes, hops, hidden neighbours, truncated and edges agree with networkx
    for center, variables in asks.items():
        sl = await until_done(gql, variables)
        assert sl["status"] == "READY"
        check_slice(sl, graph, center, 2, 15)
        assert sl["truncated"] is True
    # and when a slice may follow one edge kind only, it matches networkx on that subgraph
    for edge in EDGE_KINDS:
        sub = restrict(graph, {edge})
        kind = "Work" if edge == "CITES" else "Author"
        center = max((n for n in sub if n[0] == kind), key=lambda n: (sub.degree(n), n))
        variables = {"input": {"center": gid(*center), "radius": 2, "edgeKinds": [edge]}}
        sl = await until_done(gql, variables)
        assert sl["status"] == "READY" and sl["edges"], edge
        assert {e["kind"] for e in sl["edges"]} == {edge}
        check_slice(sl, sub, center, 2, 50)


async def test_node_and_author_graph_slice_resolve_the_same_slice(gql: Any, worker: Any) -> None:
    # given an author's slice computed through Author.graphSlice
    ada, _bob = await make_coauthors()
    query = f"""query($id: ID!) {{ author(id: $id) {{
        graphSlice(radius: 1, maxNodes: 10) {{ {SLICE_FIELDS} }} }} }}"""
    body = await gql(query, {"id": gid("Author", ada.id)})
    slice_id = body["data"]["author"]["graphSlice"]["id"]
    same = await until_done(gql, {"input": {"center": gid("Author", ada.id), "maxNodes": 10}})
    # when the slice id is resolved with node(id)
    node = await gql(
        "query($id: ID!) { node(id: $id) { id ... on GraphSlice { status nodes { entityId } "
        "center { id } } } }",
        {"id": slice_id},
    )
    # then it is the same slice, READY, centred on the author
    assert same["id"] == slice_id
    assert node["data"]["node"]["status"] == "READY"
    assert node["data"]["node"]["center"]["id"] == gid("Author", ada.id)
    assert len(node["data"]["node"]["nodes"]) == 3
    unknown = await gql("query($id: ID!) { node(id: $id) { id } }", {"id": gid("GraphSlice", "0")})
    assert unknown["data"]["node"] is None and "errors" not in unknown


@pytest.mark.parametrize(
    ("field", "value", "maximum"),
    [("radius", 3, 2), ("maxNodes", 201, 200), ("exclude", 501, 500)],
)
async def test_limits_are_bad_user_input_naming_the_limit(
    gql: Any, field: str, value: int, maximum: int
) -> None:
    author = await make_author()
    given: Any = [gid("Work", i + 1) for i in range(value)] if field == "exclude" else value
    body = await gql(SLICE_QUERY, {"input": {"center": gid("Author", author.id), field: given}})
    error = body["errors"][0]
    assert error["extensions"]["code"] == "BAD_USER_INPUT"
    assert error["extensions"]["argument"] == field
    assert error["extensions"]["maximum"] == maximum and str(maximum) in error["message"]
    bad_years = await gql(
        SLICE_QUERY,
        {"input": {"center": gid("Author", author.id), "yearFrom": 2020, "yearTo": 2019}},
    )
    assert bad_years["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"
    assert bad_years["errors"][0]["extensions"]["argument"] == "yearFrom"
    assert "yearTo" in bad_years["errors"][0]["message"]


async def test_a_cached_slice_is_read_without_touching_the_database(
    gql: Any, worker: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    # given a READY slice
    ada, _bob = await make_coauthors()
    variables = {"input": {"center": gid("Author", ada.id)}}
    await until_done(gql, variables)
    # when it is asked for again while every statement on the database connection is counted
    conn = connections.get("default")
    statements: list[str] = []
    for name in ("execute_query", "execute_query_dict", "execute_insert", "execute_script"):
        original = getattr(conn, name)

        async def spy(*args: Any, _original: Any = original, **kwargs: Any) -> Any:
            statements.append(str(args[0])[:80])
            return await _original(*args, **kwargs)

        monkeypatch.setattr(conn, name, spy)
    body = await gql(SLICE_QUERY, variables)
    # then it is READY and no SQL ran
    assert body["data"]["graphSlice"]["status"] == "READY"
    assert statements == []


async def test_a_data_version_bump_makes_the_cached_slice_stale(
    gql: Any, worker: Any, redis: Any
) -> None:
    # given a READY slice of an author with one co-author
    ada, bob, cy = await make_author(), await make_author(), await make_author()
    await make_work(authors=[ada, bob])
    await refresh_aggregates()
    variables = {"input": {"center": gid("Author", ada.id), "edgeKinds": ["COAUTHOR"]}}
    before = await until_done(gql, variables)
    # when an import adds a co-author and bumps the data version
    await make_work(authors=[ada, cy])
    await refresh_aggregates()
    await keys.bump_data_version(redis)
    # then the old slice is not served: PENDING, then READY with the new co-author
    assert (await gql(SLICE_QUERY, variables))["data"]["graphSlice"]["status"] == "PENDING"
    after = await until_done(gql, variables)
    shown = {key_of(n["entityId"]) for n in before["nodes"]}
    assert shown == {("Author", ada.id), ("Author", bob.id)}
    assert ("Author", cy.id) in {key_of(n["entityId"]) for n in after["nodes"]}
    assert after["id"] == before["id"]


async def test_slices_expire_after_their_ttl(
    gql: Any, worker: Any, redis: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    # given a slice TTL of one second
    monkeypatch.setattr(keys, "SLICE_TTL_SECONDS", 1)
    ada = await make_author()
    await make_work(authors=[ada])
    variables = {"input": {"center": gid("Author", ada.id)}}
    sl = await until_done(gql, variables)
    key = keys.slice_key(from_global_id(sl["id"]).key, 0)
    # then Redis holds it with that TTL, and after it the next request is a miss again
    assert 0 < await redis.pttl(key) <= 1000
    await asyncio.sleep(1.1)
    assert await redis.exists(key) == 0
    assert (await gql(SLICE_QUERY, variables))["data"]["graphSlice"]["status"] == "PENDING"


async def test_only_the_request_that_starts_a_computation_pays_its_full_price(
    gql: Any, redis: Any
) -> None:
    from resolvers.slices import COMPUTE_POINTS, POLL_POINTS

    # given a cold slice and no worker yet (it stays PENDING while the explorer polls)
    ada, _bob = await make_coauthors()
    variables = {"input": {"center": gid("Author", ada.id), "maxNodes": 20}}
    # when the explorer asks for it, then polls it three times
    first = await gql(SLICE_QUERY, variables)
    polls = [await gql(SLICE_QUERY, variables) for _ in range(3)]
    # then the first request paid for the computation, and each poll one point
    assert first["data"]["graphSlice"]["status"] == "PENDING"
    assert first["extensions"]["cost"]["requested"] == COMPUTE_POINTS
    assert [p["data"]["graphSlice"]["status"] for p in polls] == ["PENDING"] * 3
    assert [p["extensions"]["cost"]["requested"] for p in polls] == [POLL_POINTS] * 3
    used = [b["extensions"]["cost"]["used"] for b in [first, *polls]]
    assert [b - a for a, b in itertools.pairwise(used)] == [POLL_POINTS] * 3
    # and once computed, a cached read costs one point too
    from workers.slices import compute_slice

    digest = from_global_id(first["data"]["graphSlice"]["id"]).key
    key = keys.slice_key(digest, await keys.data_version(redis))
    spec = await redis.get(keys.spec_key(digest))
    await redis.delete("arq:job:" + key)
    await compute_slice({"redis": redis, "job_try": 1}, key, spec.decode())
    cached = await gql(SLICE_QUERY, variables)
    assert cached["data"]["graphSlice"]["status"] == "READY"
    assert cached["extensions"]["cost"]["requested"] == POLL_POINTS


async def test_a_caller_without_points_for_a_computation_starts_none(
    gql: Any, redis: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    import settings

    # given an anonymous budget that covers a poll but not a computation
    monkeypatch.setattr(settings, "BUDGET_ANONYMOUS", 5)
    ada = await make_author()
    await make_work(authors=[ada])
    await refresh_aggregates()
    # when it asks for a cold slice
    body = await gql(SLICE_QUERY, {"input": {"center": gid("Author", ada.id)}})
    # then the slice is refused as RATE_LIMITED and no job was enqueued
    assert "errors" in body and body["errors"][0]["extensions"]["code"] == "RATE_LIMITED", body
    assert not await redis.keys("arq:job:*"), body


@pytest.mark.parametrize("field", ["center", "exclude"])
async def test_a_slice_on_an_id_past_int32_is_refused_before_it_is_charged(
    gql: Any, redis: Any, field: str
) -> None:
    from resolvers.slices import COMPUTE_POINTS

    # given an author and a well-formed id no row can have
    ada = await make_author()
    far = gid("Author", str(2**31))
    given: dict[str, Any] = (
        {"center": far}
        if field == "center"
        else {"center": gid("Author", ada.id), "exclude": [far]}
    )
    # when a slice is asked for with it
    body = await gql(SLICE_QUERY, {"input": given})
    # then INVALID_ID, the computation was not charged, and nothing was enqueued
    assert [e["extensions"]["code"] for e in body["errors"]] == ["INVALID_ID"], body
    assert body["extensions"]["cost"]["used"] < COMPUTE_POINTS
    assert not await redis.keys("arq:job:*")
    assert not await redis.keys(f"{keys.QUEUE_NAME}*")
