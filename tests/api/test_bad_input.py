"""Bad input at the edges: wrong variable types (BAD_USER_INPUT; HTTP 400 under
application/graphql-response+json, 200 under application/json), empty and huge strings,
negative `first`, NUL characters and other unicode. No input may reach the database as a
statement it refuses: that would be an INTERNAL error."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest

from tests.api.helpers import codes, gid
from tests.conftest import GraphQLClient
from tests.factories import make_author, make_work

GQL_RESPONSE = "application/graphql-response+json"
AUTHOR = "query($id: ID!) { author(id: $id) { displayName } }"
WORKS = """query($first: Int, $after: String, $filter: WorkFilter, $order: WorkOrder) {
  works(first: $first, after: $after, filter: $filter, orderBy: $order) { totalCount } }"""
AUTHORS = """query($first: Int, $filter: AuthorFilter, $order: AuthorOrder) {
  authors(first: $first, filter: $filter, orderBy: $order) { totalCount } }"""


@dataclass
class Graph:
    unicode_author: int


@pytest.fixture(scope="module")
async def graph(api_db: str) -> Graph:
    # given an author whose name is not ASCII, with one work
    author = await make_author(display_name="Zoë 王小明 🧪")
    await make_work([author], title="Ünïcödé — 数据 🧬")
    return Graph(author.id)


@pytest.mark.parametrize(
    ("query", "variables"),
    [
        (WORKS, {"first": "ten"}),
        (WORKS, {"first": 1.5}),
        (WORKS, {"first": 2**40}),
        (WORKS, {"first": True}),
        (WORKS, {"after": 12}),
        (WORKS, {"filter": {"yearFrom": "2020"}}),
        (WORKS, {"filter": {"types": ["NOPE"]}}),
        (WORKS, {"filter": {"unknownField": 1}}),
        (WORKS, {"filter": "yearFrom"}),
        (WORKS, {"order": "SIDEWAYS"}),
        (AUTHORS, {"order": "WORKS_COUNT_ASC"}),
        (AUTHORS, {"filter": {"openToCollaborate": "yes"}}),
        (AUTHOR, {}),
        (AUTHOR, {"id": None}),
        (AUTHOR, {"id": {"nested": "object"}}),
        (AUTHOR, {"id": ["a", "b"]}),
        ("query($ids: [ID!]!) { nodes(ids: $ids) { id } }", {"ids": [None]}),
        ("query($t: String!) { search(text: $t) { label } }", {"t": 5}),
    ],
)
async def test_wrong_variable_types(
    api: GraphQLClient, graph: Graph, query: str, variables: dict[str, Any]
) -> None:
    # when a variable has the wrong type, under each response media type
    for accept, status in ((GQL_RESPONSE, 400), ("application/json", 200)):
        body = await api(query, variables, headers={"Accept": accept})
        # then the request fails before execution with BAD_USER_INPUT and no data
        assert codes(body) == ["BAD_USER_INPUT"], (variables, body)
        assert "data" not in body
        assert api.last_status == status, (accept, variables)
        assert api.last_headers["content-type"].startswith(accept)


async def test_negative_and_zero_first(api: GraphQLClient, graph: Graph) -> None:
    # when first is negative
    body = await api(WORKS, {"first": -5}, headers={"Accept": GQL_RESPONSE})
    # then the field fails with BAD_USER_INPUT (an execution error: HTTP 200, data null)
    assert codes(body) == ["BAD_USER_INPUT"] and body["data"] is None
    assert api.last_status == 200
    # and first 0 is a valid empty page
    assert (await api(WORKS, {"first": 0}))["data"] == {"works": {"totalCount": 1}}


@pytest.mark.parametrize(
    "value",
    [
        "",
        " ",
        "\t\n",
        "x" * 100_000,
        "orcid:" + "0" * 10_000,
        "doi:10." + "9" * 50_000,
        "Ä",
        "🧪🧪🧪",
        "QXV0aG9yOjE\u0000",
        "doi:10.1000/\u0000",
        "arxiv:2007.\u000008563",
        "ror:\u0000",
        "openalex:A1\u0000",
        "orcid:"
        + "".join(chr(0xFF10 + int(c)) if c.isdigit() else c for c in "0000-0002-1825-0097"),
        "doi:10.1000/ü-数据",
    ],
)
async def test_strange_ids_are_coded_or_null(api: GraphQLClient, graph: Graph, value: str) -> None:
    # when an empty, huge, NUL-bearing or unicode id is sent
    body = await api(AUTHOR, {"id": value})
    node = await api("query($id: ID!) { node(id: $id) { id } }", {"id": value})
    # then the answer is null, with at most an INVALID_ID error whose message stays short
    for answer, field in ((body, "author"), (node, "node")):
        assert answer["data"] == {field: None}, answer
        assert codes(answer) in ([], ["INVALID_ID"]), answer
        for error in answer.get("errors", []):
            assert len(error["message"]) < 200


async def test_unicode_round_trips(api: GraphQLClient, graph: Graph) -> None:
    # when the non-ASCII author and work are read
    body = await api(
        "query($id: ID!) { author(id: $id) { displayName works { edges { node { title } } } } }",
        {"id": gid("Author", graph.unicode_author)},
    )
    # then their names come back unchanged
    author = body["data"]["author"]
    assert author["displayName"] == "Zoë 王小明 🧪"
    assert author["works"]["edges"] == [{"node": {"title": "Ünïcödé — 数据 🧬"}}]


@pytest.mark.parametrize(
    "name_prefix", ["", " ", "zo\u0000", "Zoë", "ZOE", "%", "_", "王", "z" * 200]
)
async def test_name_prefix_edges(api: GraphQLClient, graph: Graph, name_prefix: str) -> None:
    # when authors are filtered by an empty, NUL-bearing, accented or wildcard-only prefix
    body = await api(AUTHORS, {"filter": {"namePrefix": name_prefix}})
    # then there is an answer, no error: a prefix that normalizes to nothing filters nothing
    assert "errors" not in body, body
    total = body["data"]["authors"]["totalCount"]
    assert total == (1 if name_prefix.strip(" %_王\u0000") in ("", "Zoë", "ZOE", "zo") else 0)


async def test_huge_strings_are_bounded(api: GraphQLClient, graph: Graph) -> None:
    # when a name prefix or a search text is far too long
    prefix = await api(AUTHORS, {"filter": {"namePrefix": "z" * 10_000}})
    search = await api("query($t: String!) { search(text: $t) { label } }", {"t": "g" * 10_000})
    cursor = await api(WORKS, {"first": 1, "after": "A" * 100_000})
    # then each is refused with a code, not run
    assert codes(prefix) == ["BAD_USER_INPUT"]
    assert codes(search) == ["BAD_USER_INPUT"]
    assert codes(cursor) == ["INVALID_CURSOR"]


async def test_filter_edges(api: GraphQLClient, graph: Graph) -> None:
    # when year filters are far out of range, or a filter id is empty
    far = await api(WORKS, {"filter": {"yearFrom": -(2**31), "yearTo": 2**31 - 1}})
    empty_id = await api(WORKS, {"filter": {"topic": ""}})
    nul_id = await api(WORKS, {"filter": {"author": "\u0000"}})
    # then the range is answered, and the bad ids are INVALID_ID
    assert far["data"] == {"works": {"totalCount": 1}}
    assert codes(empty_id) == ["INVALID_ID"]
    assert codes(nul_id) == ["INVALID_ID"]
