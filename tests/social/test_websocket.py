"""WebSocket (graphql-transport-ws) authentication from the `connection_init` payload, on a real
server socket."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from typing import Any

import pytest
import uvicorn
from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed

from resolvers.accounts import revoke_token
from tests.factories_social import make_token, make_user

VIEWER = "{ viewer { user { email } } }"


@pytest.fixture
async def ws_url(app: Any) -> AsyncIterator[str]:
    config = uvicorn.Config(app, host="127.0.0.1", port=0, lifespan="off", log_level="warning")
    server = uvicorn.Server(config)
    task = asyncio.create_task(server.serve())
    for _ in range(500):  # uvicorn offers no started event; poll its flag
        if server.started:
            break
        await asyncio.sleep(0.02)
    port = server.servers[0].sockets[0].getsockname()[1]
    yield f"ws://127.0.0.1:{port}/graphql"
    server.should_exit = True
    await task


async def ask(url: str, payload: dict[str, Any]) -> dict[str, Any]:
    """connection_init with `payload`, then one query; the `next` message's payload."""
    async with connect(url, subprotocols=["graphql-transport-ws"]) as ws:  # type: ignore[list-item]
        await ws.send(json.dumps({"type": "connection_init", "payload": payload}))
        ack = json.loads(await ws.recv())
        assert ack["type"] == "connection_ack"
        await ws.send(json.dumps({"id": "1", "type": "subscribe", "payload": {"query": VIEWER}}))
        message = json.loads(await ws.recv())
        assert message["type"] == "next", message
        result: dict[str, Any] = message["payload"]
        return result


async def test_connection_init_token_signs_the_socket_in(ws_url: str) -> None:
    # given a user with a token
    user = await make_user()
    token = await make_token(user)
    # when a socket sends it in connection_init, in either form
    for payload in ({"Authorization": f"Bearer {token}"}, {"token": token}):
        result = await ask(ws_url, payload)
        # then the viewer is that user
        assert result["data"] == {"viewer": {"user": {"email": user.email}}}


async def test_socket_without_token_is_anonymous(ws_url: str) -> None:
    result = await ask(ws_url, {})
    assert result["data"] == {"viewer": None}
    assert result["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"


@pytest.mark.parametrize("kind", ["revoked", "expired", "unknown", "malformed"])
async def test_bad_token_rejects_the_connection(ws_url: str, kind: str) -> None:
    # given a revoked, an expired, an unknown or a malformed token
    user = await make_user()
    token = await make_token(user, ttl_seconds=-1 if kind == "expired" else None)
    if kind == "revoked":
        await revoke_token(token)
    value = {"unknown": "Bearer nope", "malformed": "Token abc"}.get(kind, f"Bearer {token}")
    # when it is sent in connection_init
    async with connect(ws_url, subprotocols=["graphql-transport-ws"]) as ws:  # type: ignore[list-item]
        await ws.send(json.dumps({"type": "connection_init", "payload": {"Authorization": value}}))
        # then the server closes the socket with 4403 and never acknowledges
        with pytest.raises(ConnectionClosed) as closed:
            await ws.recv()
    assert closed.value.rcvd is not None and closed.value.rcvd.code == 4403
