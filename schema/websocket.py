"""GraphQL over WebSocket (graphql-transport-ws) at /graphql, for subscriptions."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.websockets import WebSocket
from strawberry.asgi import GraphQL
from strawberry.subscriptions import GRAPHQL_TRANSPORT_WS_PROTOCOL

from resolvers.loaders import Loaders
from schema.context import Context, Principal


class SubscriptionApp(GraphQL[Context, None]):
    async def get_context(self, request: Request | WebSocket, response: Any = None) -> Context:
        services = request.app.state.services
        client_ip = request.client.host if request.client else "unknown"
        return Context(
            loaders=Loaders(),
            principal=Principal(client_ip=client_ip),
            redis=services.redis,
            arq=services.arq,
            request=request,
        )


def websocket_app() -> SubscriptionApp:
    from schema import schema

    return SubscriptionApp(
        schema,
        graphql_ide=None,
        subscription_protocols=(GRAPHQL_TRANSPORT_WS_PROTOCOL,),
    )
