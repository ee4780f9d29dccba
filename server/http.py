"""GraphQL over HTTP (https://graphql.github.io/graphql-over-http/), on Starlette.

POST takes `application/json`; GET takes queries only (a mutation over GET is 405). Responses
are `application/graphql-response+json` when the client accepts it (request errors are then
400), else `application/json` (always 200 for GraphQL errors). Bodies are encoded with orjson.
"""

from __future__ import annotations

from typing import Any

import orjson
from graphql import OperationDefinitionNode, OperationType
from starlette.requests import Request
from starlette.responses import Response

import settings
from resolvers.errors import ApiError
from resolvers.telemetry.metrics import OVERLOADED as overloaded
from schema.context import Context
from server.execution import BAD_REQUEST, Executor, Operation, RequestError, coded, format_error
from server.runtime import IN_FLIGHT

GRAPHQL_RESPONSE = "application/graphql-response+json"
JSON = "application/json"
MAX_BATCH = settings.MAX_BATCH

#: The request headers a browser may send cross-origin (the CORS preflight's allow-list): the
#: credentials, and what common clients add (Apollo's client awareness, W3C trace context, Sentry).
CORS_ALLOW_HEADERS = (
    "authorization",
    "content-type",
    "x-api-key",
    "x-request-id",
    "apollographql-client-name",
    "apollographql-client-version",
    "traceparent",
    "tracestate",
    "sentry-trace",
    "baggage",
)
#: The response headers a browser script may read.
CORS_EXPOSE_HEADERS = (
    "x-request-id",
    "x-ratelimit-limit",
    "x-ratelimit-remaining",
    "x-ratelimit-used",
    "x-ratelimit-reset",
    "retry-after",
)
#: The answer depends on these request headers: a shared cache must key on them.
VARY = "Authorization, X-API-Key"
PRIVATE = {"Cache-Control": "private, no-store", "Vary": VARY}


def cache_headers(request: Request, cacheable: bool) -> dict[str, str]:
    """`private, no-store` for a request with credentials (or anything but a good anonymous
    GET); an anonymous GET answer without errors may be kept `PUBLIC_MAX_AGE` seconds."""
    credentialed = "authorization" in request.headers or "x-api-key" in request.headers
    max_age = settings.PUBLIC_MAX_AGE
    if credentialed or request.method != "GET" or not cacheable or max_age <= 0:
        return dict(PRIVATE)
    return {"Cache-Control": f"public, max-age={max_age}", "Vary": VARY}


def negotiate(accept: str | None) -> str | None:
    """The response media type for an Accept header, or None when nothing acceptable."""
    if not accept:
        return JSON
    best: tuple[float, int, str] | None = None
    for order, part in enumerate(accept.split(",")):
        media, *params = [p.strip() for p in part.split(";")]
        q = 1.0
        for param in params:
            name, _, value = param.partition("=")
            if name.strip() == "q":
                try:
                    q = float(value)
                except ValueError:
                    q = 0.0
        media = media.lower()
        if q <= 0:
            continue
        if media == GRAPHQL_RESPONSE:
            choice = GRAPHQL_RESPONSE
        elif media in (JSON, "application/*", "*/*"):
            choice = JSON
        else:
            continue
        candidate = (q, -order, choice)
        if best is None or candidate > best:
            best = candidate
    return best[2] if best else None


def _response(body: Any, status: int, media: str, headers: dict[str, str]) -> Response:
    return Response(
        orjson.dumps(body),
        status_code=status,
        media_type=f"{media}; charset=utf-8",
        headers={**PRIVATE, **headers},  # errors are never kept by a shared cache
    )


def _bad_request(message: str, media: str, status: int = 400, **headers: str) -> Response:
    return _response(
        {"errors": [format_error(coded(message, BAD_REQUEST))]}, status, media, headers
    )


def _operation(payload: Any) -> Operation:
    if not isinstance(payload, dict):
        raise ValueError("The request body must be a JSON object with a `query`")
    query = payload.get("query")
    variables = payload.get("variables")
    name = payload.get("operationName")
    extensions = payload.get("extensions")
    if query is None and not (isinstance(extensions, dict) and "persistedQuery" in extensions):
        raise ValueError("The request has no `query`")
    if query is not None and not isinstance(query, str):
        raise ValueError("`query` must be a string")
    if variables is not None and not isinstance(variables, dict):
        raise ValueError("`variables` must be an object")
    if name is not None and not isinstance(name, str):
        raise ValueError("`operationName` must be a string")
    if extensions is not None and not isinstance(extensions, dict):
        raise ValueError("`extensions` must be an object")
    return Operation(query or "", variables, name, extensions)


