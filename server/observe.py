"""What each GraphQL HTTP request tells the operator: Prometheus metrics, one log line, and the
`/metrics` endpoint (docs/operations.md).

`ObserveMiddleware` wraps the app (outermost, app.py): it settles the request id (the client's
`X-Request-Id` when it is a plain token of at most 64 characters, else a new one) and sends it
back as the response's `X-Request-Id` (`RequestIdMiddleware` does that on the other paths),
opens the request's `RequestInfo`, and when the response is done counts it by operation, status
and caller kind, observes its duration and SQL statement count, and logs one line (only the
metrics when the access log is off). The pipeline hooks below name the caller and the operation."""

from __future__ import annotations

import logging
import re
import secrets
import time
from collections.abc import MutableMapping
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.types import ASGIApp, Receive, Scope, Send

import settings
from resolvers.context import Context
from resolvers.telemetry import context, metrics
from resolvers.telemetry.logs import count_sql_statements
from server.execution import Operation
from workers import keys

access_log = logging.getLogger("peergraph.access")

OBSERVED_PATHS = frozenset({"/graphql"})
_REQUEST_ID = re.compile(rb"[A-Za-z0-9._:-]{1,64}")


def _request_id(scope: Scope) -> tuple[str, Scope]:
    """The request id, and the scope carrying it as its `x-request-id` header."""
    headers = list(scope.get("headers", []))
    for index, (key, value) in enumerate(headers):
        if key == b"x-request-id":
            if _REQUEST_ID.fullmatch(value):
                return value.decode(), scope
            del headers[index]
            break
    new = secrets.token_hex(16)
    headers.append((b"x-request-id", new.encode()))
    return new, {**scope, "headers": headers}


class ObserveMiddleware:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app
        count_sql_statements()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"] not in OBSERVED_PATHS:
            await self.app(scope, receive, send)
            return
        request_id, scope = _request_id(scope)
        sent_id = request_id.encode()
        info = context.RequestInfo(request_id)
        token = context.REQUEST.set(info)
        status = 500
        started = time.perf_counter()

        async def observed_send(message: MutableMapping[str, Any]) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                message["headers"] = [*message.get("headers", ()), (b"x-request-id", sent_id)]
            await send(message)

        try:
            await self.app(scope, receive, observed_send)
        finally:
            context.REQUEST.reset(token)
            _record(scope, info, status, time.perf_counter() - started)


#: The metric children of each (operation, status, caller): prometheus_client's `labels` takes a
#: lock and checks its arguments on every call. Bounded as the labels are (MAX_OPERATION_LABELS).
_CHILDREN: dict[tuple[str, int, str], tuple[Any, Any, Any]] = {}


def _children(operation: str, status: int, caller: str) -> tuple[Any, Any, Any]:
    key = (operation, status, caller)
    found = _CHILDREN.get(key)
    if found is None:
        found = _CHILDREN[key] = (
            metrics.REQUESTS.labels(operation, str(status), caller),
            metrics.REQUEST_SECONDS.labels(operation, caller),
            metrics.REQUEST_SQL.labels(operation),
        )
    return found


def _record(scope: Scope, info: context.RequestInfo, status: int, seconds: float) -> None:
    if status == 401:
        info.caller = "invalid"
    operation = metrics.operation_label(info.operation)
    requests, durations, statements = _children(operation, status, info.caller)
    requests.inc()
    durations.observe(seconds)
    statements.observe(info.sql)
    if not access_log.isEnabledFor(logging.INFO):
        return
    fields: dict[str, Any] = {
        "requestId": info.request_id,
        "method": scope["method"],
        "path": scope["path"],
        "status": status,
        "operation": info.operation[:100],
        "caller": info.caller,
        "cost": info.cost,
        "sql": info.sql,
        "durationMs": round(seconds * 1000, 2),
    }
    if info.rate_limited:
        fields["rateLimited"] = True
    if info.error_ids:
        fields["errorId"] = info.error_ids[0]
        fields["errorIds"] = info.error_ids
    access_log.info(
        "%s %s %d %s caller=%s cost=%d sql=%d %.1fms%s",
        scope["method"],
        scope["path"],
        status,
        fields["operation"],
        info.caller,
        info.cost,
        info.sql,
        fields["durationMs"],
        f" errorId={info.error_ids[0]}" if info.error_ids else "",
        extra=fields,
    )


async def note_request(op: Operation, ctx: Context) -> None:
    """Pre-parse hook: who asks, and the operation name the client gave."""
    context.note_caller(ctx.principal.kind)
    context.note_operation(op.operation_name)


async def name_operation(op: Operation, _ctx: Context) -> None:
    """Pre-execution hook: the operation's own name when the client sent no `operationName`."""
    info = context.current_request()
    if info is None or op.operation_name or op.definition is None or op.definition.name is None:
        return
    if info.operations and info.operations[-1] == "(anonymous)":
        info.operations[-1] = op.definition.name.value


async def metrics_endpoint(request: Request) -> Response:
    """GET /metrics: the Prometheus exposition of every metric, the queue depth read now; only
    with `Authorization: Bearer $PEERGRAPH_METRICS_TOKEN` when that is set."""
    if settings.METRICS_TOKEN and not _bearer_matches(request, settings.METRICS_TOKEN):
        return JSONResponse(
            {
                "errors": [
                    {
                        "message": "/metrics needs `Authorization: Bearer <token>` with the"
                        " token in PEERGRAPH_METRICS_TOKEN",
                        "extensions": {"code": "UNAUTHENTICATED"},
                    }
                ]
            },
            status_code=401,
            headers={"WWW-Authenticate": "Bearer"},
        )
    redis = request.app.state.services.redis
    depth = -1
    if redis is not None:
        try:
            depth = int(await redis.zcard(keys.QUEUE_NAME))
        except Exception:  # Redis went away: the gauge says so, the scrape still answers
            depth = -1
    metrics.QUEUE_DEPTH.set(depth)
    body, media_type = metrics.render()
    return Response(body, media_type=media_type)


def _bearer_matches(request: Request, token: str) -> bool:
    scheme, _, given = request.headers.get("authorization", "").partition(" ")
    return scheme.lower() == "bearer" and secrets.compare_digest(given.strip(), token)
