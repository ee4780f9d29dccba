"""Mutations whose payload holds an author (follow, unfollow, setOpenToCollaborate,
updateAuthorProfile) run their write once and read the author's selection through the planner, in
one statement whatever it selects; when the planner stops after the write, the executor answers
with the write's outcome replayed, never writing twice."""

from __future__ import annotations

from typing import Any

import pytest

import settings
from importers import refresh_aggregates
from models.social import Follow
from resolvers import social
from resolvers.ids import to_global_id
from server.planner import run as planner_run
from tests.api.helpers import count_sql
from tests.conftest import GraphQLClient
from tests.factories import make_author, make_topic, make_work
from tests.factories_social import signed_in
from tests.social.helpers import author_gid

RICH = """mutation($id: ID!) { follow(authorId: $id) { userErrors { code }
  author { displayName viewerIsFollowing counts { followers works }
    works(first: 3) { totalCount nodes { title authorships { author { displayName } } } }
    topics(first: 2) { share topic { displayName } }
    collaborators(first: 2) { totalCount edges { node { sharedWorks author { id } } } } } } }"""
BARE = """mutation($id: ID!) { follow(authorId: $id) { userErrors { code }
  author { id viewerIsFollowing } } }"""


async def _author() -> Any:
    ada, bob = await make_author(), await make_author()
    topic = await make_topic()
    for _ in range(4):
        await make_work([ada, bob], [topic])
    await refresh_aggregates()
    return ada


async def _count(gql: GraphQLClient, query: str, gid: str, headers: Any) -> tuple[Any, int]:
    with count_sql() as log:
        body = await gql(query, {"id": gid}, headers=headers)
    assert "errors" not in body, body
    return body, log.count


async def test_the_payload_selection_takes_one_statement(gql: GraphQLClient) -> None:
    # given a signed-in user and an author with works, topics and a co-author
    ada = await _author()
    gid = author_gid(ada)
    # when they follow with a bare and with a rich selection of the author (each a first follow)
    _, headers = await signed_in()
    _, bare = await _count(gql, BARE, gid, headers)
    _, rich_headers = await signed_in()
    body, rich = await _count(gql, RICH, gid, rich_headers)
    # then the rich selection costs what the bare one does: the author is one statement (and
    # viewerIsFollowing, in both, one more)
    payload = body["data"]["follow"]
    assert payload["author"]["viewerIsFollowing"] is True
    assert payload["author"]["counts"]["followers"] == 2
    assert payload["author"]["works"]["totalCount"] == 4
    assert rich == bare, (bare, rich)
    # and through the executor the same answer takes more statements
    _, other = await signed_in()
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(settings, "PLANNER", False)
        slow, executor = await _count(gql, RICH, gid, other)
    assert slow["data"]["follow"]["author"]["works"] == payload["author"]["works"]
    assert executor > rich, (executor, rich)


async def test_a_stop_after_the_write_replays_it_instead_of_writing_again(
    gql: GraphQLClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    # given a planner that fails while reading the payload, after the follow was written
    async def broken(*_args: Any) -> None:
        raise RuntimeError("the planner stopped after the write")

    monkeypatch.setattr(planner_run.Planner, "references", broken)
    writes: list[str] = []
    original = social.follow

    async def counted(ctx: Any, author_id: str) -> Any:
        writes.append(author_id)
        return await original(ctx, author_id)

    monkeypatch.setattr(social, "follow", counted)
    ada = await _author()
    gid = author_gid(ada)
    _, headers = await signed_in()
    # when the user follows
    body = await gql(RICH, {"id": gid}, headers=headers)
    # then the executor answered with the one write's outcome
    assert "errors" not in body, body
    assert body["data"]["follow"]["author"]["counts"]["followers"] == 1
    assert body["data"]["follow"]["userErrors"] == []
    assert await Follow.filter(author_id=ada.id).count() == 1
    assert writes == [gid]  # the resolver ran once: the executor replayed its outcome


async def test_refusals_are_answered_alike(gql: GraphQLClient) -> None:
    # given an author, and a request without a user
    ada = await _author()
    gid = author_gid(ada)
    # when an anonymous caller follows, and a user follows an author that does not exist
    anonymous = await gql(RICH, {"id": gid})
    _, headers = await signed_in()
    nobody = {"id": to_global_id("Author", 10**6)}
    missing = await gql(RICH, nobody, headers=headers)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(settings, "PLANNER", False)
        anonymous_slow = await gql(RICH, {"id": gid})
        missing_slow = await gql(RICH, nobody, headers=headers)
    # then the planner's answers are the executor's
    assert anonymous["data"] == anonymous_slow["data"] and missing["data"] == missing_slow["data"]
    assert anonymous["data"]["follow"]["author"] is None
    assert missing["data"]["follow"]["userErrors"]
