"""Slice documents answer alike through the planner and through graphql-core's executor.

Random valid documents are generated from the slice surface of the served schema
(hypothesis-graphql; tests/api/planner_surface.py SLICE_*), each `graphSlice(input:)` pointed
at one of three slices a real arq worker computed (an author's, a work's with its prior and
derivative works, and a two-seed one with the similarity edges), then answered by the planner
and by the plain executor as tests/api/test_planner_equal.py does.
"""

from __future__ import annotations

import asyncio
import json
import os
from pathlib import Path
from typing import Any

from graphql import ValueNode, parse_value, print_ast
from hypothesis import given
from hypothesis_graphql import queries

from resolvers.context import Context
from tests.api.planner_surface import (
    SLICE_LEFT_OUT,
    SLICE_ROOTS,
    differential_settings,
    meaningful,
    planned_schema,
)
from tests.api.test_planner_equal import Graph, compare
from tests.conftest import GraphQLClient
from tests.slices.helpers import gid, make_world, until_done

#: examples per backend
EXAMPLES = int(os.environ.get("PEERGRAPH_SLICE_PLANNER_EXAMPLES", "150"))
SURFACE = planned_schema(SLICE_ROOTS, SLICE_LEFT_OUT, ("Node",))


def _literal(value: dict[str, Any]) -> ValueNode:
    parts = []
    for key, item in value.items():
        if key == "edgeKinds":
            parts.append(f"{key}: [{', '.join(item)}]")
        else:  # ids and ints: JSON writes them as GraphQL does
            parts.append(f"{key}: {json.dumps(item)}")
    return parse_value("{" + ", ".join(parts) + "}")


async def test_random_slice_documents_answer_alike(
    gql: GraphQLClient, worker: Any, redis: Any
) -> None:
    # given three READY slices computed by the worker
    world = await make_world()
    inputs: list[dict[str, Any]] = [
        {"center": gid("Author", world.authors[0].id), "radius": 2},
        {"center": gid("Work", world.works[30].id), "edgeKinds": ["CITES", "AUTHORED"]},
        {
            "centers": [gid("Work", world.works[20].id), gid("Author", world.authors[3].id)],
            "radius": 2,
            "edgeKinds": ["CITES", "AUTHORED", "CO_CITED", "COUPLED", "RELATED"],
        },
    ]
    for value in inputs:
        ready = await until_done(gql, {"input": value})
        assert ready["status"] == "READY" and ready["nodes"], ready
    literals = [_literal(value) for value in inputs]
    graph = Graph()

    def context() -> Context:
        return Context(redis=redis, arq=worker.pool)

    # and documents generated from the slice surface, asking for them
    strategy = queries(
        SURFACE, print_ast=lambda d: print_ast(meaningful(d, lambda *_: "", literals))
    )

    @differential_settings(EXAMPLES)
    @given(strategy)
    def check(query: str) -> None:
        # when the planner and the executor answer it, then they answer alike
        asyncio.run_coroutine_threadsafe(compare(query, None, graph, context), loop).result()

    loop = asyncio.get_running_loop()
    await asyncio.to_thread(check)
    # and the planner answered nearly all of them (it stands aside only for errors: `first`
    # out of range)
    assert graph.outcomes["planned"] > 4 * graph.outcomes["fallback"], (
        graph.outcomes,
        graph.reasons,
    )


async def test_the_trusted_document_answers_as_the_executor_does(
    gql: GraphQLClient, worker: Any, redis: Any
) -> None:
    # given a READY two-seed slice with similarity edges, and the trusted slice document, whose
    # node and edge selections are the stored keys in their order (the planner passes the stored
    # lists through as they are), and the same fields in another order (shaped field by field)
    world = await make_world()
    value = {
        "centers": [gid("Work", world.works[20].id), gid("Author", world.authors[3].id)],
        "radius": 2,
        "edgeKinds": ["CITES", "AUTHORED", "CO_CITED", "COUPLED", "RELATED"],
    }
    ready = await until_done(gql, {"input": value})
    assert ready["status"] == "READY" and ready["nodes"] and ready["edges"], ready
    trusted = (Path(__file__).resolve().parents[2] / "docs/queries/slice.graphql").read_text()
    reordered = trusted.replace("source target kind weight", "weight kind target source")
    assert reordered != trusted
    graph = Graph()
    # when the planner and the executor answer each, then they answer alike, both planned
    for query in (trusted, reordered):
        await compare(query, {"input": value}, graph, lambda: Context(redis=redis, arq=worker.pool))
    assert graph.outcomes["planned"] == 2, (graph.outcomes, graph.reasons)
