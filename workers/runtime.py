"""Opening and closing Redis, the arq pool and the in-process worker for the app."""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import logging
from collections.abc import AsyncIterator, Collection
from typing import Any, Protocol

from arq.connections import ArqRedis, RedisSettings, create_pool
from redis.asyncio import Redis


class Services(Protocol):
    """The app's process-wide handles (app.Services) that this module opens and closes."""

    redis: Any
    arq: Any
    worker_task: asyncio.Task[Any] | None
    extra: dict[str, Any]


log = logging.getLogger("peergraph.workers")


def redis_settings(url: str) -> RedisSettings:
    settings = RedisSettings.from_dsn(url)
    settings.conn_timeout = 2
    settings.conn_retries = 1
    return settings


async def open_redis(url: str) -> tuple[Redis | None, ArqRedis | None]:
    """A Redis client and an arq pool, or (None, None) if Redis does not answer: the rest of
    the API keeps working and slice requests say Redis is unavailable."""
    client: Redis = Redis.from_url(url, socket_connect_timeout=2, socket_timeout=5)
    try:
        await client.ping()
        pool = await create_pool(redis_settings(url))
    except (OSError, ConnectionError, Exception) as error:
        log.warning("Redis at %s does not answer (%s); slices are unavailable", url, error)
        with contextlib.suppress(Exception):
            await client.aclose()
        return None, None
    return client, pool


#: At most one attempt this often to reopen Redis (or restart the in-process worker) after it
#: did not answer, at startup or since; requests meanwhile get SERVICE_UNAVAILABLE at once.
RECONNECT_EVERY_SECONDS = 3.0


def remember_redis(services: Services, url: str, run_worker: bool) -> None:
    """Note what the app opened at startup, so `ensure_redis` can open it again later."""
    services.extra["redis_url"] = url
    services.extra["redis_worker"] = run_worker


async def ensure_redis(services: Services) -> None:
    """Reopen Redis and the arq pool if they were not available (down when the app started or
    dropped since), and restart the in-process worker if its task ended (arq's loop stops on a
    Redis error). Throttled: one attempt per `RECONNECT_EVERY_SECONDS`, none while one runs.
    Cheap when all is well: two attribute checks."""
    url = services.extra.get("redis_url")
    task = services.worker_task
    wants_worker = bool(services.extra.get("redis_worker"))
    if not url or (
        services.redis is not None and (not wants_worker or (task is not None and not task.done()))
    ):
        return
    loop = asyncio.get_running_loop()
    if loop.time() < services.extra.get("redis_retry_at", 0.0):
        return
    services.extra["redis_retry_at"] = loop.time() + RECONNECT_EVERY_SECONDS
    if services.redis is None:
        redis, pool = await open_redis(url)
        if redis is None:
            return
        services.redis, services.arq = redis, pool
        services.extra.pop("redis_error", None)
        log.info("Redis at %s answers again; slices are available", url)
    if wants_worker and (services.worker_task is None or services.worker_task.done()):
        with contextlib.suppress(asyncio.CancelledError, Exception):
            if services.worker_task is not None:
                await services.worker_task
        services.worker_task = await start_inprocess_worker(url)


def build_worker(url: str, **overrides: Any) -> Any:
    """An arq Worker from `WorkerSettings` on the Redis at `url`, for running inside this
    process (the embedded default, and the tests, which override a few options)."""
    from arq.worker import Worker

    from workers.settings import WorkerSettings

    options: dict[str, Any] = {
        "functions": WorkerSettings.functions,
        "cron_jobs": getattr(WorkerSettings, "cron_jobs", None),
        "redis_settings": redis_settings(url),
        "on_startup": getattr(WorkerSettings, "on_startup_inprocess", None),
        "on_shutdown": getattr(WorkerSettings, "on_shutdown_inprocess", None),
        "max_jobs": getattr(WorkerSettings, "max_jobs", 4),
        "job_timeout": getattr(WorkerSettings, "job_timeout", 60),
        "max_tries": getattr(WorkerSettings, "max_tries", 3),
        "keep_result": getattr(WorkerSettings, "keep_result", 3600),
        "poll_delay": getattr(WorkerSettings, "poll_delay", 0.5),
        "queue_name": getattr(WorkerSettings, "queue_name", None),
        "handle_signals": False,
    }
    options.update(overrides)
    # arq keeps each cron job's next run on the CronJob object: a worker of its own gets copies,
    # so workers built in one process (a restarted in-process worker, tests) do not share them
    options["cron_jobs"] = [
        dataclasses.replace(job, next_run=None) for job in options["cron_jobs"] or ()
    ] or None
    return Worker(**options)


