"""What an open WebSocket may keep doing: a token revoked after the socket signed in stops
working on it at once (logOut over HTTP, `peergraph token revoke`), subscriptions share one
Redis pub/sub connection per process, and they are capped per socket and per caller. A real
uvicorn socket, real Redis, real `websockets` client."""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
from typing import Any

import httpx
import pytest
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed, InvalidStatus

import settings
from tests.factories import make_author
from tests.factories_social import bearer, make_token, make_user
from tests.serving import current_db_url
from tests.slices.helpers import gid
from tests.slices.test_faults import ROOT
from tests.social.test_websocket import ws_url

__all__ = ["ws_url"]  # the fixture, shared with test_websocket.py

VIEWER = "{ viewer { user { email } } }"
LOG_OUT = "mutation { logOut { ok } }"
SLICE = "subscription($i: GraphSliceInput!) { graphSlice(input: $i) { status } }"


async def signed_in_socket(url: str, token: str | None) -> ClientConnection:
    ws = await connect(url, subprotocols=["graphql-transport-ws"])  # type: ignore[list-item]
    payload = {"Authorization": f"Bearer {token}"} if token else {}
    await ws.send(json.dumps({"type": "connection_init", "payload": payload}))
    assert json.loads(await ws.recv())["type"] == "connection_ack"
    return ws


async def run(ws: ClientConnection, op_id: str, query: str, variables: Any = None) -> Any:
    """Send one operation; its first `next` or `error` message (others' messages skipped)."""
    body = {"query": query, "variables": variables or {}}
    await ws.send(json.dumps({"id": op_id, "type": "subscribe", "payload": body}))
    while True:
        message = json.loads(await ws.recv())
        if message.get("id") == op_id and message["type"] in ("next", "error"):
            return message


async def closed_with(ws: ClientConnection, seconds: float = 5) -> int | None:
    """The close code once the server closes the socket (None if it stays open)."""
    try:
        async with asyncio.timeout(seconds):
            while True:
                await ws.recv()
    except ConnectionClosed as closed:
        return closed.rcvd.code if closed.rcvd else None
    except TimeoutError:
        return None


async def test_log_out_over_http_closes_the_tokens_socket(ws_url: str) -> None:
    # given a socket signed in with a token, which works
    user = await make_user()
    token = await make_token(user)
    ws = await signed_in_socket(ws_url, token)
    first = await run(ws, "1", VIEWER)
    assert first["payload"]["data"] == {"viewer": {"user": {"email": user.email}}}
    # when the token logs out over HTTP
    http_url = ws_url.replace("ws://", "http://")
    async with httpx.AsyncClient() as http:
        out = await http.post(http_url, json={"query": LOG_OUT}, headers=bearer(token))
    assert out.json()["data"] == {"logOut": {"ok": True}}
    # then the socket is closed with 4401, and can run nothing more
    assert await closed_with(ws) == 4401


