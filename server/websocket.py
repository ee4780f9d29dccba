"""GraphQL over WebSocket (graphql-transport-ws) at /graphql, for subscriptions.

Strawberry's protocol handler runs each operation itself, so `GuardedSchema` puts peergraph's
checks in front of it, for subscriptions and for the queries and mutations some clients send
over the socket too: the same validation rules and limits, the cost and rate-limit hooks, and
errors with codes, masked when unexpected.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import AsyncGenerator
from dataclasses import dataclass
from typing import Any

from graphql import GraphQLError
from starlette.requests import Request
from starlette.types import Receive, Scope, Send
from starlette.websockets import WebSocket
from strawberry.asgi import GraphQL
from strawberry.extensions import MaskErrors
from strawberry.subscriptions import GRAPHQL_TRANSPORT_WS_PROTOCOL
from strawberry.types.execution import PreExecutionError
from strawberry.types.unset import UNSET, UnsetType

import settings
from resolvers.errors import ApiError
from resolvers.loaders import Loaders
from schema.context import Context, Principal
from server import sockets
from server.client_address import of_connection
from server.execution import (
    PRE_EXECUTION_HOOKS,
    Executor,
    Operation,
    RequestError,
    _select_operation,
    format_error,
)

#: Open sockets per address, in this process.
SOCKETS: Counter[str] = Counter()


@dataclass
class WsContext(Context):
    #: the `connection_init` payload; Strawberry sets it before `on_ws_connect`
    connection_params: dict[str, Any] | None = None
    #: subscriptions running on this socket
    subscriptions: int = 0


class SubscriptionApp(GraphQL[Context, None]):
    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "websocket":
            await super().__call__(scope, receive, send)
            return
        address = of_connection(WebSocket(scope, receive, send))
        if SOCKETS[address] >= settings.MAX_SOCKETS_PER_ADDRESS:
            await send({"type": "websocket.close", "code": 1013, "reason": "too many sockets"})
            return
        SOCKETS[address] += 1
        try:
            await super().__call__(scope, receive, send)
        finally:
            SOCKETS[address] -= 1
            if SOCKETS[address] <= 0:
                del SOCKETS[address]

    async def on_ws_connect(self, context: Context) -> UnsetType | dict[str, object] | None:
        """Sign the connection in from `{"Authorization": "Bearer TOKEN"}` in the payload."""
        from resolvers.accounts import authenticate_ws

        await authenticate_ws(context.principal, getattr(context, "connection_params", None))
        token_id = context.principal.token_id
        if token_id is not None:
            await sockets.watch_token(token_id, context.request, context.redis)
        ack: UnsetType = UNSET
        return ack

    async def get_context(self, request: Request | WebSocket, response: Any = None) -> Context:
        from workers.runtime import ensure_redis

        services = request.app.state.services
        await ensure_redis(services)
        return WsContext(
            loaders=Loaders(),
            principal=Principal(client_ip=of_connection(request)),
            redis=services.redis,
            arq=services.arq,
            request=request,
        )


class GuardedSchema:
    """The Strawberry schema, with `stream` (what the WebSocket handler calls) checked first."""

    def __init__(self, inner: Any) -> None:
        self._inner = inner

    def __getattr__(self, name: str) -> Any:
        return getattr(self._inner, name)

    async def stream(
        self,
        query: str,
        variable_values: dict[str, Any] | None = None,
        context_value: Any = None,
        root_value: Any = None,
        operation_name: str | None = None,
        **kwargs: Any,
    ) -> Any:
        errors = await sockets.token_refusal(context_value)
        errors = errors or await _refusals(query, variable_values, context_value, operation_name)
        if errors:
            return _once(PreExecutionError(data=None, errors=errors))
        slot = sockets.claim_subscription(context_value, query, operation_name)
        if isinstance(slot, GraphQLError):
            return _once(PreExecutionError(data=None, errors=[slot]))
        result = await self._inner.stream(
            query,
            variable_values=variable_values,
            context_value=context_value,
            root_value=root_value,
            operation_name=operation_name,
            **kwargs,
        )
        return sockets.released(result, slot)


async def _once(result: Any) -> AsyncGenerator[Any, None]:
    yield result


async def _refusals(
    query: str, variables: dict[str, Any] | None, ctx: Context, name: str | None
) -> list[GraphQLError]:
    """Why this operation may not run over the socket, or [] when it may."""
    executor: Executor = ctx.request.app.state.services.executor
    prepared = executor.prepare(query)
    if prepared.errors or prepared.document is None:
        return list(prepared.errors)
    op = Operation(query, variables, name, None, document=prepared.document)
    try:
        op.definition = _select_operation(prepared.document.definitions, name)
        for hook in PRE_EXECUTION_HOOKS:
            await hook(op, ctx)
    except RequestError as error:
        return error.errors
    except ApiError as error:
        return [error]
    return []


def unexpected_error(error: GraphQLError) -> bool:
    original = error.original_error
    return original is not None and not isinstance(original, GraphQLError)


class CodedMaskErrors(MaskErrors):
    """Unexpected errors in a subscription: masked, logged with an errorId, code INTERNAL."""

    def anonymise_error(self, error: GraphQLError) -> GraphQLError:
        formatted = format_error(error)
        return GraphQLError(
            formatted["message"],
            nodes=error.nodes,
            path=error.path,
            extensions=formatted.get("extensions"),
        )


def websocket_app() -> SubscriptionApp:
    from schema import schema

    guarded: Any = GuardedSchema(schema)
    return SubscriptionApp(
        guarded,
        graphql_ide=None,
        subscription_protocols=(GRAPHQL_TRANSPORT_WS_PROTOCOL,),
    )
