"""The planner (server/planner/) answers the reference profile exactly as the general executor
does, for every author and viewer, on both backends: over HTTP, with a signed-in follower,
with every field the old compiled plan knew (aliases included), and when it stands aside (bad
id, other type, unknown author, external id, a refusing pre-execution hook)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest

import settings
from importers import refresh_aggregates
from models.social import Follow
from resolvers.errors import ApiError
from resolvers.ids import to_global_id
from schema.context import Context
from server import execution
from server.planner.run import Planner
from tests.factories import make_author, make_institution, make_source, make_topic, make_work
from tests.factories_social import signed_in

PROFILE = (Path(__file__).resolve().parents[2] / "docs" / "queries" / "profile.graphql").read_text()

#: every field of the profile's kind, with aliases and the non-close collaborator list
EVERYTHING = """
query Everything($id: ID!) {
  person: author(id: $id) {
    __typename id displayName description orcid openToCollaborate
    affiliation { status institution { __typename id displayName } }
    trust { score label verificationLevel claimed components { name points maxPoints detail } }
    counts { works citations followers topics closeCollaborators }
    viewerIsFollowing
    claim { status viewerCanClaim }
    topics(first: 2) { topic { __typename id displayName } workCount share }
    collaborators(first: 3) {
      totalCount
      edges { node { sharedWorks firstYear lastYear isClose author { __typename id displayName } } }
    }
    newest: works(first: 4) {
      totalCount
      edges { node { __typename id title abstract type publicationYear doi arxivId citedByCount
                     venue { displayName } } }
    }
  }
}
"""


@pytest.fixture
async def graph(db: str) -> dict[str, int]:
    # given Ada with six works (two in a journal), three topics, two affiliations and four
    # co-authors of different strength, and Lou with one work and no affiliation
    old, new = [await make_institution(display_name=n) for n in ("Old", "New")]
    ml, dbs, nlp = [await make_topic(display_name=n) for n in ("Learning", "Databases", "Language")]
    journal = await make_source(display_name="Journal of Graphs")
    ada = await make_author(display_name="Ada", description="Pioneer", open_to_collaborate=True)
    bob, cy, dan, eve = [await make_author(display_name=n) for n in ("Bob", "Cy", "Dan", "Eve")]
    await make_work([ada, bob, dan], [ml], {0: [old]}, year=2018, source=journal)
    await make_work([ada, bob, dan], [ml, dbs], year=2019)
    await make_work([ada, bob], [ml], year=2020, abstract=None)
    await make_work([ada, cy], [nlp], {0: [new]}, year=2022, source=journal)
    await make_work([ada, cy, eve, "Zed"], [ml], year=2023)
    await make_work([ada], [dbs], year=2023, doi=None)
    lou = await make_author(display_name="Lou", openalex_id=None)
    await make_work([lou], year=2021, doi=None)
    await refresh_aggregates()
    return {"ada": ada.id, "lou": lou.id, "bob": bob.id}


@pytest.fixture
async def http(app: Any) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=app)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(settings, "BUDGET_ANONYMOUS", 10**9)
        patch.setattr(settings, "BUDGET_USER", 10**9)
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
            yield client


@pytest.fixture
def plan_runs(monkeypatch: pytest.MonkeyPatch) -> list[bool]:
    """Records, for every planner attempt, whether the planner answered."""
    seen: list[bool] = []
    original = Planner.run

    async def spy(self: Planner, *args: Any) -> Any:
        try:
            data = await original(self, *args)
        except BaseException:
            seen.append(False)
            raise
        seen.append(True)
        return data

    monkeypatch.setattr(Planner, "run", spy)
    return seen


async def _both(
    http: httpx.AsyncClient,
    variables: dict[str, Any],
    headers: dict[str, str] | None = None,
    query: str = PROFILE,
) -> tuple[dict[str, Any], dict[str, Any]]:
    """(planned answer, general executor answer), without the rate-limit figures."""
    body = {"query": query, "variables": variables}
    fast = (await http.post("/graphql", json=body, headers=headers or {})).json()
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(settings, "PLANNER", False)
        slow = (await http.post("/graphql", json=body, headers=headers or {})).json()
    assert fast.pop("extensions", {}).keys() == slow.pop("extensions", {}).keys()
    return fast, slow


async def test_profile_is_identical_for_every_author_and_viewer(
    db: str, graph: dict[str, int], http: httpx.AsyncClient, plan_runs: list[bool]
) -> None:
    # given an anonymous viewer and a signed-in user who follows Ada
    user, headers = await signed_in()
    await Follow.create(user=user, author_id=graph["ada"])
    for key in graph.values():
        for viewer in (None, headers):
            for query in (PROFILE, EVERYTHING):
                # when the document is answered by the planner and by the general executor
                fast, slow = await _both(http, {"id": to_global_id("Author", key)}, viewer, query)
                # then the two bodies are identical, and carry data
                assert "errors" not in slow, slow
                assert fast == slow
    # and the follower's answer says so
    fast, _ = await _both(http, {"id": to_global_id("Author", graph["ada"])}, headers)
    assert fast["data"]["author"]["viewerIsFollowing"] is True
    assert fast["data"]["author"]["claim"]["viewerCanClaim"] is True
    # and the planner answered every time, on both backends
    assert plan_runs and all(plan_runs)


async def test_fallbacks_answer_like_the_general_executor(
    graph: dict[str, int], http: httpx.AsyncClient, plan_runs: list[bool]
) -> None:
    # a malformed id, an id of another type, an author that does not exist, an external id
    values = ("not-an-id", to_global_id("Work", 1), to_global_id("Author", 10**8), "orcid:x")
    for value in values:
        fast, slow = await _both(http, {"id": value})
        assert fast == slow
    # only the author that does not exist was planned (null, no error); the rest stood aside
    assert plan_runs == [False, False, True, False]


@pytest.mark.parametrize(
    "document",
    [
        "query($id: ID!) { author(id: $id) { works(first: 101) { totalCount } } }",
        "query($id: ID!) { author(id: $id) { topics(first: -1) { share } } }",
        'query($id: ID!) { author(id: $id) { works(after: "forged") { totalCount } } }',
        'query($id: ID!) { author(id: $id) { works(filter: {topic: "x"}) { totalCount } } }',
        "query($id: ID!) { author(id: $id) { displayName } viewer { user { id } } }",
        "query($id: ID!) { author(id: $id) { metrics { countsByYear(from: 2020, to: 1990)"
        " { year } } } }",
    ],
)
async def test_what_the_planner_leaves_to_the_executor_answers_alike(
    graph: dict[str, int], http: httpx.AsyncClient, plan_runs: list[bool], document: str
) -> None:
    # when a document the planner does not answer (an argument error, the viewer)
    fast, slow = await _both(http, {"id": to_global_id("Author", graph["ada"])}, query=document)
    # then the body is the executor's, errors and codes included, and the planner stood aside
    assert fast == slow
    assert plan_runs == [False]


async def test_pre_execution_hooks_run_before_the_planner(
    graph: dict[str, int], http: httpx.AsyncClient, plan_runs: list[bool]
) -> None:
    # given a hook that refuses every operation (as the rate limiter does over budget)
    async def refuse(_op: execution.Operation, _ctx: Context) -> None:
        raise ApiError("over budget", code="RATE_LIMITED")

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(execution, "PRE_EXECUTION_HOOKS", [*execution.PRE_EXECUTION_HOOKS, refuse])
        body = {"query": PROFILE, "variables": {"id": to_global_id("Author", graph["ada"])}}
        response = await http.post("/graphql", json=body)
    # then the refusal is the answer and the planner never ran
    assert response.json()["errors"][0]["extensions"]["code"] == "RATE_LIMITED"
    assert plan_runs == []


async def test_a_field_without_a_declaration_makes_the_planner_stand_aside(
    graph: dict[str, int], http: httpx.AsyncClient, plan_runs: list[bool]
) -> None:
    # given a field whose declaration is missing (as a field another change adds without one)
    from schema import schema

    gfield = schema._schema.get_type("Author").fields["displayName"]  # type: ignore[union-attr]
    definition = gfield.extensions["strawberry-definition"]
    undeclared = {k: v for k, v in definition.metadata.items() if k != "reads"}
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(definition, "metadata", undeclared)
        # when a document selecting it runs (a new document: plan trees are cached per text)
        query = "query($id: ID!) { author(id: $id) { id displayName orcid } }"
        fast, slow = await _both(http, {"id": to_global_id("Author", graph["ada"])}, query=query)
    # then the executor answered it, alike
    assert fast == slow and fast["data"]["author"]["displayName"] == "Ada"
    assert plan_runs == [False]
