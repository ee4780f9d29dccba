"""Slice reads go through the planner (server/planner/): `graphSlice` is read from Redis by its
own resolver and shaped from the stored JSON, so the trusted document and any other selection of
the slice (aliases, fragments, __typename, @include/@skip, other roots beside it) answer exactly
what the general executor answers, READY, PENDING and FAILED, at the same price, with no SQL for
a READY slice; the entities it names (`center`, `priorWorks { work }`) in one statement each.
Input the schema refuses, and a stored node's entity (`nodes { node }`), are answered by the
executor."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from graphql import OperationDefinitionNode, parse

import settings
from resolvers.context import Context
from resolvers.relations import Unplanned
from resolvers.slices import COMPUTE_POINTS, POLL_POINTS
from schema import schema
from server import execution
from server.planner import run_planned
from server.planner.run import Planner
from tests.api.helpers import count_sql
from tests.conftest import GraphQLClient
from tests.slices.helpers import gid, make_world, until_done

SLICE = (Path(__file__).resolve().parents[2] / "docs" / "queries" / "slice.graphql").read_text()
ALIASED = """query Aliased($in: GraphSliceInput!) {
  s: graphSlice(input: $in) { __typename key: id status truncated
    ns: nodes { __typename entityId w: weight hiddenNeighbors seeds y: year }
    edges { kind weight } }
}"""
#: what a partner might write: fragments, an inline fragment, directives, ranked works, and
#: another root beside the slice
ADHOC = """query Adhoc($in: GraphSliceInput!, $yes: Boolean!, $who: ID!) {
  who: author(id: $who) { displayName }
  graphSlice(input: $in) { ...S ... on GraphSlice { computedAt expiresAt retryAfterMs error }
    nodes @include(if: $yes) { label kind firstYear lastYear citedByCount }
    edges @skip(if: $yes) { source }
    priorWorks(first: 2) { entityId score work { title } } derivativeWorks { score }
    center { __typename id ... on Author { displayName works(first: 2) { totalCount } } } }
  again: graphSlice(input: $in) { status nodes { hop } }
}
fragment S on GraphSlice { id status nodes { entityId hop } edges { target kind } }"""


@pytest.fixture
def plan_runs(monkeypatch: pytest.MonkeyPatch) -> list[bool]:
    """Records, for every read, whether the planner answered it (else the executor did)."""
    seen: list[bool] = []
    original = run_planned

    async def spy(*args: Any) -> Any:
        data = await original(*args)
        if settings.PLANNER:  # not the executor's side of a comparison
            seen.append(data is not None)
        return data

    monkeypatch.setattr(execution, "run_planned", spy)
    return seen


async def _both(gql: GraphQLClient, query: str, variables: dict[str, Any]) -> tuple[Any, Any]:
    fast = await gql(query, variables)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(settings, "PLANNER", False)
        slow = await gql(query, variables)
    assert fast.pop("extensions", {}).keys() == slow.pop("extensions", {}).keys()
    return fast, slow


async def test_ready_pending_and_failed_slices_are_identical(
    gql: GraphQLClient, worker: Any, plan_runs: list[bool]
) -> None:
    # given a research world and a cold radius-2 slice
    world = await make_world()
    variables = {"input": {"center": gid("Author", world.authors[0].id), "radius": 2}}
    # when the trusted document asks for it: PENDING (and charged for the computation)
    first = await gql(SLICE, variables)
    assert first["data"]["graphSlice"]["status"] == "PENDING"
    assert first["extensions"]["cost"]["requested"] == COMPUTE_POINTS
    assert plan_runs == [True]
    # then once READY, the planner's answer is the general executor's, at a poll's price
    await until_done(gql, variables)
    fast, slow = await _both(gql, SLICE, variables)
    assert fast["data"]["graphSlice"]["status"] == "READY"
    assert len(fast["data"]["graphSlice"]["nodes"]) > 10
    assert fast == slow
    for query, name in ((SLICE, "graphSlice"), (ALIASED, "s")):
        key = "input" if query is SLICE else "in"
        aliased = {key: {**variables["input"], "edgeKinds": ["COAUTHOR", "HAS_TOPIC"]}}
        await until_done(gql, {"input": aliased[key]})
        fast, slow = await _both(gql, query, aliased)
        assert fast == slow and fast["data"][name]["status"] == "READY"
    # and an ad-hoc selection of the same slice, with directives either way
    for yes in (True, False):
        adhoc = {"in": variables["input"], "yes": yes, "who": variables["input"]["center"]}
        fast, slow = await _both(gql, ADHOC, adhoc)
        assert fast == slow and fast["data"]["graphSlice"]["status"] == "READY"
        assert ("label" in fast["data"]["graphSlice"]["nodes"][0]) is yes
    # and a multi-seed slice with the similarity edges, seeds given in any order
    seeds = [gid("Work", world.works[20].id), gid("Author", world.authors[3].id)]
    similar = {
        "input": {
            "centers": seeds,
            "radius": 2,
            "edgeKinds": ["CITES", "AUTHORED", "CO_CITED", "COUPLED", "RELATED"],
        }
    }
    await until_done(gql, similar)
    reordered = {"input": {**similar["input"], "centers": seeds[::-1]}}
    fast, slow = await _both(gql, SLICE, reordered)
    assert fast == slow and fast["data"]["graphSlice"]["status"] == "READY"
    assert {n["hop"] for n in fast["data"]["graphSlice"]["nodes"]} == {0, 1, 2}
    assert fast["data"]["graphSlice"]["edges"]
    body = await gql(SLICE, variables)
    assert body["extensions"]["cost"]["requested"] == POLL_POINTS
    # and a center that names nothing is FAILED the same way
    missing = {"input": {"center": "orcid:0000-0002-1825-0097"}}
    fast, slow = await _both(gql, SLICE, missing)
    assert fast == slow and fast["data"]["graphSlice"]["status"] == "FAILED"
    # every read went through the planner (the executor's reads are not counted)
    assert plan_runs and all(plan_runs)


async def test_a_ready_slice_is_read_without_sql(
    gql: GraphQLClient, worker: Any, plan_runs: list[bool]
) -> None:
    # given a READY slice around an author given by global id
    world = await make_world()
    variables = {"input": {"center": gid("Author", world.authors[1].id)}}
    await until_done(gql, variables)
    plan_runs.clear()
    # when the trusted document and an ad-hoc one read it
    with count_sql() as trusted:
        ready = await gql(SLICE, variables)
    adhoc_variables = {"in": variables["input"], "yes": True}
    without_author = ADHOC.replace("who: author(id: $who) { displayName }", "").replace(
        ", $who: ID!", ""
    )
    with count_sql() as adhoc:
        await gql(without_author, adhoc_variables)
    # then the planner answered the trusted one from Redis alone, and the ad-hoc one with one
    # statement for its center (with the center's works) and its prior works (none here: an
    # author's slice ranks no works, so no statement for them)
    assert ready["data"]["graphSlice"]["status"] == "READY"
    assert (trusted.count, adhoc.count) == (0, 1), (trusted.statements, adhoc.statements)
    assert plan_runs == [True, True]


async def test_input_the_schema_refuses_is_answered_by_the_general_executor(
    gql: GraphQLClient, redis: Any, plan_runs: list[bool]
) -> None:
    world = await make_world()
    center = gid("Author", world.authors[0].id)
    for bad in (
        {"center": center, "radius": 3},  # BAD_USER_INPUT from the resolver
        {"center": center, "radius": "2"},  # a variable of the wrong type
        {"center": center, "edgeKinds": ["FRIENDS"]},  # not an enum value
        {"center": center, "colour": "red"},  # not a field of the input
        {"centers": [center] * 3 + [gid("Author", 10**6 + n) for n in range(10)]},  # 11 seeds
    ):
        fast, slow = await _both(gql, SLICE, {"input": bad})
        assert fast == slow and "errors" in fast, bad
    # the planner never answered: it stood aside and the executor reported the errors
    assert plan_runs and not any(plan_runs)


@pytest.mark.parametrize(
    "query",
    [
        "query($i: GraphSliceInput!) { graphSlice(input: $i) { nodes { node { id } } } }",
        "query($i: GraphSliceInput!) { graphSlice(input: $i) { nodes { id } } }",
    ],
)
async def test_a_stored_nodes_entity_stands_aside_before_reading(db: str, query: str) -> None:
    # given a selection of the slice that reads entities, and no Redis at all
    document = parse(query)
    operation = document.definitions[0]
    assert isinstance(operation, OperationDefinitionNode)
    variables = {"i": {"center": gid("Author", 1)}}
    # when the planner plans it, then it stands aside before it reads the slice (without Redis
    # a read would fail with SERVICE_UNAVAILABLE, not Unplanned)
    with pytest.raises(Unplanned):
        await Planner(schema._schema).run(query, document, operation, variables, Context())
