"""Reads that a hostile caller could use to burn memory, CPU or statements: each is refused with a
code, or bounded, before it costs the server more than an ordinary query."""

from __future__ import annotations

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
    # when the same kind is named a thousand times
    with count_sql() as log:
        body = await api(
            'query($k: [NodeKind!]) { search(text: "grace", kinds: $k) { label } }',
            {"k": ["AUTHOR"] * 1000},
        )
    # then it is searched once
    assert body["data"]["search"] == [{"label": "Grace Hopper"}]
    assert log.count == 1


async def test_a_document_over_the_token_limit_is_not_parsed(api: GraphQLClient) -> None:
    # when a document holds more tokens than the limit
    body = await api("{ nodes(ids: [" + '"a" ' * 6000 + "]) { id } }")
    # then parsing stops at the limit with its code
    assert body["errors"][0]["extensions"]["code"] == "MAX_TOKENS_EXCEEDED"
