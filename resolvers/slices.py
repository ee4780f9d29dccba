"""Graph slices, read-through: Redis GET hit → READY (no database); miss → one arq job whose id
is the slice key → PENDING with `retryAfterMs`. Redis down → `SERVICE_UNAVAILABLE`, never a 5xx,
and the next request tries Redis again (redis-py reconnects by itself).

The subscription path (`watch`) subscribes to the slice's pub/sub channel (on the process's one
shared pub/sub connection) before it looks, so it cannot miss the worker's announcement; it
re-checks Redis (never the database) every few seconds in case a job was lost, and gives up with
FAILED after the longest a job can take.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import orjson
from arq.constants import job_key_prefix
from arq.jobs import deserialize_job
from redis.exceptions import RedisError

from resolvers.errors import BadUserInput, InvalidId, ServiceUnavailable
from resolvers.ids import from_global_id, parse_external, row_id
from resolvers.telemetry.context import request_id
from resolvers.telemetry.metrics import slice_lookup
from workers import freshness, keys
from workers.slices import (
    DEFAULT_EDGE_KINDS,
    NODE_KINDS,
    OutOfLimits,
    SliceSpec,
    SliceStatus,
    check_limits,
    record_failure,
)

if TYPE_CHECKING:
    from resolvers.context import Context

REDIS_ERRORS = (RedisError, OSError, ConnectionError, TimeoutError)
UNAVAILABLE = (
    "Graph slices are unavailable: the slice cache (Redis) does not answer. The rest of the API "
    "works; retry the slice later."
)
#: How often a subscription re-checks Redis while it waits for the worker's message.
RECHECK_SECONDS = 5.0
#: Budget points (docs/partners.md): `Query.graphSlice` declares POLL_POINTS, what a cached read
#: or a poll of a slice already being computed costs; a request that starts a computation pays
#: the rest of COMPUTE_POINTS on top, charged before the job is enqueued.
POLL_POINTS = 1
COMPUTE_POINTS = 10
COMPUTE_SURCHARGE = COMPUTE_POINTS - POLL_POINTS


@dataclass
class SliceState:
    digest: str
    status: SliceStatus
    #: the first of the slice's centers, "Kind:id"
    center: str | None = None
    retry_after_ms: int | None = None
    data: dict[str, Any] | None = None
    key: str | None = None

    @property
    def error(self) -> str | None:
        return None if self.data is None else self.data.get("error")


async def _node_key(ctx: Context, value: str, what: str) -> tuple[str, int] | None:
    """A global or external id → (type, id); None when an external id names nothing."""
    if not isinstance(value, str) or not value.strip():
        raise InvalidId(f"`{what}` must hold non-empty ids")
    external = parse_external(value)
    if external is not None:
        hit = await ctx.loaders.external.load((external, None))
        if hit is not None and hit[0] not in NODE_KINDS:  # a source or a funder
            raise InvalidId(f"`{what}` takes ids of authors, works, topics or institutions")
        return None if hit is None else (hit[0], int(hit[1]))
    gid = from_global_id(value)
    if gid.type not in NODE_KINDS:
        raise InvalidId(f"`{what}` takes ids of authors, works, topics or institutions")
    return gid.type, row_id(gid)


async def build_spec(
    ctx: Context,
    *,
    center: str | None = None,
    centers: list[str] | None = None,
    radius: int = 1,
    edge_kinds: list[str] | None = None,
    max_nodes: int = 50,
    exclude: list[str] | None = None,
    year_from: int | None = None,
    year_to: int | None = None,
    min_similarity: int = 1,
) -> SliceSpec | SliceState:
    """Validate and normalize a slice input (a FAILED state when a center names nothing).
    `center` and `centers` together are one set of seeds, deduplicated."""
    given = ([center] if center is not None else []) + list(centers or [])
    try:
        check_limits(
            radius=radius,
            max_nodes=max_nodes,
            exclude=len(exclude or ()),
            edge_kinds=None if edge_kinds is None else tuple(edge_kinds),
            year_from=year_from,
            year_to=year_to,
            centers=len(set(given)),
            min_similarity=min_similarity,
        )
    except OutOfLimits as error:
        limit: dict[str, Any] = {} if error.maximum is None else {"maximum": error.maximum}
        raise BadUserInput(error.message, argument=error.argument, **limit) from None
    nodes = []
    for value in given:
        node = await _node_key(ctx, value, "center")
        if node is None:
            return SliceState(
                digest="",
                status=SliceStatus.FAILED,
                data={"error": f"The center {value} names nothing"},
            )
        nodes.append(node)
    excluded = [await _node_key(ctx, v, "exclude") for v in exclude or []]
    return SliceSpec(
        centers=tuple(nodes),
        radius=radius,
        edge_kinds=tuple(sorted(set(edge_kinds or DEFAULT_EDGE_KINDS))),
        max_nodes=max_nodes,
        exclude=tuple(sorted({n for n in excluded if n is not None})),
        year_from=year_from,
        year_to=year_to,
        min_similarity=min_similarity,
    )


def _clients(ctx: Context) -> tuple[Any, Any]:
    if ctx.redis is None or ctx.arq is None:
        raise ServiceUnavailable(UNAVAILABLE)
    return ctx.redis, ctx.arq


async def _charge_compute(ctx: Context, points: int) -> None:
    """Spend `points` more of the caller's budget for starting a computation (RATE_LIMITED when
    it cannot be covered: then nothing is enqueued). Only metered requests pay: the pre-execution
    gate left `extensions.cost`, which is updated to the operation's total."""
    before = ctx.response_extensions.get("cost")
    if points <= 0 or before is None:
        return
    from resolvers.budget import spend

    charge = await spend(ctx, points)
    ctx.response_extensions["cost"] = {
        **charge.extensions(),
        "requested": before["requested"] + points,
        "nodeCount": before["nodeCount"],
    }


