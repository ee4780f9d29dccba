"""arq's WorkerSettings for `peergraph worker` (and the in-process worker of the embedded
default). The graph-slice jobs and cron tasks register here."""

from __future__ import annotations

from typing import Any


class WorkerSettings:
    functions: list[Any] = []
    cron_jobs: list[Any] = []
    redis_settings: Any = None
    max_jobs = 4
    job_timeout = 60
    max_tries = 3
    queue_name = "peergraph:queue"
