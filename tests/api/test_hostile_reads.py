"""Reads that a hostile caller could use to burn memory, CPU or statements: each is refused with a
code, or bounded, before it costs the server more than an ordinary query."""

from __future__ import annotations

import base64

import pytest

from resolvers.ids import to_global_id
from tests.api.helpers import count_sql
from tests.conftest import GraphQLClient
from tests.factories import make_author


@pytest.fixture(scope="module")
async def author_id(api_db: str) -> str:
    author = await make_author(display_name="Grace Hopper")
    return to_global_id("Author", author.id)


@pytest.mark.parametrize("key", ["9" * 12, str(2**31)])
async def test_an_id_beyond_any_row_names_nothing(api: GraphQLClient, key: str) -> None:
    # given a well-formed id too large for any row
    gid = to_global_id("Author", key)
    # when it is asked for
    body = await api("query($id: ID!) { node(id: $id) { id } }", {"id": gid})
    # then it names nothing, without an error
    assert body["data"] == {"node": None}
    assert "errors" not in body


@pytest.mark.parametrize("key", ["\u00b2", "9" * 40, "\uff11\uff12"])
async def test_non_ascii_or_endless_digits_are_invalid_ids(api: GraphQLClient, key: str) -> None:
    # when an id's key is not a plain number
    body = await api(
        "query($id: ID!) { node(id: $id) { id } }", {"id": to_global_id("Author", key)}
    )
    # then it is INVALID_ID, not an internal error
    assert body["errors"][0]["extensions"]["code"] == "INVALID_ID"


async def test_counts_by_year_is_bounded_and_costed(api: GraphQLClient, author_id: str) -> None:
    # when a span longer than the limit is asked for
    body = await api(
        "query($id: ID!) { author(id: $id) { metrics { countsByYear(from: 1800, to: 2000)"
        " { year } } } }",
        {"id": author_id},
    )
    # then it is refused with the limit named
    assert body["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"
    assert body["errors"][0]["extensions"]["maximum"] == 100
    # and many aliased spans over a page of authors exceed the node limit before running
    spans = " ".join(f"y{i}: countsByYear(from: 1900, to: 1999) {{ year }}" for i in range(29))
    body = await api(f"{{ authors(first: 100) {{ nodes {{ metrics {{ {spans} }} }} }} }}")
    assert body["errors"][0]["extensions"]["code"] == "MAX_COST_EXCEEDED"


async def test_repeated_search_kinds_run_once(api: GraphQLClient) -> None:
    query = 'query($k: [NodeKind!]) { search(text: "grace", kinds: $k) { label } }'
    with count_sql() as once:
        await api(query, {"k": ["AUTHOR"]})
    # when the same kind is named a thousand times
    with count_sql() as log:
        body = await api(query, {"k": ["AUTHOR"] * 1000})
    # then it is searched once: the statements of one kind (a whole-name prefix, then word starts)
    assert body["data"]["search"] == [{"label": "Grace Hopper"}]
    assert log.count == once.count <= 2


async def test_a_document_over_the_token_limit_is_not_parsed(api: GraphQLClient) -> None:
    # when a document holds more tokens than the limit
    body = await api("{ nodes(ids: [" + '"a" ' * 6000 + "]) { id } }")
    # then parsing stops at the limit with its code
    assert body["errors"][0]["extensions"]["code"] == "MAX_TOKENS_EXCEEDED"


@pytest.mark.parametrize("raw", ["Invitation:01", "Author:007", "Claim:00", "Work:+1", "Topic:-1"])
async def test_only_the_canonical_spelling_of_an_id_is_an_id(api: GraphQLClient, raw: str) -> None:
    # given an id whose key has leading zeros or a sign (`Invitation:01` for `Invitation:1`)
    gid = base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")
    # when it is asked for
    body = await api("query($id: ID!) { node(id: $id) { id } }", {"id": gid})
    # then it is INVALID_ID: one row has one id
    assert body["errors"][0]["extensions"]["code"] == "INVALID_ID"


OUT_OF_RANGE_FILTERS = [
    ("{ works(filter: {topic: $id}) { totalCount } }", "Topic"),
    ("{ works(filter: {institution: $id}) { totalCount } }", "Institution"),
    ("{ works(filter: {author: $id}) { totalCount } }", "Author"),
    ("{ authors(filter: {topic: $id}) { totalCount } }", "Topic"),
    ("{ authors(filter: {institution: $id}) { totalCount } }", "Institution"),
]


@pytest.mark.parametrize(("selection", "type_name"), OUT_OF_RANGE_FILTERS)
@pytest.mark.parametrize("key", [str(2**31), str(2**63), "9" * 18])
async def test_a_filter_id_past_int32_is_invalid_not_internal(
    api: GraphQLClient, selection: str, type_name: str, key: str
) -> None:
    # given a well-formed id no row can have (PostgreSQL's integer ids stop at 2^31 - 1)
    gid = to_global_id(type_name, key)
    # when a list is filtered by it
    body = await api(f"query($id: ID!) {selection}", {"id": gid})
    # then the answer is INVALID_ID, never INTERNAL
    assert [e["extensions"]["code"] for e in body["errors"]] == ["INVALID_ID"]


async def test_an_author_works_filter_past_int32_is_invalid(
    api: GraphQLClient, author_id: str
) -> None:
    # given an author and a topic id past int32
    topic = to_global_id("Topic", str(2**31))
    # when the author's works are filtered by it
    body = await api(
        "query($id: ID!, $t: ID!) {"
        " author(id: $id) { works(filter: {topic: $t}) { totalCount } } }",
        {"id": author_id, "t": topic},
    )
    # then INVALID_ID
    assert [e["extensions"]["code"] for e in body["errors"]] == ["INVALID_ID"]