@contextlib.asynccontextmanager
async def running_worker(url: str, **overrides: Any) -> AsyncIterator[Any]:
    """`build_worker` running as a task until the block ends."""
    worker = build_worker(url, **overrides)
    task = asyncio.create_task(worker.async_run())
    try:
        yield worker
    finally:
        await close_worker(worker)
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError, Exception):
            await task


async def close_worker(worker: Any) -> None:
    """Stop an in-process arq worker. arq's `close` cancels the jobs in flight (arq runs them
    again later) and then gathers them, so a job cut short re-raises its CancelledError here:
    that cancellation is the job's, not the caller's, unless the caller is being cancelled."""
    try:
        await worker.close()
    except asyncio.CancelledError:
        current = asyncio.current_task()
        if current is not None and current.cancelling():
            raise


async def start_inprocess_worker(url: str) -> asyncio.Task[Any] | None:
    """Run the arq worker inside this process (the embedded default)."""
    from workers.settings import WorkerSettings

    if not getattr(WorkerSettings, "functions", None):
        return None
    worker = build_worker(url)
    task = asyncio.create_task(worker.async_run(), name="arq-inprocess-worker")
    setattr(task, "_peergraph_worker", worker)  # noqa: B010
    return task


async def close_services(services: Services) -> None:
    task = services.worker_task
    if task is not None:
        worker = getattr(task, "_peergraph_worker", None)
        if worker is not None:
            await close_worker(worker)
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError, Exception):
            await task
        services.worker_task = None
    if services.arq is not None:
        await services.arq.aclose()
        services.arq = None
    if services.redis is not None:
        await services.redis.aclose()
        services.redis = None


async def announce_data_change(nodes: Collection[tuple[str, int]] | None = None) -> bool:
    """Make stale, in the Redis the API reads (`REDIS_URL`, else the embedded Redis of a
    `peergraph serve` running on this var directory), the cached slices that show one of `nodes`
    (the entities a write changed: workers/freshness.py), or every slice (`nodes` None: the
    data version is bumped). With neither Redis there is nothing to tell (the embedded Redis
    bumps the version when it starts: it cannot see what changed while it was down). False,
    with a warning that says what follows, when that Redis did not answer: slices cached there
    stay current until their TTL."""
    import settings
    from workers import keys
    from workers.embedded import running_embedded_url
    from workers.freshness import mark_changed

    url = settings.REDIS_URL or running_embedded_url()
    if not url:
        return True
    client: Redis = Redis.from_url(url, socket_connect_timeout=2, socket_timeout=5)
    try:
        if nodes is None:
            await keys.bump_data_version(client)
        else:
            await mark_changed(client, nodes)
    except Exception as error:
        if settings.REDIS_URL:
            log.warning(
                "Redis at %s did not answer (%s), so graph slices cached there before this"
                " change can be served for up to %d s more (PEERGRAPH_SLICE_TTL_SECONDS);"
                " run `peergraph invalidate-slices` once Redis is back to make them stale now",
                url,
                error,
                keys.SLICE_TTL_SECONDS,
            )
            return False
        return True  # a leftover URL of a stopped embedded server: it bumps when it starts
    finally:
        await client.aclose()
    return True
