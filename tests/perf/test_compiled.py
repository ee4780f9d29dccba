"""The compiled plans of trusted documents (server/compiled.py) answer exactly what the general
executor answers: the reference profile query over HTTP for several authors and viewers, a
selection using every compiled field, and the fallbacks (bad id, unknown author, a refusing
pre-execution hook, documents with no compiled form)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from graphql import parse

import settings
from importers import refresh_aggregates
from models.social import Follow
from resolvers.errors import ApiError
from resolvers.ids import to_global_id
from schema.context import Context
from server import compiled, execution
from tests.factories import make_author, make_institution, make_source, make_topic, make_work
from tests.factories_social import signed_in

PROFILE = (Path(__file__).resolve().parents[2] / "docs" / "queries" / "profile.graphql").read_text()

#: every field the compiler knows, with aliases and the non-close collaborator list
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
    """Records, for every compiled-plan attempt, whether the plan answered."""
    seen: list[bool] = []
    original = compiled.Plan.run

    async def spy(self: compiled.Plan, variables: Any, ctx: Context) -> Any:
        data = await original(self, variables, ctx)
        seen.append(data is not None)
        return data

    monkeypatch.setattr(compiled.Plan, "run", spy)
    return seen


async def _both(
    http: httpx.AsyncClient, variables: dict[str, Any], headers: dict[str, str] | None = None
) -> tuple[dict[str, Any], dict[str, Any]]:
    """(compiled answer, general executor answer) of the profile document, without the
    rate-limit figures (`remaining` moves between the two requests)."""
    body = {"query": PROFILE, "variables": variables}
    fast = (await http.post("/graphql", json=body, headers=headers or {})).json()
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(settings, "COMPILED_PLANS", False)
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
            # when the profile is asked for, once compiled and once by the general executor
            fast, slow = await _both(http, {"id": to_global_id("Author", key)}, viewer)
            # then the two bodies are identical, and carry data
            assert "errors" not in slow, slow
            assert fast == slow
    # and the follower's answer says so
    fast, _ = await _both(http, {"id": to_global_id("Author", graph["ada"])}, headers)
    assert fast["data"]["author"]["viewerIsFollowing"] is True
    assert fast["data"]["author"]["claim"]["viewerCanClaim"] is True
    # and on PostgreSQL the plan answered every time; on SQLite the general executor did
    assert plan_runs and all(plan_runs) == (db == "postgres")


async def test_every_compiled_field_matches_the_general_executor(
    db: str, graph: dict[str, int], http: httpx.AsyncClient
) -> None:
    plan = compiled.compile_document(parse(EVERYTHING))
    for key in (graph["ada"], graph["lou"]):
        variables = {"id": to_global_id("Author", key)}
        # when the plan runs directly, and the general executor answers the same document
        data = await plan.run(variables, Context())
        slow = await http.post("/graphql", json={"query": EVERYTHING, "variables": variables})
        # then the data is identical (PostgreSQL), or the plan stands aside (SQLite)
        assert "errors" not in slow.json(), slow.json()
        assert data == (slow.json()["data"] if db == "postgres" else None)


async def test_fallbacks_answer_like_the_general_executor(
    graph: dict[str, int], http: httpx.AsyncClient
) -> None:
    # a malformed id, an id of another type, an author that does not exist, an external id
    for value in ("not-an-id", to_global_id("Work", 1), to_global_id("Author", 10**8), "orcid:x"):
        fast, slow = await _both(http, {"id": value})
        assert fast == slow


async def test_pre_execution_hooks_run_before_the_plan(
    graph: dict[str, int], http: httpx.AsyncClient, plan_runs: list[bool]
) -> None:
    # given a hook that refuses every operation (as the rate limiter does over budget)
    async def refuse(_op: execution.Operation, _ctx: Context) -> None:
        raise ApiError("over budget", code="RATE_LIMITED")

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(execution, "PRE_EXECUTION_HOOKS", [*execution.PRE_EXECUTION_HOOKS, refuse])
        body = {"query": PROFILE, "variables": {"id": to_global_id("Author", graph["ada"])}}
        response = await http.post("/graphql", json=body)
    # then the refusal is the answer and the plan never ran
    assert response.json()["errors"][0]["extensions"]["code"] == "RATE_LIMITED"
    assert plan_runs == []


@pytest.mark.parametrize(
    "document",
    [
        "query($id: ID!) { author(id: $id) { ...F } } fragment F on Author { id }",
        "query($id: ID!) { author(id: $id) { id @include(if: true) } }",
        "query($id: ID!) { author(id: $id) { metrics { hIndex } } }",
        "query($id: ID!, $n: Int) { author(id: $id) { works(first: $n) { totalCount } } }",
        "query($id: ID!) { author(id: $id) { works(first: 101) { totalCount } } }",
        "query($id: ID!) { author(id: $id) { a: works(first: 1) { totalCount }"
        " b: works(first: 2) { totalCount } } }",
        "query($id: ID!) { node(id: $id) { id } }",
        "mutation { logOut { userErrors { code } } }",
    ],
)
def test_documents_without_a_compiled_form(document: str) -> None:
    with pytest.raises(compiled.NotCompilable):
        compiled.compile_document(parse(document))


def test_the_reference_profile_compiles() -> None:
    plan = compiled.compile_document(parse(PROFILE))
    assert plan.needs.works == 10 and plan.needs.topics == 6
    assert plan.needs.collaborators == (4, True)
    assert PROFILE in compiled.trusted_documents()
