"""arq's WorkerSettings for `peergraph worker` (and the in-process worker of the embedded
default): the slice job, the cron jobs, and the retry policy.

Retry policy: a slice job that raises is retried after `RETRY_DELAY_MS * try` until
`keys.MAX_TRIES` tries ran, then recorded FAILED (workers/slices.py). arq itself may run the job
once more than that (a worker killed mid-job, or arq's own timeout): that extra try only records
FAILED. Cron jobs are idempotent and unique across workers (arq gives each run one job id).
"""

from __future__ import annotations

import logging
from typing import Any

from arq import cron, func

import settings as app_settings
from workers import freshness, keys
from workers.observed import observed
from workers.slices import compute_slice

log = logging.getLogger("peergraph.workers")


async def warm_popular_slices(ctx: dict[str, Any]) -> int:
    """Enqueue the most requested slices that are not cached at the current data version, or
    whose cached copy shows an entity changed since (workers/freshness.py)."""
    redis = ctx["redis"]
    version = await keys.data_version(redis)
    digests = await redis.zrevrange(keys.POPULAR_KEY, 0, keys.WARM_TOP_N - 1)
    enqueued = 0
    for raw in digests:
        digest = raw.decode() if isinstance(raw, bytes) else str(raw)
        spec = await redis.get(keys.spec_key(digest))
        key = keys.slice_key(digest, version)
        if spec is None:
            continue
        if not await freshness.drop_if_stale(redis, key) and await redis.exists(key):
            continue
        job = await redis.enqueue_job(
            keys.COMPUTE_JOB, key, spec.decode(), _job_id=key, _queue_name=keys.QUEUE_NAME
        )
        enqueued += job is not None
    await redis.zremrangebyrank(keys.POPULAR_KEY, 0, -keys.POPULAR_KEEP - 1)
    return enqueued


async def refresh_collaborations(ctx: dict[str, Any]) -> str:
    """Recompute the collaboration and author-topic aggregates (a full, idempotent refresh)."""
    from importers.refresh import refresh_aggregates

    await refresh_aggregates()
    return "refreshed"


async def on_startup(ctx: dict[str, Any]) -> None:
    """`peergraph worker`: open the database named by DATABASE_URL (migrated by `migrate`)."""
    from models import database

    await database.open_db(None, run_migrations=False)
    log.info("worker started on %s", app_settings.database_url().split("@")[-1])


async def on_shutdown(ctx: dict[str, Any]) -> None:
    from models import database

    await database.close_db()


def _redis_settings() -> Any:
    if not app_settings.REDIS_URL:
        return None
    from workers.runtime import redis_settings

    return redis_settings(app_settings.REDIS_URL)


class WorkerSettings:
    functions: list[Any] = [
        func(
            observed(compute_slice),
            name=keys.COMPUTE_JOB,
            max_tries=keys.MAX_TRIES + 1,
            keep_result=0,
            timeout=keys.job_timeout_seconds(),
        ),
    ]
    cron_jobs: list[Any] = [
        cron(
            observed(warm_popular_slices),
            minute=set(range(0, 60, 5)),
            timeout=keys.job_timeout_seconds(),
            keep_result=0,
        ),
        cron(
            observed(refresh_collaborations),
            hour={3},
            minute={17},
            timeout=keys.REFRESH_TIMEOUT_SECONDS,
            keep_result=0,
        ),
    ]
    redis_settings: Any = _redis_settings()
    on_startup = on_startup
    on_shutdown = on_shutdown
    #: the in-process worker shares the app's database connection
    on_startup_inprocess = None
    on_shutdown_inprocess = None
    max_jobs = 4
    poll_delay = 0.1
    job_timeout = keys.job_timeout_seconds()
    max_tries = keys.MAX_TRIES + 1
    keep_result = 0
    queue_name = keys.QUEUE_NAME
