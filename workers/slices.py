"""Computing a graph slice (the arq job `compute_slice`) and recording its outcome in Redis.

The walk: from the center, hop by hop up to `radius`, along the allowed edge kinds. At each hop
every relation (workers/slice_sql.py) offers each frontier node's strongest new neighbours, one
bounded statement per relation; the offers are taken round-robin across relations, strongest
first within each, until `maxNodes` is reached. Then two more passes over the chosen set: the
edges among the chosen and the excluded nodes, and each chosen node's neighbour count, so that
`hiddenNeighbors` (neighbours neither shown nor excluded) and `truncated` (a node closer than
`radius` has a hidden neighbour) are exact.

Outcome: READY JSON with the slice TTL, or FAILED with a clear error for a short TTL; either way
one message on the slice's pub/sub channel. Errors are retried (with a growing delay) until
`MAX_TRIES` tries ran; a worker killed mid-job leaves the job to arq, which runs it again, and the
try after the last one only records FAILED, so no slice stays PENDING forever.
"""

from __future__ import annotations

import asyncio
import logging
import time
import uuid
from collections import defaultdict
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import orjson
from arq.worker import Retry

from resolvers.ids import to_global_id
from workers import keys
from workers.slice_sql import RELATIONS, Relation, Window, degrees, labels, pairs_within, strongest

log = logging.getLogger("peergraph.slices")

EDGE_KINDS = ("AUTHORED", "COAUTHOR", "CITES", "HAS_TOPIC", "AFFILIATED")
NODE_KINDS = ("Author", "Work", "Topic", "Institution")
MAX_RADIUS = 2
MAX_NODES = 200
MAX_EXCLUDE = 500

NodeKey = tuple[str, int]


class CenterNotFound(Exception):
    """The center names nothing: FAILED at once, no retry."""


class OutOfLimits(ValueError):
    """A slice input outside the limits; `argument` is its GraphQL input field."""

    def __init__(self, argument: str, message: str, maximum: int | None = None) -> None:
        super().__init__(message)
        self.argument = argument
        self.message = message
        self.maximum = maximum


def check_limits(
    *,
    radius: int,
    max_nodes: int,
    exclude: int,
    edge_kinds: tuple[str, ...] | None,
    year_from: int | None,
    year_to: int | None,
) -> None:
    """Raise `OutOfLimits` for input a slice may not have. The API checks before it enqueues
    (BAD_USER_INPUT); `SliceSpec` checks again, so no job computes an input the API would refuse
    (a spec read back from Redis by the warm-up cron, or a job enqueued by other code)."""
    if not 1 <= radius <= MAX_RADIUS:
        raise OutOfLimits(
            "radius", f"`radius` must be between 1 and {MAX_RADIUS}, got {radius}", MAX_RADIUS
        )
    if not 1 <= max_nodes <= MAX_NODES:
        raise OutOfLimits(
            "maxNodes", f"`maxNodes` must be between 1 and {MAX_NODES}, got {max_nodes}", MAX_NODES
        )
    if exclude > MAX_EXCLUDE:
        raise OutOfLimits(
            "exclude", f"`exclude` takes at most {MAX_EXCLUDE} ids, got {exclude}", MAX_EXCLUDE
        )
    if year_from is not None and year_to is not None and year_from > year_to:
        raise OutOfLimits(
            "yearFrom", f"`yearFrom` ({year_from}) must not be after `yearTo` ({year_to})"
        )
    if edge_kinds is not None and not edge_kinds:
        raise OutOfLimits("edgeKinds", "`edgeKinds` must name at least one edge kind")
    unknown = sorted(set(edge_kinds or ()) - set(EDGE_KINDS))
    if unknown:
        raise OutOfLimits("edgeKinds", f"`edgeKinds` has unknown kinds {unknown}")


