"""The compiled plan of trusted slice documents (server/slice_plan.py) answers exactly what the
general executor answers: READY, PENDING and FAILED slices of docs/queries/slice.graphql, an
aliased selection, and the fallbacks (input the schema refuses, selections with no plan)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

import settings
from resolvers.slices import COMPUTE_POINTS, POLL_POINTS
from schema.context import Context
from server import compiled, slice_plan
from tests.conftest import GraphQLClient
from tests.slices.helpers import gid, make_world, until_done

SLICE = (Path(__file__).resolve().parents[2] / "docs" / "queries" / "slice.graphql").read_text()
ALIASED = """query Aliased($in: GraphSliceInput!) {
  s: graphSlice(input: $in) { __typename key: id status truncated
    ns: nodes { __typename entityId w: weight hiddenNeighbors seeds y: year }
    edges { kind weight } }
}"""


@pytest.fixture
def plan_runs(monkeypatch: pytest.MonkeyPatch) -> list[bool]:
    """Records, for every slice-plan attempt, whether the plan answered."""
    seen: list[bool] = []
    original = slice_plan.SlicePlan.run

    async def spy(self: slice_plan.SlicePlan, variables: Any, ctx: Context) -> Any:
        data = await original(self, variables, ctx)
        seen.append(data is not None)
        return data

    monkeypatch.setattr(slice_plan.SlicePlan, "run", spy)
    monkeypatch.setattr(compiled, "trusted_documents", lambda: frozenset({SLICE, ALIASED}))
    compiled._PLANS.pop(SLICE, None)
    compiled._PLANS.pop(ALIASED, None)
    return seen


async def _both(gql: GraphQLClient, query: str, variables: dict[str, Any]) -> tuple[Any, Any]:
    fast = await gql(query, variables)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(settings, "COMPILED_PLANS", False)
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
    # then once READY, the plan's answer is the general executor's, at a poll's price
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
    body = await gql(SLICE, variables)
    assert body["extensions"]["cost"]["requested"] == POLL_POINTS
    # and a center that names nothing is FAILED the same way
    missing = {"input": {"center": "orcid:0000-0002-1825-0097"}}
    fast, slow = await _both(gql, SLICE, missing)
    assert fast == slow and fast["data"]["graphSlice"]["status"] == "FAILED"
    assert all(plan_runs)


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
    # the plan never answered: variables that do not coerce are refused before it runs
    assert plan_runs and not any(plan_runs)


def test_selections_with_no_plan() -> None:
    from graphql import parse

    for query in (
        "query($i: GraphSliceInput!) { graphSlice(input: $i) { nodes { node { id } } } }",
        "query($i: GraphSliceInput!) { graphSlice(input: $i) { center { id } } }",
        "query($i: GraphSliceInput!) { graphSlice(input: $i) { ...F } } fragment F on GraphSlice"
        " { id }",
        'query { graphSlice(input: {center: "x"}) { id } }',
        "query($i: GraphSliceInput!) { graphSlice(input: $i) { id } rateLimit { cost } }",
    ):
        assert slice_plan.compile_slice(parse(query)) is None, query
    assert slice_plan.compile_slice(parse(SLICE)) is not None