async def _lookup(
    ctx: Context, spec_raw: bytes, digest: str, count: bool, surcharge: int
) -> SliceState:
    redis, arq = _clients(ctx)
    version = await keys.data_version(redis)
    key = keys.slice_key(digest, version)
    raw, queued = await _read(redis, key, digest, spec_raw if count else None)
    center = orjson.loads(spec_raw)["centers"][0]
    slice_lookup(hit=raw is not None)
    if raw is not None:
        data: dict[str, Any] = orjson.loads(raw)
        return SliceState(digest, SliceStatus(data["status"]), center, None, data, key)
    if not queued:
        await _charge_compute(ctx, surcharge)
    job = await arq.enqueue_job(
        keys.COMPUTE_JOB,
        key,
        spec_raw.decode(),
        request_id=request_id(),  # workers/observed.py: the job's log lines carry it
        _job_id=key,
        _queue_name=keys.QUEUE_NAME,
    )
    if job is None and await _stuck(redis, key):
        error = "The slice's worker stopped; it will be retried, or request the slice again later"
        await record_failure(redis, key, error)
        return SliceState(digest, SliceStatus.FAILED, center, None, {"error": error}, key)
    return SliceState(digest, SliceStatus.PENDING, center, keys.RETRY_AFTER_MS, None, key)


#: GET the slice (dropped when an entity it shows changed since it began: workers/freshness.py),
#: see whether its job is queued, and count the request towards the slice's popularity (the
#: warm-up cron's "most requested") unless it only polls a slice being computed: a slow slice
#: would otherwise gain a point per poll. One round trip, as a pipeline was.
_READ_LUA = (
    freshness.STALE_FUNCTION
    + """
local raw = redis.call('GET', KEYS[1])
if raw and stale(KEYS[5], ARGV[4], KEYS[6]) then
  redis.call('DEL', KEYS[1], KEYS[5])
  raw = false
end
local queued = redis.call('EXISTS', KEYS[2])
if ARGV[1] ~= '' and (raw or queued == 0) then
  redis.call('ZINCRBY', KEYS[3], 1, ARGV[2])
  redis.call('SET', KEYS[4], ARGV[1], 'EX', ARGV[3])
end
return {queued, raw}
"""
)


