"""The app answers over HTTP on every backend, with coded errors."""

from __future__ import annotations

from tests.conftest import GraphQLClient
from tests.factories import make_author


async def test_author_by_global_id(gql: GraphQLClient) -> None:
    # given an author
    author = await make_author(display_name="Ada Lovelace")
    from resolvers.ids import to_global_id

    # when the API is asked for it
    body = await gql(
        "query($id: ID!) { author(id: $id) { displayName } }",
        {"id": to_global_id("Author", author.id)},
    )
    # then it answers, and says what the query cost
    assert body["data"] == {"author": {"displayName": "Ada Lovelace"}}
    assert body["extensions"]["cost"]["requested"] == 1


async def test_malformed_id_is_coded(gql: GraphQLClient) -> None:
    # when a malformed id is sent
    body = await gql('{ author(id: "%%%") { id } }')
    # then the error says INVALID_ID and data is null
    assert body["data"] == {"author": None}
    assert body["errors"][0]["extensions"]["code"] == "INVALID_ID"
