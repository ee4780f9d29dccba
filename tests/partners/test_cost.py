"""Query cost, computed before execution (GitHub's way): worked examples from docs/partners.md."""

from __future__ import annotations

import time
from typing import Any

import pytest
import strawberry
from graphql import OperationDefinitionNode, parse

from schema import schema
from schema.cost import cost
from server.cost import MAX_COST_EXCEEDED, QueryCost, analyse, check
from server.execution import Operation, RequestError


def operation(query: str, variables: dict[str, Any] | None = None) -> Operation:
    document = parse(query)
    op = Operation(query, variables, None, None, document=document)
    op.definition = next(d for d in document.definitions if isinstance(d, OperationDefinitionNode))
    return op


def cost_of(query: str, variables: dict[str, Any] | None = None) -> QueryCost:
    return analyse(schema._schema, operation(query, variables))


def test_single_object_costs_one_point() -> None:
    # given a query without connections / when it is costed / then it costs the minimum
    found = cost_of('{ author(id: "orcid:0000-0002-1825-0097") { displayName } }')
    assert (found.requests, found.nodes, found.points) == (0, 0, 1)


def test_connections_multiply_through_parents() -> None:
    # given 10 authors with 20 works each
    found = cost_of("{ authors(first: 10) { edges { node { works(first: 20) { totalCount } } } } }")
    # then 1 + 10 requests, 10 + 10 * 20 nodes, 1 point
    assert (found.requests, found.nodes, found.points) == (11, 210, 1)


def test_variables_and_defaults_are_used() -> None:
    # given `first` from a variable, and a connection without `first` (default page of 10)
    query = "query($n: Int = 5) { authors(first: $n) { nodes { works { totalCount } } } }"
    # then the variable wins over its default, and the missing `first` counts as 10
    assert cost_of(query, {"n": 50}).nodes == 50 + 50 * 10
    assert cost_of(query).nodes == 5 + 5 * 10


def test_huge_first_counts_as_the_page_limit() -> None:
    # given first: 10^9 (the resolver refuses it with BAD_USER_INPUT)
    found = cost_of("{ works(first: 1000000000) { totalCount } }")
    # then the cost counts a full page, not 10^9 nodes
    assert found.nodes == 100


def test_search_carries_its_declared_weight() -> None:
    # search declares weight 2: 1 request rounds to 0 points, plus 2
    found = cost_of('{ search(text: "graph", first: 10) { label } }')
    assert (found.requests, found.nodes, found.points) == (1, 10, 2)


def test_rate_limit_alone_is_free() -> None:
    assert cost_of("{ rateLimit { remaining } __typename }").points == 0
    assert cost_of('{ rateLimit { remaining } author(id: "x") { id } }').points == 1


def test_too_many_nodes_is_rejected_with_the_numbers() -> None:
    # given three nested connections of 100
    query = (
        "{ authors(first: 100) { nodes { works(first: 100) { nodes {"
        " citedBy(first: 100) { totalCount } } } } } }"
    )
    # when it is checked / then MAX_COST_EXCEEDED carries the computed numbers
    with pytest.raises(RequestError) as raised:
        check(schema._schema, operation(query))
    error = raised.value.errors[0]
    assert error.extensions == {
        "code": MAX_COST_EXCEEDED,
        "cost": 101,
        "maxCost": 1000,
        "nodeCount": 100 + 100 * 100 + 100 * 100 * 100,
        "maxNodes": 50_000,
    }


@strawberry.type
class Item:
    @strawberry.field(metadata=cost(weight=10))  # type: ignore[untyped-decorator]
    def expensive(self) -> int:
        return 1


@strawberry.type
class SmallQuery:
    @strawberry.field
    def items(self, first: int = 10) -> list[Item]:
        return []


def test_declared_weight_multiplies_through_parents() -> None:
    # given a schema whose `expensive` field declares weight 10, under a list of 100
    small = strawberry.Schema(query=SmallQuery)._schema
    op = operation("{ items(first: 100) { expensive } }")
    # then 100 calls * 10 points, plus 1 request → 1000 points: just within the limit
    assert analyse(small, op).points == 1000
    with pytest.raises(RequestError):
        check(small, operation("{ items(first: 100) { expensive } a: items { expensive } }"))


def test_fragment_bomb_is_costed_in_linear_time() -> None:
    # given fragments that each spread the next one twice, 40 levels deep (2^40 paths)
    levels = 40
    fragments = [
        f"fragment F{i} on Author {{ works(first: 2) {{ nodes {{ authorships {{ author {{"
        f" ...F{i + 1} }} }} }} }} id }}"
        for i in range(levels)
    ]
    fragments.append(f"fragment F{levels} on Author {{ id }}")
    query = '{ author(id: "x") { ...F0 ...F0 } }\n' + "\n".join(fragments)
    # when it is costed
    started = time.perf_counter()
    found = cost_of(query)
    # then quickly, and the count is astronomical, so it is refused
    assert time.perf_counter() - started < 1
    assert found.nodes > 2**40


@pytest.mark.parametrize("n", [100, 100.0])
def test_a_float_page_size_is_costed_as_the_int_it_becomes(n: float) -> None:
    # given three nested pages of `$n`, sent as an int or as the float graphql-core accepts
    query = (
        "query($n: Int) { authors(first: $n) { nodes { works(first: $n) { nodes {"
        " citedBy(first: $n) { totalCount } } } } } }"
    )
    # when it is checked / then both forms cost the same and are refused
    with pytest.raises(RequestError) as raised:
        check(schema._schema, operation(query, {"n": n}))
    assert raised.value.errors[0].extensions["code"] == MAX_COST_EXCEEDED  # type: ignore[index]
    assert raised.value.errors[0].extensions["nodeCount"] == 100 + 100**2 + 100**3  # type: ignore[index]


def test_variables_that_do_not_coerce_are_bad_user_input() -> None:
    # given a page size no Int can hold
    query = "query($n: Int) { authors(first: $n) { totalCount } }"
    # when it is costed / then it is refused as the executor would refuse it
    with pytest.raises(RequestError) as raised:
        cost_of(query, {"n": 100.5})
    assert raised.value.errors[0].extensions["code"] == "BAD_USER_INPUT"  # type: ignore[index]


@pytest.mark.parametrize(
    ("selection", "at_least"),
    [
        ("works(first: 10) { nodes { authorships { position } } }", 10 + 10 * 100),
        ("works(first: 10) { nodes { authorships { institutions { id } } } }", 10 * 100 * 10),
        ("authors(first: 10) { nodes { affiliations { years } } }", 10 + 10 * 20),
    ],
)
def test_unpaged_lists_are_costed_at_realistic_sizes(selection: str, at_least: int) -> None:
    # given lists without `first` that real records fill past the old guesses (a work with 31
    # authors in ../shared/data, authorships with 5 institutions, authors with 10 affiliations)
    found = cost_of(f"{{ {selection} }}")
    # then the node count assumes a realistic bound for each
    assert found.nodes >= at_least
