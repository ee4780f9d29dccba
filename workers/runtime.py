"""Opening and closing Redis, the arq pool and the in-process worker for the app."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from typing import TYPE_CHECKING, Any

from arq.connections import ArqRedis, RedisSettings, create_pool
from redis.asyncio import Redis

if TYPE_CHECKING:
    from app import Services

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


async def start_inprocess_worker(url: str) -> asyncio.Task[Any] | None:
    """Run the arq worker inside this process (the embedded default)."""
    from arq.worker import Worker

    from workers.settings import WorkerSettings

    if not getattr(WorkerSettings, "functions", None):
        return None
    worker = Worker(
        functions=WorkerSettings.functions,
        cron_jobs=getattr(WorkerSettings, "cron_jobs", None),
        redis_settings=redis_settings(url),
        on_startup=getattr(WorkerSettings, "on_startup_inprocess", None),
        on_shutdown=getattr(WorkerSettings, "on_shutdown_inprocess", None),
        max_jobs=getattr(WorkerSettings, "max_jobs", 4),
        job_timeout=getattr(WorkerSettings, "job_timeout", 60),
        max_tries=getattr(WorkerSettings, "max_tries", 3),
        keep_result=getattr(WorkerSettings, "keep_result", 3600),
        poll_delay=getattr(WorkerSettings, "poll_delay", 0.5),
        queue_name=getattr(WorkerSettings, "queue_name", None),
        handle_signals=False,
    )
    task = asyncio.create_task(worker.async_run(), name="arq-inprocess-worker")
    task.add_done_callback(lambda t: None)
    setattr(task, "_peergraph_worker", worker)  # noqa: B010
    return task


async def close_services(services: Services) -> None:
    task = services.worker_task
    if task is not None:
        worker = getattr(task, "_peergraph_worker", None)
        if worker is not None:
            await worker.close()
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
