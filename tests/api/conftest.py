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
from pathlib import Path
from typing import Any

import pytest
from tortoise import Tortoise

from models import database
from tests.conftest import BACKENDS, GraphQLClient, _exercised, _pg_exec, _Templates


@pytest.fixture(scope="module", params=BACKENDS)
async def api_db(request: pytest.FixtureRequest, _templates: _Templates) -> AsyncIterator[str]:
    """A fresh migrated database for the whole module, opened as Tortoise's default."""
    backend: str = request.param
    url = await (_templates.sqlite_url() if backend == "sqlite" else _templates.pg_url())
    await database.open_db(url, run_migrations=False)
    _exercised[backend] = _exercised.get(backend, 0) + 1
    try:
        yield backend
    finally:
        await Tortoise.close_connections()
        if backend == "postgres":
            await _pg_exec(f'DROP DATABASE IF EXISTS "{url.rsplit("/", 1)[1]}" WITH (FORCE)')
        else:
            Path(url.removeprefix("sqlite://")).unlink(missing_ok=True)


@pytest.fixture(scope="module")
async def api(api_db: str, redis_url: str) -> AsyncIterator[GraphQLClient]:
    """A GraphQL client on the real app (HTTP through httpx's ASGI transport)."""
    import httpx

    from app import create_app

    application: Any = create_app(manage_db=False, redis_url=redis_url, run_worker=False)
    async with application.router.lifespan_context(application):
        transport = httpx.ASGITransport(app=application)
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as http:
            yield GraphQLClient(http)
