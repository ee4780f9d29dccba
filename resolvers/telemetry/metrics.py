"""Every Prometheus metric peergraph exports, in one place (docs/operations.md lists them).

Under `peergraph serve --workers N` each API process writes its values to files in
`PROMETHEUS_MULTIPROC_DIR` (prometheus-client's multiprocess mode; `serve` sets it to
`<PEERGRAPH_VAR_DIR>/metrics` and empties it at start), and `/metrics` adds up every process's
files, whichever process answers the scrape. A single process keeps its values in memory.
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
    multiprocess,
)

import settings
from resolvers.telemetry import context

REQUESTS = Counter(
    "peergraph_requests",
    "GraphQL requests over HTTP, by operation name, HTTP status and caller kind.",
    ["operation", "status", "caller"],
)
REQUEST_SECONDS = Histogram(
    "peergraph_request_duration_seconds",
    "Time from receiving a GraphQL HTTP request to the end of its response.",
    ["operation", "caller"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30),
)
REQUEST_SQL = Histogram(
    "peergraph_request_sql_statements",
    "SQL statements one GraphQL HTTP request ran.",
    ["operation"],
    buckets=(0, 1, 2, 3, 4, 5, 6, 8, 10, 15, 20, 30, 50, 100),
)
POINTS_SPENT = Counter(
    "peergraph_points_spent",
    "Budget points charged (query cost and slice computation surcharges), by caller kind.",
    ["caller"],
)
RATE_LIMITED = Counter(
    "peergraph_rate_limited",
    "Operations refused with RATE_LIMITED because the caller's budget could not cover them.",
    ["caller"],
)
OVERLOADED = Counter(
    "peergraph_overloaded",
    "GraphQL HTTP requests refused with OVERLOADED: the process had PEERGRAPH_MAX_IN_FLIGHT"
    " requests executing.",
)
SLICE_LOOKUPS = Counter(
    "peergraph_slice_lookups",
    "Graph slice requests: `hit` (answered from Redis) or `miss` (a computation is queued).",
    ["result"],
)
SLICE_COMPUTATIONS = Counter(
    "peergraph_slice_computations",
    "Slice jobs run by workers, by outcome: ready, failed (recorded FAILED), retry (a try"
    " failed and will be retried), cached (already there), error (the job itself raised).",
    ["outcome"],
)
JOB_SECONDS = Histogram(
    "peergraph_job_duration_seconds",
    "Duration of worker jobs, by function and outcome.",
    ["function", "outcome"],
    buckets=(0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 20, 60, 300, 600),
)
QUEUE_DEPTH = Gauge(
    "peergraph_queue_depth",
    "Jobs waiting in the arq queue (read from Redis at each scrape; -1 when Redis is down).",
    multiprocess_mode="mostrecent",
)

#: Operation names become label values: only GraphQL names, and at most this many distinct ones
#: per process (then `(other)`), so that callers cannot grow the series without bound.
MAX_OPERATION_LABELS = 200
_NAME = re.compile(r"[_A-Za-z][_0-9A-Za-z]{0,63}")
_seen: set[str] = set()


def operation_label(name: str) -> str:
    if name in _seen or name in ("-", "(batch)", "(anonymous)"):
        return name
    if not _NAME.fullmatch(name):
        return "(invalid)"
    if len(_seen) >= MAX_OPERATION_LABELS:
        return "(other)"
    _seen.add(name)
    return name


def multiprocess_dir() -> str:
    """Where `serve --workers N` keeps the processes' metric files."""
    return settings.PROMETHEUS_MULTIPROC_DIR or str(settings.VAR_DIR / "metrics")


def reset_multiprocess_dir(path: str) -> None:
    """Empty the metric files of an earlier run (their counters would add to this one's)."""
    folder = Path(path)
    # a file another process removes meanwhile is no reason to fail the start
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True, exist_ok=True)


def render() -> tuple[bytes, str]:
    """The exposition text of every metric, with its content type."""
    if settings.PROMETHEUS_MULTIPROC_DIR:
        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)  # type: ignore[no-untyped-call]
        return generate_latest(registry), CONTENT_TYPE_LATEST
    return generate_latest(REGISTRY), CONTENT_TYPE_LATEST


def record_charge(caller: str, cost: int, spent: bool) -> None:
    """A budget charge: the points spent, or a RATE_LIMITED refusal."""
    info = context.current_request()
    if spent:
        if cost > 0:
            POINTS_SPENT.labels(caller).inc(cost)
        if info is not None:
            info.cost += cost
    else:
        RATE_LIMITED.labels(caller).inc()
        if info is not None:
            info.rate_limited = True


def slice_lookup(hit: bool) -> None:
    SLICE_LOOKUPS.labels("hit" if hit else "miss").inc()
