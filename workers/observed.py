"""Every arq job, measured and logged: `observed(fn)` wraps a job function so that its duration
and outcome go to Prometheus (resolvers/telemetry/metrics.py) and one log line, and its log lines
carry the id of the request that enqueued it (the `request_id` keyword the API passes to
`enqueue_job`)."""

from __future__ import annotations

import asyncio
import functools
import logging
import time
from collections.abc import Awaitable, Callable
from typing import Any

from arq import Retry
from arq.typing import WorkerCoroutine

from resolvers.telemetry import context, metrics
from workers import keys

log = logging.getLogger("peergraph.jobs")

#: A job's string result that is its outcome (compute_slice's); anything else is `ok`.
OUTCOMES = frozenset({"ready", "failed", "cached"})

Job = Callable[..., Awaitable[Any]]


def observed(fn: Job) -> WorkerCoroutine:
    name = getattr(fn, "__name__", "job")

    @functools.wraps(fn)
    async def run(ctx: dict[str, Any], *args: Any, request_id: str | None = None, **kw: Any) -> Any:
        job = context.JobInfo(str(ctx.get("job_id") or "-"), name, request_id)
        token = context.JOB.set(job)
        outcome = "error"
        started = time.perf_counter()
        try:
            result = await fn(ctx, *args, **kw)
            outcome = result if isinstance(result, str) and result in OUTCOMES else "ok"
            return result
        except Retry:
            outcome = "retry"
            raise
        except asyncio.CancelledError:
            outcome = "cancelled"
            raise
        finally:
            context.JOB.reset(token)
            _record(job, ctx, outcome, time.perf_counter() - started)

    coroutine: WorkerCoroutine = run
    return coroutine


def _record(job: context.JobInfo, ctx: dict[str, Any], outcome: str, seconds: float) -> None:
    metrics.JOB_SECONDS.labels(job.function, outcome).observe(seconds)
    if job.function == keys.COMPUTE_JOB:
        metrics.SLICE_COMPUTATIONS.labels(outcome).inc()
    fields: dict[str, Any] = {
        "jobId": job.job_id,
        "function": job.function,
        "try": int(ctx.get("job_try") or 1),
        "outcome": outcome,
        "durationMs": round(seconds * 1000, 2),
    }
    if job.request_id:
        fields["requestId"] = job.request_id
    level = logging.WARNING if outcome in ("error", "failed") else logging.INFO
    log.log(
        level,
        "job %s %s try=%d %s %.1fms",
        job.function,
        job.job_id,
        fields["try"],
        outcome,
        fields["durationMs"],
        extra=fields,
    )
