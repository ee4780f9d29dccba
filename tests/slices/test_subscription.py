"""Subscription.graphSlice over graphql-transport-ws, with a real client (Python `gql` on
`websockets`) against the app served by uvicorn on a local port."""

from __future__ import annotations

import asyncio
import contextlib
import socket
from collections.abc import AsyncIterator
from typing import Any

import pytest
import uvicorn
from gql import Client, GraphQLRequest
from gql.transport.websockets import WebsocketsTransport

import resolvers.slices
from importers.refresh import refresh_aggregates
from tests.factories import make_author, make_institution, make_topic, make_work
from tests.slices.helpers import gid, make_coauthors
from workers import keys

SUBSCRIPTION = """subscription($input: GraphSliceInput!) {
  graphSlice(input: $input) { id status error retryAfterMs nodes { entityId hop } }
}"""


@pytest.fixture
async def ws_url(app: Any) -> AsyncIterator[str]:
    """The app (already started by the `app` fixture) served by uvicorn on a free port."""
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    server = uvicorn.Server(
        uvicorn.Config(app, lifespan="off", log_level="warning", ws="websockets")
    )
    task = asyncio.create_task(server.serve(sockets=[sock]))
    while not server.started:  # noqa: ASYNC110 (uvicorn offers no started event)
        await asyncio.sleep(0.01)
    try:
        yield f"ws://127.0.0.1:{port}/graphql"
    finally:
        server.should_exit = True
        with contextlib.suppress(asyncio.CancelledError):
            await asyncio.wait_for(task, 5)
        sock.close()


async def _statuses(url: str, center: str) -> list[dict[str, Any]]:
    transport = WebsocketsTransport(
        url=url, subprotocols=[WebsocketsTransport.GRAPHQLWS_SUBPROTOCOL]
    )
    request = GraphQLRequest(SUBSCRIPTION, variable_values={"input": {"center": center}})
    async with asyncio.timeout(20), Client(transport=transport) as session:
        return [r["graphSlice"] async for r in session.subscribe(request)]


async def test_subscription_emits_pending_then_ready_and_completes(
    ws_url: str, worker: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    # given a cold slice, and a subscription that would re-check Redis only once a minute
    monkeypatch.setattr(resolvers.slices, "RECHECK_SECONDS", 60)
    ada, _bob = await make_coauthors()
    # when a client subscribes to it
    updates = await _statuses(ws_url, gid("Author", ada.id))
    # then it sees PENDING, then READY (woken by the worker's pub/sub message), and the end
    assert [u["status"] for u in updates] == ["PENDING", "READY"]
    assert len(updates[1]["nodes"]) == 3
    # and a second subscriber gets the cached slice at once
    again = await _statuses(ws_url, gid("Author", ada.id))
    assert [u["status"] for u in again] == ["READY"]


async def test_subscription_ends_with_failed_when_the_center_names_nothing(
    ws_url: str, worker: Any
) -> None:
    updates = await _statuses(ws_url, gid("Author", 987654))
    assert [u["status"] for u in updates] == ["PENDING", "FAILED"]
    assert "names no Author" in updates[1]["error"]


async def test_subscription_ends_failed_when_no_worker_finishes_the_slice_in_time(
    ws_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    # given no worker at all, and slices that may stay PENDING for half a second
    monkeypatch.setattr(keys, "pending_limit_seconds", lambda: 0.5)
    monkeypatch.setattr(resolvers.slices, "RECHECK_SECONDS", 0.2)
    ada = await make_author()
    await make_work(authors=[ada])
    # when a client subscribes to the slice
    updates = await _statuses(ws_url, gid("Author", ada.id))
    # then it is told PENDING, then FAILED with what to do, and the subscription completes
    assert [u["status"] for u in updates] == ["PENDING", "FAILED"]
    assert "request the slice again" in updates[1]["error"]


async def test_subscription_works_for_work_topic_and_institution_centers(
    ws_url: str, worker: Any
) -> None:
    # given a work with an author, a topic and an institution
    ada = await make_author()
    topic, uni = await make_topic(), await make_institution()
    work = await make_work(authors=[ada], topics=[topic], institutions=[uni])
    await refresh_aggregates()
    for center in (gid("Work", work.id), gid("Topic", topic.id), gid("Institution", uni.id)):
        # when a client subscribes to a slice centred on it
        updates = await _statuses(ws_url, center)
        # then it ends READY with the center and at least one neighbour
        assert [u["status"] for u in updates] == ["PENDING", "READY"], center
        assert len(updates[1]["nodes"]) >= 2, (center, updates[1])