async def test_a_revoked_token_is_refused_on_its_next_operation(
    ws_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    from resolvers.pubsub import REVOCATION_HANDLERS

    # given a socket signed in with a token, and (a fake) no revocation message reaching it
    monkeypatch.setattr(settings, "WS_TOKEN_RECHECK_SECONDS", 0)
    monkeypatch.setattr("resolvers.pubsub.REVOCATION_HANDLERS", [])
    assert REVOCATION_HANDLERS  # the real list is untouched
    user = await make_user()
    token = await make_token(user)
    ws = await signed_in_socket(ws_url, token)
    assert (await run(ws, "1", VIEWER))["type"] == "next"
    # when the token is revoked in the database behind the socket's back
    from models.social import Token
    from resolvers.accounts import now

    await Token.filter(user=user).update(revoked_at=now())
    # then the next operation is refused UNAUTHENTICATED, before it runs
    refused = await run(ws, "2", "mutation { logOut { ok } }")
    assert refused["type"] == "error", refused
    assert refused["payload"][0]["extensions"]["code"] == "UNAUTHENTICATED"
    await ws.close()


async def test_peergraph_token_revoke_closes_the_socket(
    ws_url: str, redis_url: str, db: str
) -> None:
    # given a socket signed in with a token
    user = await make_user(email="grace@example.org")
    token = await make_token(user)
    ws = await signed_in_socket(ws_url, token)
    assert (await run(ws, "1", VIEWER))["type"] == "next"
    # when an admin revokes the user's tokens from the command line (another process)
    env = {**os.environ, "REDIS_URL": redis_url, "DATABASE_URL": current_db_url()}
    done = await asyncio.to_thread(
        subprocess.run,
        [
            sys.executable,
            "-c",
            "import cli, sys; sys.exit(cli.main(sys.argv[1:]))",
            *("token", "revoke", "--user", "grace@example.org"),
        ],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    # then the socket is closed with 4401
    assert await closed_with(ws) == 4401


async def pubsub_clients(redis: Any, db_number: int) -> int:
    clients = await redis.client_list()
    return sum(1 for c in clients if int(c.get("db", -1)) == db_number and int(c["sub"]) > 0)


async def test_subscriptions_share_one_pubsub_connection_and_are_capped(
    ws_url: str, redis: Any, redis_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    # given 3 sockets, up to 4 subscriptions each, and 10 cold slices with no worker to build them
    monkeypatch.setattr(settings, "MAX_SUBSCRIPTIONS_PER_SOCKET", 4)
    monkeypatch.setattr(settings, "MAX_SUBSCRIPTIONS_PER_CALLER", 10)
    authors = [await make_author() for _ in range(11)]
    sockets = [await signed_in_socket(ws_url, None) for _ in range(3)]
    db_number = int(redis_url.rsplit("/", 1)[1]) if redis_url.startswith("redis://") else 0
    try:
        # when each socket subscribes to 4 slices (all PENDING)
        n = 0
        for ws in sockets[:2]:
            for k in range(4):
                answer = await run(
                    ws, str(k), SLICE, {"i": {"center": gid("Author", authors[n].id)}}
                )
                assert answer["payload"]["data"]["graphSlice"]["status"] == "PENDING", answer
                n += 1
        # then a fifth on one socket is refused
        fifth = await run(sockets[0], "9", SLICE, {"i": {"center": gid("Author", authors[9].id)}})
        assert fifth["type"] == "error"
        assert fifth["payload"][0]["extensions"]["code"] == "TOO_MANY_SUBSCRIPTIONS"
        # and the caller's eleventh overall is refused too, on a socket of its own
        for k in range(2):
            answer = await run(
                sockets[2], str(k), SLICE, {"i": {"center": gid("Author", authors[8 + k].id)}}
            )
            assert answer["type"] == "next", answer
        over = await run(sockets[2], "7", SLICE, {"i": {"center": gid("Author", authors[10].id)}})
        assert over["payload"][0]["extensions"]["code"] == "TOO_MANY_SUBSCRIPTIONS"
        # and 10 pending subscriptions hold one pub/sub connection to Redis, not 10
        if redis_url.startswith("redis://"):
            assert await pubsub_clients(redis, db_number) == 1
    finally:
        for ws in sockets:
            await ws.close()


async def test_one_address_holds_a_bounded_number_of_sockets(
    ws_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    # given an address allowed 2 sockets, holding 2
    monkeypatch.setattr(settings, "MAX_SOCKETS_PER_ADDRESS", 2)
    held = [await signed_in_socket(ws_url, None) for _ in range(2)]
    try:
        # when it opens a third / then the server refuses the handshake
        with pytest.raises(InvalidStatus) as refused:
            await connect(ws_url, subprotocols=["graphql-transport-ws"])  # type: ignore[list-item]
        assert refused.value.response.status_code == 403
    finally:
        for ws in held:
            await ws.close()
    # and once they are closed, the address may open one again
    await asyncio.sleep(0.2)
    again = await signed_in_socket(ws_url, None)
    await again.close()
