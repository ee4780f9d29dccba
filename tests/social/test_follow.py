"""Follow and unfollow: idempotent, unique per (user, author), and the cached followers count
equals the rows under 100 concurrent calls from many users, on both backends."""

from __future__ import annotations

import asyncio
import random

from models.social import Follow
from resolvers.ids import to_global_id
from resolvers.sql import fetch_one
from tests.conftest import GraphQLClient
from tests.factories import make_author, make_work
from tests.factories_social import bearer, make_token, make_user, signed_in
from tests.social.helpers import AUTHOR_STATE, FOLLOW, UNFOLLOW, VIEWER, author_gid, codes


async def _consistent(author_id: int) -> tuple[int, int]:
    """(rows, cached counter) for one author."""
    rows = await fetch_one("SELECT COUNT(*) AS n FROM follow WHERE author_id = ?", [author_id])
    counter = await fetch_one("SELECT followers_count AS n FROM author WHERE id = ?", [author_id])
    assert rows is not None and counter is not None
    return int(rows["n"]), int(counter["n"])


async def test_follow_and_unfollow_are_idempotent(gql: GraphQLClient) -> None:
    # given a signed-in user and an author
    _, headers = await signed_in()
    author = await make_author()
    gid = author_gid(author)
    # when they follow twice
    for _ in range(2):
        body = await gql(FOLLOW, {"id": gid}, headers=headers)
        payload = body["data"]["follow"]
        # then each answer shows one follower, followed, and no error
        assert payload == {
            "author": {"counts": {"followers": 1}, "viewerIsFollowing": True},
            "userErrors": [],
        }
    assert await Follow.filter(author_id=author.id).count() == 1
    # and the viewer lists the author once
    viewer = await gql(VIEWER, headers=headers)
    following = viewer["data"]["viewer"]["following"]
    assert following["totalCount"] == 1 and following["edges"][0]["node"]["id"] == gid
    # when they unfollow twice
    for _ in range(2):
        body = await gql(UNFOLLOW, {"id": gid}, headers=headers)
        assert body["data"]["unfollow"]["author"] == {
            "counts": {"followers": 0},
            "viewerIsFollowing": False,
        }
    # then nothing is left, and the counter never goes negative
    assert await _consistent(author.id) == (0, 0)


async def test_follow_accepts_an_orcid_and_anonymous_sees_not_following(
    gql: GraphQLClient,
) -> None:
    # given an author with an ORCID iD, followed by a user through that id
    author = await make_author(orcid="0000-0002-1825-0097")
    _, headers = await signed_in()
    body = await gql(FOLLOW, {"id": "orcid:0000-0002-1825-0097"}, headers=headers)
    assert body["data"]["follow"]["userErrors"] == []
    # when anyone asks anonymously
    state = await gql(AUTHOR_STATE, {"id": author_gid(author)})
    # then the count is public and the follow state is the anonymous one
    assert state["data"]["author"]["counts"]["followers"] == 1
    assert state["data"]["author"]["viewerIsFollowing"] is False


async def test_bad_author_ids_are_user_errors_and_write_nothing(gql: GraphQLClient) -> None:
    # given a signed-in user and a work
    _, headers = await signed_in()
    work = await make_work()
    cases = {
        to_global_id("Author", 999_999): "NOT_FOUND",
        to_global_id("Author", 10**12): "NOT_FOUND",
        "orcid:0000-0000-0000-0000": "NOT_FOUND",
        "%%%": "INVALID_INPUT",
        "": "INVALID_INPUT",
        "x" * 5000: "INVALID_INPUT",
        to_global_id("Work", work.id): "INVALID_INPUT",
        "orcid:not-an-orcid": "INVALID_INPUT",
        f"doi:{work.doi}": "INVALID_INPUT",
    }
    for value, code in cases.items():
        for mutation, name in ((FOLLOW, "follow"), (UNFOLLOW, "unfollow")):
            # when they follow or unfollow it
            body = await gql(mutation, {"id": value}, headers=headers)
            # then a userError with the code and the field, no author
            payload = body["data"][name]
            assert payload["author"] is None
            assert [(e["code"], e["field"]) for e in payload["userErrors"]] == [
                (code, "authorId")
            ], value
    assert await Follow.all().count() == 0


async def test_anonymous_follow_is_unauthenticated(gql: GraphQLClient) -> None:
    author = await make_author()
    body = await gql(FOLLOW, {"id": author_gid(author)})
    assert codes(body["data"]["follow"]) == ["UNAUTHENTICATED"]
    assert body["data"]["follow"]["author"] is None
    assert await _consistent(author.id) == (0, 0)


async def test_concurrent_follows_and_unfollows_stay_consistent(gql: GraphQLClient) -> None:
    # given 50 users and one author
    author = await make_author()
    gid = author_gid(author)
    tokens = [await make_token(await make_user()) for _ in range(50)]

    async def call(doc: str, token: str) -> None:
        body = await gql(doc, {"id": gid}, headers=bearer(token))
        assert "errors" not in body, body
        name = "follow" if doc is FOLLOW else "unfollow"
        assert body["data"][name]["userErrors"] == []

    # when every user follows twice, all at once (100 concurrent calls)
    await asyncio.gather(*(call(FOLLOW, t) for t in tokens for _ in range(2)))
    # then there is exactly one row per user and the counter equals the rows
    assert await _consistent(author.id) == (50, 50)

    # when 100 follows and unfollows race, two per user, in random order
    calls = [(doc, t) for t in tokens for doc in (FOLLOW, UNFOLLOW)]
    random.Random(4).shuffle(calls)
    await asyncio.gather(*(call(doc, t) for doc, t in calls))
    # then no row is lost or duplicated, and each user's state matches the rows
    rows, counter = await _consistent(author.id)
    assert rows == counter
    duplicates = await fetch_one(
        "SELECT COUNT(*) AS n FROM (SELECT user_id FROM follow WHERE author_id = ?"
        " GROUP BY user_id HAVING COUNT(*) > 1) d",
        [author.id],
    )
    assert duplicates is not None and duplicates["n"] == 0
    states = await asyncio.gather(
        *(gql(AUTHOR_STATE, {"id": gid}, headers=bearer(t)) for t in tokens)
    )
    following = sum(s["data"]["author"]["viewerIsFollowing"] for s in states)
    assert following == rows
    assert {s["data"]["author"]["counts"]["followers"] for s in states} == {rows}

    # when everyone unfollows twice at once
    await asyncio.gather(*(call(UNFOLLOW, t) for t in tokens for _ in range(2)))
    # then the author has no followers left
    assert await _consistent(author.id) == (0, 0)
