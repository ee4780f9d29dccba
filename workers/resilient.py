"""`peergraph worker`: the arq worker, kept running while Redis comes and goes.

arq's own loop ends with a ConnectionError when Redis goes away, and `arq.run_worker` then exits:
slices stayed PENDING until someone restarted the process. Here the database is opened once, and
each arq Worker (workers.runtime.build_worker) runs until Redis fails; the worker is then
discarded (its jobs are cancelled: arq runs them again, their tries counted) and a new one connects
after a backoff that doubles from `WORKER_RECONNECT_MIN_SECONDS` to `WORKER_RECONNECT_MAX_SECONDS`
(reset once a worker ran for a minute). SIGTERM or SIGINT stop it at any point, as arq would.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
from typing import Any

from redis.exceptions import RedisError

import settings
from workers.runtime import build_worker

log = logging.getLogger("peergraph.workers")

#: A worker that ran this long before Redis failed starts the backoff over.
HEALTHY_AFTER_SECONDS = 60.0
REDIS_FAILURES = (RedisError, OSError, ConnectionError, asyncio.TimeoutError)


async def _discard(worker: Any) -> None:
    """Drop a worker whose Redis failed: cancel its jobs, close its pool, ignore Redis errors."""
    for task in list(worker.tasks.values()):
        task.cancel()
    await asyncio.gather(*worker.tasks.values(), return_exceptions=True)
    pool = getattr(worker, "_pool", None)
    if pool is not None:
        with contextlib.suppress(Exception):
            await pool.close(close_connection_pool=True)


async def run(url: str, **overrides: Any) -> int:
    """Run workers on the Redis at `url` until SIGTERM/SIGINT; 0 on a clean stop."""
    from models import database

    loop = asyncio.get_running_loop()
    stop = asyncio.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    await database.open_db(None, run_migrations=False)
    log.info("worker started on %s", settings.database_url().split("@")[-1])
    delay = settings.WORKER_RECONNECT_MIN_SECONDS
    try:
        while not stop.is_set():
            # the database is this function's: the workers open and close only Redis
            worker = build_worker(url, on_startup=None, on_shutdown=None, **overrides)
            started = loop.time()
            running = asyncio.create_task(worker.async_run())
            stopping = asyncio.create_task(stop.wait())
            await asyncio.wait({running, stopping}, return_when=asyncio.FIRST_COMPLETED)
            if stopping.done():
                with contextlib.suppress(Exception, asyncio.CancelledError):
                    await worker.close()
                running.cancel()
                with contextlib.suppress(Exception, asyncio.CancelledError):
                    await running
                break
            stopping.cancel()
            error = running.exception()
            if error is not None and not isinstance(error, REDIS_FAILURES):
                await _discard(worker)
                raise error
            await _discard(worker)
            if loop.time() - started >= HEALTHY_AFTER_SECONDS:
                delay = settings.WORKER_RECONNECT_MIN_SECONDS
            log.warning(
                "Redis at %s went away (%s); reconnecting in %.1f s",
                url,
                error or "the worker stopped",
                delay,
            )
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), delay)
            delay = min(delay * 2, settings.WORKER_RECONNECT_MAX_SECONDS)
    finally:
        await database.close_db()
    return 0
