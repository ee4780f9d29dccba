"""GraphQL over WebSocket (graphql-transport-ws) at /graphql, for subscriptions."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from starlette.requests import Request
from starlette.websockets import WebSocket
from strawberry.asgi import GraphQL
from strawberry.subscriptions import GRAPHQL_TRANSPORT_WS_PROTOCOL
from strawberry.types.unset import UNSET, UnsetType

from resolvers.loaders import Loaders
from schema.context import Context, Principal


@dataclass
class WsContext(Context):
    #: the `connection_init` payload; Strawberry sets it before `on_ws_connect`
    connection_params: dict[str, Any] | None = None


class SubscriptionApp(GraphQL[Context, None]):
    async def on_ws_connect(self, context: Context) -> UnsetType | dict[str, object] | None:
        """Sign the connection in from `{"Authorization": "Bearer TOKEN"}` in the payload."""
        from resolvers.accounts import authenticate_ws

        await authenticate_ws(context.principal, getattr(context, "connection_params", None))
        ack: UnsetType = UNSET
        return ack

    async def get_context(self, request: Request | WebSocket, response: Any = None) -> Context:
        from workers.runtime import ensure_redis

        services = request.app.state.services
        await ensure_redis(services)
        client_ip = request.client.host if request.client else "unknown"
        return WsContext(
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