def _get_payload(request: Request) -> dict[str, Any]:
    params = request.query_params
    payload: dict[str, Any] = {"query": params.get("query")}
    for key in ("variables", "extensions"):
        raw = params.get(key)
        if raw:
            try:
                payload[key] = orjson.loads(raw)
            except orjson.JSONDecodeError:
                raise ValueError(f"`{key}` is not valid JSON") from None
    if "operationName" in params:
        payload["operationName"] = params.get("operationName") or None
    return payload


async def handle(request: Request, executor: Executor, ctx: Context) -> Response:
    media = negotiate(request.headers.get("accept"))
    if media is None:
        return _bad_request(f"Accept {GRAPHQL_RESPONSE} or {JSON}", JSON, 406)
    try:
        if request.method == "GET":
            payloads: Any = _get_payload(request)
        else:
            content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
            if content_type != JSON:
                return _bad_request(
                    "Send the request as `Content-Type: application/json`", media, 415
                )
            body = await request.body()
            try:
                payloads = orjson.loads(body)
            except orjson.JSONDecodeError:
                return _bad_request("The request body is not valid JSON", media)
        batch = isinstance(payloads, list)
        items = payloads if batch else [payloads]
        if batch and not 1 <= len(items) <= MAX_BATCH:
            return _bad_request(f"A batch holds 1 to {MAX_BATCH} operations", media)
        operations = [_operation(p) for p in items]
    except ValueError as error:
        return _bad_request(str(error), media)

    if not IN_FLIGHT.enter():
        return _overloaded(media)
    try:
        return await _run(request, executor, ctx, operations, batch, media)
    finally:
        IN_FLIGHT.leave()


def _overloaded(media: str) -> Response:
    error = coded(
        "This server process is at its limit of requests in flight; retry in a second",
        "OVERLOADED",
    )
    overloaded.inc()
    return _response({"errors": [format_error(error)]}, 503, media, {"Retry-After": "1"})


async def _run(
    request: Request,
    executor: Executor,
    ctx: Context,
    operations: list[Operation],
    batch: bool,
    media: str,
) -> Response:
    results: list[dict[str, Any]] = []
    status = 200
    for op in operations:
        if request.method == "GET" and _names_a_mutation(executor, op):
            return _bad_request(
                "Mutations are not allowed over GET; use POST",
                media,
                405,
                Allow="POST",
                **ctx.response_headers,
            )
        try:
            results.append(await executor.run(op, ctx, allow_mutations=request.method != "GET"))
        except RequestError as error:
            results.append({"errors": [format_error(e) for e in error.errors]})
            if error.status == 405:
                return _response(results[-1], 405, media, {"Allow": "POST", **ctx.response_headers})
            if media == GRAPHQL_RESPONSE or error.status not in (400,):
                status = error.status if not batch else status
        except ApiError as error:
            results.append({"errors": [format_error(error)]})
            status = _status_for(error) if not batch else status
    cacheable = status == 200 and not any("errors" in r for r in results)
    headers = {**ctx.response_headers, **cache_headers(request, cacheable)}
    return _response(results if batch else results[0], status, media, headers)


def _names_a_mutation(executor: Executor, op: Operation) -> bool:
    """Whether the operation a request selects is a mutation, judged from the parsed document
    alone: over GET that is a 405 whatever else is wrong with it (even with no Mutation type)."""
    if not op.query:
        return False
    document = executor.prepare(op.query).document
    if document is None:
        return False
    operations = [d for d in document.definitions if isinstance(d, OperationDefinitionNode)]
    if op.operation_name is not None:
        operations = [d for d in operations if d.name and d.name.value == op.operation_name]
    return len(operations) == 1 and operations[0].operation is OperationType.MUTATION


def _status_for(error: ApiError) -> int:
    return {"RATE_LIMITED": 429, "UNAUTHENTICATED": 401, "PERSISTED_QUERY_NOT_FOUND": 200}.get(
        error.code, 400
    )
