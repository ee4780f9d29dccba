"""A document's cost is analysed once per (operation, values of the variables it reads) and its
variables coerced once per request (server/cost.py, server/execution.py): what is cached never
lets a costlier request, an over-budget caller or another caller's variables through."""

from __future__ import annotations

from typing import Any

import pytest
from graphql.execution import values as graphql_values

import settings
from server import cost
from server.planner import run as planner_run
from tests.factories import make_author, make_work
from tests.partners.helpers import codes

PAGED = "query Paged($n: Int) { works(first: $n) { edges { node { id } } } }"
DEFAULTED = "query Defaulted($n: Int = 2) { works(first: $n) { edges { node { id } } } }"


async def test_the_same_document_costs_what_its_variables_ask(
    db: str, http: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    # given at most 20 nodes per query
    monkeypatch.setattr(settings, "MAX_QUERY_NODES", 20)

    async def ask(n: int) -> Any:
        return await http.post("/graphql", json={"query": PAGED, "variables": {"n": n}})

    # when one document is sent with 5, then 50, then 5 again
    small, large, again = await ask(5), await ask(50), await ask(5)
    # then only the 50 is refused, with its own numbers, though the document's cost is cached
    assert (small.status_code, again.status_code) == (200, 200)
    assert codes(large.json()) == ["MAX_COST_EXCEEDED"]
    assert large.json()["errors"][0]["extensions"]["nodeCount"] == 50
    assert small.json()["extensions"]["cost"]["nodeCount"] == 5


async def test_a_cached_cost_is_still_charged_and_refused_over_budget(
    db: str, http: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    # given a budget of 2 points and a document whose cost is already known
    monkeypatch.setattr(settings, "BUDGET_ANONYMOUS", 2)
    body = {"query": PAGED, "variables": {"n": 1}}
    # when it is sent three times
    statuses = [(await http.post("/graphql", json=body)).status_code for _ in range(3)]
    # then the third is refused: every request is charged, the cache only saves the analysis
    assert statuses == [200, 200, 429]


async def test_variables_are_coerced_once_and_the_planner_answers_with_them(
    db: str, http: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    # given three works and a document whose page size is a defaulted variable
    author = await make_author()
    for _ in range(3):
        await make_work(authors=[author])
    calls: list[int] = []
    original = graphql_values.get_variable_values

    def counting(*args: Any, **kwargs: Any) -> Any:
        calls.append(1)
        return original(*args, **kwargs)

    monkeypatch.setattr(cost, "get_variable_values", counting)
    monkeypatch.setattr(planner_run, "get_variable_values", counting)
    # when it is sent without the variable, then with a float that coerces to an Int
    default = (await http.post("/graphql", json={"query": DEFAULTED})).json()
    floated = await http.post("/graphql", json={"query": DEFAULTED, "variables": {"n": 3.0}})
    # then the default and the coerced value set the page, each coerced once per request
    assert len(default["data"]["works"]["edges"]) == 2
    assert len(floated.json()["data"]["works"]["edges"]) == 3
    assert calls == [1, 1]
