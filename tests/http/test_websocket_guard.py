"""Operations over WebSocket pass the same checks as over HTTP: limits, cost and coded errors."""

from __future__ import annotations

import json
from typing import Any

from websockets.asyncio.client import connect

from tests.social.test_websocket import ws_url

__all__ = ["ws_url"]


async def first_message(url: str, query: str) -> dict[str, Any]:
    async with connect(url, subprotocols=["graphql-transport-ws"]) as ws:  # type: ignore[list-item]
        await ws.send(json.dumps({"type": "connection_init", "payload": {}}))
        assert json.loads(await ws.recv())["type"] == "connection_ack"
        await ws.send(json.dumps({"id": "1", "type": "subscribe", "payload": {"query": query}}))
        message: dict[str, Any] = json.loads(await ws.recv())
        return message


async def test_alias_limit_holds_over_websocket(ws_url: str) -> None:
    # given a document with more aliases than the limit
    query = "{ " + " ".join(f"a{i}: __typename" for i in range(60)) + " }"
    # when it is sent over the socket
    message = await first_message(ws_url, query)
    # then it is refused before running, with the same code as over HTTP
    assert message["type"] == "error"
    assert message["payload"][0]["extensions"]["code"] == "MAX_ALIASES_EXCEEDED"


async def test_validation_errors_are_coded_over_websocket(ws_url: str) -> None:
    # when an invalid document is sent over the socket
    message = await first_message(ws_url, "{ nope }")
    # then the error carries its code
    assert message["type"] == "error"
    assert message["payload"][0]["extensions"]["code"] == "GRAPHQL_VALIDATION_FAILED"


async def test_bad_ids_are_coded_over_websocket(ws_url: str) -> None:
    # when a malformed id is sent over the socket
    message = await first_message(ws_url, '{ node(id: "%%%") { id } }')
    # then the field error carries INVALID_ID
    assert message["type"] == "next"
    assert message["payload"]["errors"][0]["extensions"]["code"] == "INVALID_ID"
