"""Every Redis key, channel, TTL and version peergraph uses, in one place: all under `PREFIX`
(arq's own keys, `arq:job:…`, `arq:in-progress:…`, `arq:retry:…`, `arq:result:…`, are arq's).

    peergraph:budget:{caller}            a caller's points spent in its window (resolvers/budget.py)
    peergraph:apq:{sha256}               an automatic persisted query's text (server/persisted.py)
    peergraph:queue                      the arq queue of every peergraph job
    peergraph:data-version               INCR when every cached slice must go stale (a bulk
                                         import, a repaired import, `invalidate-slices`)
    peergraph:change-seq                 INCR on every write that names the entities it changed
    peergraph:changed:{Kind}:{id}        the change-seq of the entity's last change; TTL
    peergraph:slice-deps:v{version}:{digest}  "seq Kind:id …": the change-seq a slice began at and
                                         the entities it shows (workers/freshness.py); TTL
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
and a stale slice is never served as current. Finer: a write that names the entities it changed
marks them, and a read drops a slice that shows a marked entity (workers/freshness.py). The TTLs
and the retry policy are settings, read in settings.py.

Before 0.2 budgets and persisted queries lived under `pg:budget:` and `pg:apq:`. Keys left there
are never read again and expire with their TTLs (a budget window, `PEERGRAPH_APQ_TTL_SECONDS`).
"""

from __future__ import annotations

import hashlib
from typing import Any

import orjson

import settings

PREFIX = "peergraph"
#: `budget_key(caller)`: one caller's budget counter (resolvers/budget.py)
BUDGET_PREFIX = f"{PREFIX}:budget:"
#: `apq_key(sha256)`: an automatic persisted query (server/persisted.py)
APQ_PREFIX = f"{PREFIX}:apq:"
DATA_VERSION_KEY = f"{PREFIX}:data-version"
CHANGE_SEQ_KEY = f"{PREFIX}:change-seq"
#: `CHANGED_PREFIX + "Author:12"`: the change-seq of that entity's last change
CHANGED_PREFIX = f"{PREFIX}:changed:"
POPULAR_KEY = f"{PREFIX}:slice-popular"
COMPUTED_KEY = f"{PREFIX}:slice-stats:computed"
#: The arq queue every peergraph job goes to (workers.settings.WorkerSettings.queue_name).
QUEUE_NAME = f"{PREFIX}:queue"
#: The arq function that computes one slice.
COMPUTE_JOB = "compute_slice"

# The slice settings (settings.py), named here as the code that uses them knows them.
SLICE_TTL_SECONDS: int = settings.SLICE_TTL_SECONDS
FAILED_TTL_SECONDS: int = settings.SLICE_FAILED_TTL_SECONDS
SPEC_TTL_SECONDS: int = settings.SLICE_SPEC_TTL_SECONDS
COMPUTE_TIMEOUT_SECONDS: float = settings.SLICE_TIMEOUT_SECONDS
MAX_TRIES: int = settings.SLICE_MAX_TRIES
RETRY_DELAY_MS: int = settings.SLICE_RETRY_DELAY_MS
RETRY_AFTER_MS: int = settings.SLICE_RETRY_AFTER_MS
WARM_TOP_N: int = settings.SLICE_WARM_TOP
SIMILAR_EDGES_PER_NODE: int = settings.SLICE_SIMILAR_EDGES_PER_NODE
REFRESH_TIMEOUT_SECONDS: int = settings.REFRESH_TIMEOUT_SECONDS
#: How many request counters the popularity set keeps.
POPULAR_KEEP = 1000


def budget_key(caller: str) -> str:
    return BUDGET_PREFIX + caller


def apq_key(digest: str) -> str:
    return APQ_PREFIX + digest


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


def spec_key(digest: str) -> str:
    return f"{PREFIX}:slice-spec:{digest}"


def deps_key(key: str) -> str:
    """What the slice `key` depends on: the change-seq it began at and the entities it shows."""
    return f"{PREFIX}:slice-deps:" + key.removeprefix(f"{PREFIX}:slice:")


def changed_key(entity: str) -> str:
    return CHANGED_PREFIX + entity


def changed_ttl_seconds() -> int:
    """How long an entity's change mark is kept: a slice that began before the change can be
    stored up to one pending limit later and then lives one slice TTL."""
    return SLICE_TTL_SECONDS + int(pending_limit_seconds()) + 60


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
