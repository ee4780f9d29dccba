"""Fixtures for the query API tests: one database per test module and backend, built once.

Most API tests only read. Each module builds its graph with the factories in a module-scoped
fixture (`api_db`, then the module's own `graph` fixture) and every test of the module queries
it through `api` (a `GraphQLClient` on the real app over HTTP). That keeps the suite fast on
PostgreSQL, where creating and dropping a database per test costs about a second. A module that
writes must use the function-scoped `db`/`gql` fixtures of tests/conftest.py instead, never both
kinds in one module (they share Tortoise's one default connection).
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest

from tests.conftest import BACKENDS, GraphQLClient, _Templates, fresh_database
from workers import keys


@pytest.fixture(scope="module", params=BACKENDS)
async def api_db(request: pytest.FixtureRequest, _templates: _Templates) -> AsyncIterator[str]:
    """A fresh migrated database for the whole module, opened as Tortoise's default."""
    async with fresh_database(_templates, request.param) as backend:
        yield backend


class ApiClient(GraphQLClient):
    """A `GraphQLClient` that sets the response's top-level `extensions` (cost and budget,
    tested in tests/partners) aside in `last_extensions`, so tests compare data and errors."""

    last_extensions: dict[str, Any] | None = None

    async def __call__(
        self,
        query: str,
        variables: dict[str, Any] | None = None,
        *,
        headers: dict[str, str] | None = None,
    ) -> dict[str, Any]:
        body = await super().__call__(query, variables, headers=headers)
        self.last_extensions = body.pop("extensions", None) if isinstance(body, dict) else None
        return body


@pytest.fixture(scope="module")
async def api(api_db: str, redis_url: str) -> AsyncIterator[GraphQLClient]:
    """A GraphQL client on the real app (HTTP through httpx's ASGI transport)."""
    import httpx
    from redis.asyncio import Redis

    import settings
    from app import create_app

    # these tests measure the query API, not the hourly budgets (tests/partners does): start
    # from no spending and give the anonymous caller room for a module's worth of requests
    client: Any = Redis.from_url(redis_url)
    async for key in client.scan_iter(keys.BUDGET_PREFIX + "*"):
        await client.delete(key)
    await client.aclose()
    application: Any = create_app(manage_db=False, redis_url=redis_url, run_worker=False)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(settings, "BUDGET_ANONYMOUS", 10**9)
        async with application.router.lifespan_context(application):
            transport = httpx.ASGITransport(app=application)
            async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as http:
                yield ApiClient(http)
