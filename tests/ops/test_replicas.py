"""Reads from a real PostgreSQL streaming replica (issue 11, item 6): a query reads the replica,
a mutation and `viewer` the primary, and a replica that goes down costs no error. The primary
and the replica are real clusters on their own ports (tests/pgcluster.py: initdb,
`pg_basebackup -R`, pg_ctl), started for this module and stopped after it."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from typing import Any

import asyncpg
import httpx
import pytest

from models import database
from models.database import REPLICAS
from resolvers.ids import to_global_id
from tests.conftest import GraphQLClient
from tests.factories import make_author
from tests.factories_social import signed_in
from tests.pgcluster import Pair, pg_pair
from tests.social.helpers import FOLLOW, VIEWER

__all__ = ["pg_pair"]

AUTHOR = "query($id: ID!) { author(id: $id) { displayName } }"


async def _author(gql: GraphQLClient, author_id: str) -> dict[str, Any] | None:
    body = await gql(AUTHOR, {"id": author_id})
    assert "errors" not in body, body
    author: dict[str, Any] | None = body["data"]["author"]
    return author


async def _caught_up(primary: Any, replica: Any, seconds: float = 30) -> None:
    """Wait until the replica replayed everything the primary wrote so far."""
    target = await primary.fetchval("SELECT pg_current_wal_lsn()")
    loop = asyncio.get_running_loop()
    deadline = loop.time() + seconds
    while await replica.fetchval("SELECT pg_last_wal_replay_lsn() < $1::pg_lsn", target):
        assert loop.time() < deadline, "the replica did not catch up"
        await asyncio.sleep(0.05)


@pytest.fixture
async def served(pg_pair: Pair, redis_url: str, redis: Any) -> AsyncIterator[dict[str, Any]]:
    """A migrated database on the primary, opened with the replica for reads, and the app."""
    from app import create_app

    admin = await asyncpg.connect(f"{pg_pair.primary.url}/postgres")
    await admin.execute("DROP DATABASE IF EXISTS peergraph")
    await admin.execute("CREATE DATABASE peergraph")
    primary_url = f"{pg_pair.primary.url}/peergraph"
    await database.open_db(primary_url, replica_urls=[f"{pg_pair.replica.url}/peergraph"])
    primary = await asyncpg.connect(primary_url)
    replica = await asyncpg.connect(f"{pg_pair.replica.url}/peergraph")
    app = create_app(manage_db=False, redis_url=redis_url, run_worker=False)
    try:
        await _caught_up(primary, replica)
        async with (
            app.router.lifespan_context(app),
            httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as http,
        ):
            yield {"gql": GraphQLClient(http), "primary": primary, "replica": replica}
    finally:
        await database.close_db()
        await primary.close()
        if not replica.is_closed():
            await replica.close()
        await admin.close()


async def test_queries_read_the_replica_and_writes_and_viewer_the_primary(
    served: dict[str, Any],
) -> None:
    gql, primary, replica = served["gql"], served["primary"], served["replica"]
    # given a replica that has stopped replaying, so what is written now exists on the primary
    await replica.execute("SELECT pg_wal_replay_pause()")
    ada = await make_author(display_name="Ada Primary")
    ada_id = to_global_id("Author", ada.id)
    _, headers = await signed_in()
    # when a query asks for her
    read = await _author(gql, ada_id)
    # then it was answered by the replica, which does not have her yet
    assert read is None
    # when a signed-in user follows her (a mutation) and then asks for `viewer`
    followed = await gql(FOLLOW, {"id": ada_id}, headers=headers)
    viewer = await gql(VIEWER, {}, headers=headers)
    # then the write and the payload's reads went to the primary, and so did `viewer`
    assert followed["data"]["follow"]["author"] == {
        "counts": {"followers": 1},
        "viewerIsFollowing": True,
    }, followed
    following = viewer["data"]["viewer"]["following"]
    assert [e["node"]["displayName"] for e in following["edges"]] == ["Ada Primary"]
    assert await replica.fetchval("SELECT COUNT(*) FROM follow") == 0
    # and when the replica replays again, queries see her there
    await replica.execute("SELECT pg_wal_replay_resume()")
    await _caught_up(primary, replica)
    assert await _author(gql, ada_id) == {"displayName": "Ada Primary"}


async def test_a_replica_that_goes_down_leaves_reads_to_the_primary_without_an_error(
    served: dict[str, Any], pg_pair: Pair, caplog: pytest.LogCaptureFixture
) -> None:
    gql, primary, replica = served["gql"], served["primary"], served["replica"]
    # given an author replicated, and a query that was answered by the replica
    ada = await make_author(display_name="Ada Everywhere")
    ada_id = to_global_id("Author", ada.id)
    await _caught_up(primary, replica)
    expected = {"displayName": "Ada Everywhere"}
    assert await _author(gql, ada_id) == expected
    # when the replica stops
    await replica.close()
    pg_pair.stop(pg_pair.replica)
    try:
        with caplog.at_level(logging.WARNING, logger="peergraph.sql"):
            answers = [await _author(gql, ada_id) for _ in range(3)]
        # then every query is answered by the primary, without an error
        assert answers == [expected] * 3
        # and the replica is left out after its first failure (one warning, not one per read)
        assert REPLICAS.down_until.get("replica0", 0) > 0
        warnings = [r for r in caplog.records if "failed a read" in r.getMessage()]
        assert len(warnings) == 1
    finally:
        pg_pair.start(pg_pair.replica)
