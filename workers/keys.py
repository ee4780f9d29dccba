"""Every Redis key, channel, TTL and version the graph slices use, in one place.

    peergraph:data-version               INCR on every write that changes entities
    peergraph:slice:v{version}:{digest}  the slice JSON (READY, or FAILED with its error); TTL
    peergraph:slice-spec:{digest}        the normalized input behind a slice id (node(id), cron)
    peergraph:slice-events:{key}         pub/sub: one message when the slice is READY or FAILED
    peergraph:slice-popular              sorted set: requests per slice digest (cron warms the top)
    peergraph:slice-stats:computed       how many slices the workers computed (a counter)
    peergraph:auth-attempts:{action}:{who}  sign-up / log-in attempts in the current window
    peergraph:apq-bytes:{caller}         bytes of persisted queries the caller stored this window
    peergraph:apq-bytes-total            bytes of persisted queries all callers stored this period
    peergraph:tokens-revoked             pub/sub: JSON ids of Bearer tokens just revoked

`digest` hashes the normalized input alone, so a slice's global id survives a data-version bump;
the cache key (and arq job id) adds the version, so a bump makes every cached slice unreachable
and a stale slice is never served as current. The TTLs and the retry policy are settings, read
once from the environment through `settings.config`.
"""

from __future__ import annotations

import hashlib
from typing import Any

import orjson

from settings import config

PREFIX = "peergraph"
DATA_VERSION_KEY = f"{PREFIX}:data-version"
POPULAR_KEY = f"{PREFIX}:slice-popular"
COMPUTED_KEY = f"{PREFIX}:slice-stats:computed"
#: The arq queue every peergraph job goes to (workers.settings.WorkerSettings.queue_name).
QUEUE_NAME = f"{PREFIX}:queue"
#: The arq function that computes one slice.
COMPUTE_JOB = "compute_slice"

#: Seconds a READY slice stays cached.
SLICE_TTL_SECONDS: int = config("PEERGRAPH_SLICE_TTL_SECONDS", cast=int, default=3600)
#: Seconds a FAILED answer is kept; the next request after that computes again.
FAILED_TTL_SECONDS: int = config("PEERGRAPH_SLICE_FAILED_TTL_SECONDS", cast=int, default=30)
#: Seconds the spec behind a slice id is kept (node(id) answers null after that).
SPEC_TTL_SECONDS: int = config("PEERGRAPH_SLICE_SPEC_TTL_SECONDS", cast=int, default=7 * 86400)
#: Seconds one computation may take before it counts as a failed try.
COMPUTE_TIMEOUT_SECONDS: float = config("PEERGRAPH_SLICE_TIMEOUT_SECONDS", cast=float, default=20)
#: Tries per slice (a raised error or a timeout is retried until this many tries ran).
MAX_TRIES: int = config("PEERGRAPH_SLICE_MAX_TRIES", cast=int, default=3)
#: Delay before retry n is n times this.
RETRY_DELAY_MS: int = config("PEERGRAPH_SLICE_RETRY_DELAY_MS", cast=int, default=500)
#: What a PENDING answer tells clients to wait before polling again.
RETRY_AFTER_MS: int = config("PEERGRAPH_SLICE_RETRY_AFTER_MS", cast=int, default=300)
#: How many of the most requested slices the cron job keeps warm.
WARM_TOP_N: int = config("PEERGRAPH_SLICE_WARM_TOP", cast=int, default=50)
#: How many request counters the popularity set keeps.
POPULAR_KEEP = 1000


#: arq timeout of the aggregate-refresh cron job. arq keeps a job "in progress" for the longest
#: timeout of all its functions + 10 s, which is how long a killed worker's slice job waits before
#: another worker retries it; past `pending_limit_seconds()` the API answers FAILED meanwhile.
REFRESH_TIMEOUT_SECONDS: int = config("PEERGRAPH_REFRESH_TIMEOUT_SECONDS", cast=int, default=600)


def job_timeout_seconds() -> float:
    """arq's own timeout for a slice job: above ours, so ours fires first and is recorded."""
    return COMPUTE_TIMEOUT_SECONDS + 2


def pending_limit_seconds() -> float:
    """The longest a slice may stay PENDING: every try's timeout and retry delay, plus slack."""
    delays = sum(RETRY_DELAY_MS * n for n in range(1, MAX_TRIES)) / 1000
    return MAX_TRIES * (job_timeout_seconds() + 10) + delays + 5


def auth_attempts_key(action: str, who: str) -> str:
    """Attempts at `action` (`signUp`, `logIn`) by `who` (`ip:ADDR`, `email:SHA256`) in the
    current throttle window; expires with it (resolvers/throttle.py)."""
    return f"{PREFIX}:auth-attempts:{action}:{who}"


APQ_TOTAL_BYTES_KEY = f"{PREFIX}:apq-bytes-total"
#: pub/sub: logOut and `peergraph token revoke` publish revoked token ids; API processes close
#: the sockets signed in with them (resolvers/pubsub.py).
TOKENS_REVOKED_CHANNEL = f"{PREFIX}:tokens-revoked"


def apq_bytes_key(caller: str) -> str:
    """Bytes of automatic persisted queries `caller` (resolvers.budget.caller) stored in the
    current budget window (server/persisted.py)."""
    return f"{PREFIX}:apq-bytes:{caller}"


def spec_json(spec: dict[str, Any]) -> bytes:
    """The canonical encoding of a normalized input: same input, same bytes."""
    return orjson.dumps(spec, option=orjson.OPT_SORT_KEYS)


def spec_digest(spec: dict[str, Any]) -> str:
    return hashlib.sha256(spec_json(spec)).hexdigest()[:32]


def slice_key(digest: str, version: int) -> str:
    """The cache key of a slice, also its arq job id."""
    return f"{PREFIX}:slice:v{version}:{digest}"


def digest_of(key: str) -> str:
    return key.rsplit(":", 1)[1]


def spec_key(digest: str) -> str:
    return f"{PREFIX}:slice-spec:{digest}"


def channel(key: str) -> str:
    """The pub/sub channel that announces the end of one slice computation."""
    return f"{PREFIX}:slice-events:{key}"


async def data_version(redis: Any) -> int:
    raw = await redis.get(DATA_VERSION_KEY)
    return int(raw) if raw is not None else 0


async def bump_data_version(redis: Any) -> int:
    """Make every cached slice stale (after an import, a claim, any write to entities)."""
    version: int = await redis.incr(DATA_VERSION_KEY)
    return version
