"""`server.cost.analyse` reuses its result for the same operation and the same values of the
variables it reads, and only then: every memoized answer equals a fresh analysis."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

import settings
from schema import schema as strawberry_schema
from server import cost
from server.execution import Operation
from server.pipeline import build_executor

PROFILE = (Path(__file__).resolve().parents[2] / "docs" / "queries" / "profile.graphql").read_text()
PAGED = """
query($id: ID!, $n: Int, $m: Int = 3) {
  author(id: $id) { works(first: $n) { edges { node { title } } }
                    collaborators(first: $m) { totalCount } }
}
"""
NODES = "query($ids: [ID!]!) { nodes(ids: $ids) { id } }"
INPUT = """
query($c: ID!, $r: Int) { graphSlice(input: {center: $c, radius: $r, maxNodes: 10}) { id } }
"""

executor = build_executor(strawberry_schema)


def _op(query: str, variables: dict[str, Any]) -> Operation:
    prepared = executor.prepare(query)
    assert not prepared.errors, prepared.errors
    assert prepared.document is not None
    op = Operation(query, variables, None, None, document=prepared.document)
    op.definition = prepared.document.definitions[0]  # type: ignore[assignment]
    return op


CASES: list[tuple[str, dict[str, Any]]] = [
    (PROFILE, {"id": "QXV0aG9yOjE"}),
    (PROFILE, {"id": "QXV0aG9yOjI"}),
    (PAGED, {"id": "x", "n": 5}),
    (PAGED, {"id": "x", "n": 50}),
    (PAGED, {"id": "x", "n": 5, "m": 100}),
    (PAGED, {"id": "y", "n": None}),
    (NODES, {"ids": ["a", "b"]}),
    (NODES, {"ids": ["a", "b", "c", "d"]}),
    (INPUT, {"c": "x", "r": 2}),
]


@pytest.mark.parametrize("rounds", [2])
def test_memoized_costs_equal_fresh_analyses(rounds: int) -> None:
    schema = strawberry_schema._schema
    for _ in range(rounds):
        for query, variables in CASES:
            op = _op(query, variables)
            assert cost.analyse(schema, op) == cost._analyse(schema, op)[0]


def test_the_profile_is_analysed_once(monkeypatch: pytest.MonkeyPatch) -> None:
    schema = strawberry_schema._schema
    first = cost.analyse(schema, _op(PROFILE, {"id": "QXV0aG9yOjE"}))
    calls: list[int] = []
    original = cost._analyse

    def counting(*args: Any) -> Any:
        calls.append(1)
        return original(*args)

    monkeypatch.setattr(cost, "_analyse", counting)
    # another author: the id is not a paging argument, so the analysis is reused
    assert cost.analyse(schema, _op(PROFILE, {"id": "QXV0aG9yOjk"})) is first
    assert calls == []
    # a smaller page limit changes the answer: analysed again
    monkeypatch.setattr(settings, "MAX_PAGE_SIZE", 5)
    assert (
        cost.analyse(schema, _op(PROFILE, {"id": "QXV0aG9yOjk"}))
        == original(schema, _op(PROFILE, {"id": "QXV0aG9yOjk"}))[0]
    )
    assert calls == [1]