@dataclass(frozen=True)
class SliceSpec:
    """A normalized slice input: ids as (type, int id), edge kinds and exclusions sorted.
    Constructing one outside the limits raises `OutOfLimits`."""

    center: NodeKey
    radius: int = 1
    edge_kinds: tuple[str, ...] = EDGE_KINDS
    max_nodes: int = 50
    exclude: tuple[NodeKey, ...] = ()
    year_from: int | None = None
    year_to: int | None = None

    def __post_init__(self) -> None:
        check_limits(
            radius=self.radius,
            max_nodes=self.max_nodes,
            exclude=len(self.exclude),
            edge_kinds=self.edge_kinds,
            year_from=self.year_from,
            year_to=self.year_to,
        )
        if self.center[0] not in NODE_KINDS:
            raise OutOfLimits("center", f"a slice center is one of {list(NODE_KINDS)}")

    def to_dict(self) -> dict[str, Any]:
        return {
            "center": f"{self.center[0]}:{self.center[1]}",
            "radius": self.radius,
            "edgeKinds": sorted(set(self.edge_kinds)),
            "maxNodes": self.max_nodes,
            "exclude": [f"{t}:{i}" for t, i in sorted(set(self.exclude))],
            "yearFrom": self.year_from,
            "yearTo": self.year_to,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> SliceSpec:
        def node(value: str) -> NodeKey:
            kind, _, key = value.partition(":")
            return kind, int(key)

        return cls(
            center=node(data["center"]),
            radius=int(data["radius"]),
            edge_kinds=tuple(data["edgeKinds"]),
            max_nodes=int(data["maxNodes"]),
            exclude=tuple(node(v) for v in data["exclude"]),
            year_from=data.get("yearFrom"),
            year_to=data.get("yearTo"),
        )

    @property
    def window(self) -> Window:
        return self.year_from, self.year_to


def _gid(node: NodeKey) -> str:
    return to_global_id(node[0], node[1])


class _Walk:
    def __init__(self, spec: SliceSpec) -> None:
        self.spec = spec
        self.rels = [r for r in RELATIONS if r.edge in spec.edge_kinds]
        self.excluded = set(spec.exclude)
        #: chosen nodes (the center first) → (hop, weight of the edge that brought it in)
        self.chosen: dict[NodeKey, tuple[int, float | None]] = {spec.center: (0, None)}

    def ids(self, kind: str, nodes: Any) -> list[int]:
        return sorted(i for k, i in nodes if k == kind)

    async def expand(self, frontier: list[NodeKey], hop: int, budget: int) -> list[NodeKey]:
        blocked = self.chosen.keys() | self.excluded
        rels = [r for r in self.rels if self.ids(r.src, frontier)]
        offers = await asyncio.gather(
            *(
                strongest(
                    r, self.ids(r.src, frontier), self.spec.window, self.ids(r.dst, blocked), budget
                )
                for r in rels
            )
        )
        lanes: list[tuple[str, list[tuple[int, float]]]] = []
        for rel, rows in zip(rels, offers, strict=True):
            best: dict[int, tuple[float, float, float]] = {}
            for row in rows:
                rank = (float(row["r1"]), float(row["r2"]), float(row["w"]))
                b = int(row["b"])
                if b not in best or rank[:2] > best[b][:2]:
                    best[b] = rank
            ordered = sorted(best.items(), key=lambda kv: (-kv[1][0], -kv[1][1], kv[0]))
            lanes.append((rel.dst, [(b, rank[2]) for b, rank in ordered]))
        picked: list[NodeKey] = []
        position = [0] * len(lanes)
        while budget > 0:
            progressed = False
            for index, (kind, lane) in enumerate(lanes):
                while position[index] < len(lane) and (kind, lane[position[index]][0]) in (
                    self.chosen
                ):
                    position[index] += 1
                if budget > 0 and position[index] < len(lane):
                    b, weight = lane[position[index]]
                    self.chosen[(kind, b)] = (hop, weight)
                    picked.append((kind, b))
                    position[index] += 1
                    budget -= 1
                    progressed = True
            if not progressed:
                break
        return picked

    async def edges(self) -> list[tuple[NodeKey, NodeKey, str, float]]:
        visible = self.chosen.keys() | self.excluded
        found: list[tuple[NodeKey, NodeKey, str, float]] = []
        forward = [r for r in self.rels if r.forward]
        jobs = [
            (r, self.ids(r.src, visible), self.ids(r.dst, visible))
            for r in forward
            if self.ids(r.src, visible) and self.ids(r.dst, visible)
        ]
        results = await asyncio.gather(
            *(pairs_within(r, src, dst, self.spec.window) for r, src, dst in jobs)
        )
        for (rel, _src, _dst), rows in zip(jobs, results, strict=True):
            for row in rows:
                a, b = (rel.src, int(row["a"])), (rel.dst, int(row["b"]))
                if rel.edge == "COAUTHOR" and a[1] >= b[1]:
                    continue
                if a in self.chosen or b in self.chosen:  # not excluded-excluded
                    found.append((a, b, rel.edge, float(row["w"])))
        return found

    async def degree(self) -> dict[NodeKey, int]:
        groups: dict[tuple[str, str], list[Relation]] = defaultdict(list)
        for rel in self.rels:
            groups[(rel.src, rel.dst)].append(rel)
        todo = [
            (src, rels, self.ids(src, self.chosen))
            for (src, _dst), rels in groups.items()
            if self.ids(src, self.chosen)
        ]
        counts = await asyncio.gather(
            *(degrees(rels, ids, self.spec.window) for _src, rels, ids in todo)
        )
        total: dict[NodeKey, int] = defaultdict(int)
        for (src, _rels, _ids), per_node in zip(todo, counts, strict=True):
            for node_id, n in per_node.items():
                total[(src, node_id)] += n
        return total


async def compute(spec: SliceSpec) -> dict[str, Any]:
    """The slice as JSON-ready data (nodes, edges, truncated), from bounded queries."""
    kind, center_id = spec.center
    if not await labels(kind, [center_id]):
        raise CenterNotFound(f"The center {_gid(spec.center)} names no {kind}")
    walk = _Walk(spec)
    center_shown = spec.center not in walk.excluded
    budget = spec.max_nodes - (1 if center_shown else 0)
    frontier = [spec.center]
    for hop in range(1, spec.radius + 1):
        if budget <= 0 or not frontier:
            break
        frontier = await walk.expand(frontier, hop, budget)
        budget -= len(frontier)
    edges = await walk.edges()
    degree = await walk.degree()
    neighbours: dict[NodeKey, set[NodeKey]] = defaultdict(set)
    for a, b, _kind, _w in edges:
        neighbours[a].add(b)
        neighbours[b].add(a)
    shown = [n for n in walk.chosen if center_shown or n != spec.center]
    visible = set(shown)
    edges = [e for e in edges if e[0] in visible or e[1] in visible]
    hidden = {n: degree.get(n, 0) - len(neighbours[n]) for n in walk.chosen}
    if any(h < 0 for h in hidden.values()):
        log.error("slice %s: negative hidden counts %s", spec.to_dict(), hidden)
    truncated = any(h > 0 for n, h in hidden.items() if walk.chosen[n][0] < spec.radius)
    names: dict[NodeKey, str] = {}
    for k in NODE_KINDS:
        ids = walk.ids(k, shown)
        names.update({(k, i): label for i, label in (await labels(k, ids)).items()})
    return {
        "center": _gid(spec.center),
        "nodes": [
            {
                "id": _gid(n),
                "kind": n[0].upper(),
                "label": names.get(n, ""),
                "hop": walk.chosen[n][0],
                "weight": walk.chosen[n][1],
                "hiddenNeighbors": max(hidden[n], 0),
            }
            for n in shown
        ],
        "edges": sorted(
            (
                {"source": _gid(a), "target": _gid(b), "kind": k, "weight": w}
                for a, b, k, w in edges
            ),
            key=lambda e: (e["kind"], e["source"], e["target"]),
        ),
        "truncated": truncated,
    }


def _stamped(body: dict[str, Any], ttl: int) -> bytes:
    now = datetime.now(UTC)
    return orjson.dumps(
        {
            **body,
            "computedAt": now.isoformat(),
            "expiresAt": (now + timedelta(seconds=ttl)).isoformat(),
        }
    )


async def record(redis: Any, key: str, body: dict[str, Any], ttl: int) -> None:
    """Store an outcome (READY or FAILED) and announce it on the slice's channel."""
    async with redis.pipeline(transaction=True) as pipe:
        pipe.set(key, _stamped(body, ttl), ex=ttl)
        pipe.publish(keys.channel(key), orjson.dumps({"key": key, "status": body["status"]}))
        await pipe.execute()


async def record_failure(redis: Any, key: str, error: str) -> None:
    await record(redis, key, {"status": "FAILED", "error": error}, keys.FAILED_TTL_SECONDS)


async def compute_slice(ctx: dict[str, Any], key: str, spec_raw: str) -> str:
    """arq job: compute the slice `key` (its job id) unless a result is already there."""
    redis = ctx["redis"]
    if await redis.exists(key):
        return "cached"
    tries = int(ctx.get("job_try") or 1)
    if tries > keys.MAX_TRIES:
        await record_failure(
            redis,
            key,
            f"The slice could not be computed: its worker stopped or timed out on all "
            f"{keys.MAX_TRIES} tries",
        )
        return "failed"
    try:
        spec = SliceSpec.from_dict(orjson.loads(spec_raw))
    except (ValueError, KeyError, TypeError) as error:  # OutOfLimits is a ValueError
        await record_failure(redis, key, f"The slice input is invalid: {error}")
        return "failed"
    started = time.perf_counter()
    try:
        body = await asyncio.wait_for(compute(spec), keys.COMPUTE_TIMEOUT_SECONDS)
    except CenterNotFound as error:
        await record_failure(redis, key, str(error))
        return "failed"
    except Exception as error:
        # clients see the cause only as an errorId; the details (SQL, tables) stay in the log
        error_id = uuid.uuid4().hex[:16]
        reason = (
            f"it took longer than {keys.COMPUTE_TIMEOUT_SECONDS:g} s"
            if isinstance(error, TimeoutError)
            else f"an internal error (errorId {error_id}, logged)"
        )
        log.warning(
            "slice %s try %d failed (errorId %s): %r", key, tries, error_id, error, exc_info=error
        )
        if tries < keys.MAX_TRIES:
            raise Retry(defer=keys.RETRY_DELAY_MS * tries / 1000) from error
        await record_failure(
            redis, key, f"Computing the slice failed after {tries} tries; last error: {reason}"
        )
        return "failed"
    body["status"] = "READY"
    body["tookMs"] = round((time.perf_counter() - started) * 1000, 2)
    await record(redis, key, body, keys.SLICE_TTL_SECONDS)
    await redis.incr(keys.COMPUTED_KEY)
    return "ready"