async def _read(redis: Any, key: str, digest: str, spec_raw: bytes | None) -> tuple[Any, bool]:
    """(the stored slice or None, whether its job is queued); counts it when `spec_raw`."""
    names = (
        key,
        job_key_prefix + key,
        keys.POPULAR_KEY,
        keys.spec_key(digest),
        keys.deps_key(key),
        keys.CHANGE_SEQ_KEY,
    )
    args = (spec_raw or b"", digest, keys.SPEC_TTL_SECONDS, keys.CHANGED_PREFIX)
    result = await freshness.run_script(redis, _READ_LUA, names, args)
    # a nil (or false) at the end of a Lua table is dropped: no second item, no stored slice
    return (result[1] if len(result) > 1 else None), bool(result[0])


async def _stuck(redis: Any, key: str) -> bool:
    """The slice's job was enqueued longer ago than any run of it can take (its worker died
    and arq has not handed it to another worker yet)."""
    raw = await redis.get(job_key_prefix + key)
    if raw is None:
        return False
    enqueued_ms = deserialize_job(raw).enqueue_time.timestamp() * 1000
    return time.time() * 1000 - enqueued_ms > keys.pending_limit_seconds() * 1000


async def request_slice(
    ctx: Context, spec: SliceSpec, *, count: bool = True, surcharge: int = COMPUTE_SURCHARGE
) -> SliceState:
    """The slice if cached, else PENDING after making sure one job computes it (charging
    `surcharge` points when this request is the one that enqueues it)."""
    spec_raw = keys.spec_json(spec.to_dict())
    try:
        return await _lookup(ctx, spec_raw, keys.spec_digest(spec.to_dict()), count, surcharge)
    except REDIS_ERRORS as error:
        raise ServiceUnavailable(UNAVAILABLE, retryAfterMs=1000) from error


async def slice_by_digest(ctx: Context, digest: str) -> SliceState | None:
    """node(id) for a GraphSlice id: None when the id's input is no longer known."""
    redis, _arq = _clients(ctx)
    try:
        raw = await redis.get(keys.spec_key(digest))
    except REDIS_ERRORS as error:
        raise ServiceUnavailable(UNAVAILABLE) from error
    if raw is None:
        return None
    return await request_slice(ctx, SliceSpec.from_dict(orjson.loads(raw)), count=False)


async def watch(ctx: Context, spec: SliceSpec) -> AsyncIterator[SliceState]:
    """PENDING (if not ready), then READY or FAILED; woken by the slice's channel on the
    process's shared pub/sub connection (resolvers/pubsub.py)."""
    from resolvers.pubsub import HubBroken, hub_for, wait_message

    redis, _arq = _clients(ctx)
    loop = asyncio.get_running_loop()
    hub = hub_for(redis)
    channel: str | None = None
    inbox: asyncio.Queue[Any] | None = None
    try:
        try:
            version = await keys.data_version(redis)
            digest = keys.spec_digest(spec.to_dict())
            channel = keys.channel(keys.slice_key(digest, version))
            inbox = await hub.add(channel)
            state = await request_slice(ctx, spec)
            yield state
            deadline = loop.time() + keys.pending_limit_seconds() + 5
            while state.status is SliceStatus.PENDING:
                if loop.time() > deadline:
                    error = "The slice did not finish in time; request it again"
                    yield SliceState(
                        state.digest, SliceStatus.FAILED, state.center, data={"error": error}
                    )
                    return
                await wait_message(inbox, RECHECK_SECONDS)
                state = await request_slice(ctx, spec, count=False)
                if state.key and keys.channel(state.key) != channel:
                    await hub.remove(channel, inbox)
                    channel = keys.channel(state.key)
                    inbox = await hub.add(channel)
                if state.status is not SliceStatus.PENDING:
                    yield state
        except (*REDIS_ERRORS, HubBroken) as error:
            raise ServiceUnavailable(UNAVAILABLE) from error
    finally:
        if channel is not None and inbox is not None:
            with contextlib.suppress(*REDIS_ERRORS):
                await hub.remove(channel, inbox)
